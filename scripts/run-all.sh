#!/usr/bin/env bash
# Starts web, Celery worker and Celery beat in the foreground; one Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CELERY=.venv/bin/celery
mkdir -p var/log
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "Stopping web, worker and beat..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup INT TERM EXIT

$CELERY -A privacyoffice worker --loglevel=INFO --concurrency=2 --hostname=worker@%h &
pids+=($!)
# The letter sweep on its own queue and process: a render backlog cannot delay it.
$CELERY -A privacyoffice worker --loglevel=INFO --concurrency=1 -Q sweep --hostname=sweep@%h &
pids+=($!)
# Exactly one beat: the database scheduler keeps the schedule in django-celery-beat's tables.
$CELERY -A privacyoffice beat --loglevel=INFO --schedule=var/celerybeat-schedule &
pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 --noreload &
pids+=($!)

cat <<MSG

  Privacy Office is starting: http://127.0.0.1:8000/admin/

  Demo logins (password for all: ${DEMO_PASSWORD:-demo-password-2026}):
    staff     privacy staff
    manager   privacy manager
    manager2  privacy manager (a second one, for the four-eyes rule)
    auditor   auditor (read-only)
    admin     superuser

  Two-factor login is OFF in this demo (REQUIRE_2FA=0); production turns it on.
  Press Ctrl-C to stop everything.

MSG
wait -n
