"""Shared fixtures: the personas, service markers and a live Celery worker.

Personas (one behaviour per test, built on these): `staff` (privacy staff), `other_staff`,
`manager` and `other_manager` (privacy managers, two for the four-eyes rule), `auditor`,
`outsider` (an active user with no role), `superuser`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from privacyoffice import roles

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


# --- services ----------------------------------------------------------------------------------
def _redis_reachable() -> str | None:
    """None when Redis answers, else the reason it does not."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return None
    except OSError as exc:
        return f"Redis at {parsed.hostname}:{parsed.port} is unreachable ({exc})"


def _postgres_reason() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not point at PostgreSQL"
    return None


def skip_or_fail(reason: str) -> None:
    """A missing service skips on a laptop and fails in CI (REQUIRE_SERVICES=1)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    if request.node.get_closest_marker("services"):
        reason = _redis_reachable()
        if reason:
            skip_or_fail(reason)
    if request.node.get_closest_marker("postgres"):
        reason = _postgres_reason()
        if reason:
            skip_or_fail(reason)


# --- personas ----------------------------------------------------------------------------------
def make_user(django_user_model, username: str, role: str | None = None, **extra):
    user = django_user_model.objects.create_user(
        username=username,
        password="correct-horse-battery-staple",
        is_staff=role is not None,
        email=f"{username}@example.co.jp",
        **extra,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff(db, django_user_model):
    return make_user(django_user_model, "alice", roles.PRIVACY_STAFF)


@pytest.fixture
def other_staff(db, django_user_model):
    return make_user(django_user_model, "bob", roles.PRIVACY_STAFF)


@pytest.fixture
def manager(db, django_user_model):
    return make_user(django_user_model, "maria", roles.PRIVACY_MANAGER)


@pytest.fixture
def other_manager(db, django_user_model):
    return make_user(django_user_model, "mike", roles.PRIVACY_MANAGER)


@pytest.fixture
def auditor(db, django_user_model):
    return make_user(django_user_model, "audrey", roles.AUDITOR)


@pytest.fixture
def outsider(db, django_user_model):
    return make_user(django_user_model, "charlie", None)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", password="correct-horse-battery-staple", email="root@example.co.jp"
    )


def client_for(client, user):
    client.force_login(user)
    return client


# --- live Celery worker ------------------------------------------------------------------------
def database_url_for_subprocess() -> str:
    """The URL of the database the test is using now (the test database, not the dev one)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class LiveWorker:
    def __init__(self, queues: str = "celery"):
        self.queues = queues
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / "worker-test.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url_for_subprocess()
        env["DJANGO_SETTINGS_MODULE"] = "privacyoffice.settings"
        env["PRIVACYOFFICE_VAR_DIR"] = str(settings.VAR_DIR)
        return env

    def start(self, concurrency: int = 1) -> LiveWorker:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "privacyoffice",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "-Q",
                self.queues,
                "--without-gossip",
                "--without-mingle",
                f"--hostname=test-{os.getpid()}@%h",
            ],
            cwd=PROJECT_ROOT,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self, sig: int = 9) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log", None):
            self.log.close()


@pytest.fixture
def live_worker(transactional_db, request):
    """A real Celery worker process over real Redis, on the test database.

    Tests using it must be marked `services` and use committed data (transactional_db).
    """
    reason = _redis_reachable()
    if reason:
        skip_or_fail(reason)
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("Celery's broker is not Redis in these settings")
    from privacyoffice.celery import app

    app.control.purge()
    worker = LiveWorker().start()
    yield worker
    worker.stop()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):
    """Poll until predicate() is truthy; returns its value or fails the test with a message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
