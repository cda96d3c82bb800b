# Privacy Office: `make run` starts the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := privacyoffice.settings

.PHONY: install system-deps browser-deps run test check lint format bench messages makemessages clean

# Debian packages the site needs at run time: a Japanese font for the letters (never tofu),
# the Pango stack WeasyPrint renders with, and gettext to compile the Japanese catalogue.
system-deps:
	@if ! fc-list 2>/dev/null | grep -q IPAex || ! command -v msgfmt >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      fonts-ipaexfont-gothic fonts-ipaexfont-mincho gettext libpango-1.0-0 libpangoft2-1.0-0 \
	      libharfbuzz-subset0 poppler-utils >/dev/null; \
	  else \
	    echo "Please install: fonts-ipaexfont-gothic fonts-ipaexfont-mincho gettext libpango-1.0-0 libpangoft2-1.0-0" >&2; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: system-deps $(STAMP) messages

messages: $(STAMP)
	@cd . && DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

# Extract the project's strings into locale/ja/LC_MESSAGES/django.po for translation (the same
# extraction tests/test_i18n.py checks: it fails while a string has no Japanese). Then `make messages`.
# File names without line numbers, so moving code does not rewrite the whole catalogue.
makemessages: $(STAMP)
	@command -v msgmerge >/dev/null || { echo "gettext is missing: make system-deps" >&2; exit 1; }
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l ja --no-obsolete --add-location=file \
	  --ignore=.venv --ignore=var --ignore=tests --ignore='*.egg-info' -v 1

# Debian's Chromium for the end-to-end tests (Playwright drives it and never downloads a browser
# of its own). Without it the e2e tests are skipped, except in CI where they must run.
browser-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is not installed (apt-get install chromium): the e2e tests will be skipped." >&2; \
	  fi; \
	fi

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} REQUIRE_2FA=$${REQUIRE_2FA:-0} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} REQUIRE_2FA=$${REQUIRE_2FA:-0} $(PY) manage.py seed_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} REQUIRE_2FA=$${REQUIRE_2FA:-0} ./scripts/run-all.sh

test: install browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Static checks (CI runs them through `make test`): bandit (no medium/high finding without an
# explained nosec), pip-audit (says NOT AUDITED when PyPI's JSON API cannot be reached), no model
# change without its migration, and `check --deploy` clean with production settings.
check: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium -q
	$(PY) scripts/audit_dependencies.py
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	env -u DJANGO_SECURE_SSL_REDIRECT -u REQUIRE_2FA -u EMAIL_ALLOW_UNDELIVERED DJANGO_DEBUG=0 \
	  DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  DJANGO_ALLOWED_HOSTS=privacy.example.co.jp SITE_URL=https://privacy.example.co.jp \
	  EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	  $(PY) manage.py check --deploy --fail-level WARNING

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# `make bench` (default scale: 1 M customers), `make bench SCALE=small`, `SCALE=tiny` (smoke).
# The load drops and re-creates BENCH_DATABASE_URL's database: never point it at real data.
SCALE ?= full
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/privacyoffice_bench
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf var/test_db.sqlite3* var/celery
