# Privacy Office: `make run` starts the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := privacyoffice.settings

.PHONY: install system-deps browser-deps run test check typecheck typecheck-all lint format bench messages makemessages clean

# Debian packages the site needs at run time: Japanese fonts for the letters (IPAex, and IPAmj
# Mincho behind it for the MJ characters of names: never tofu), the Pango stack WeasyPrint
# renders with, gettext to compile the Japanese catalogue, and Unihan (unicode-data) for the
# kanji variants customer search folds (consent_app/kanji_variants.py), and iso-codes for the
# countries' names in Japanese and English (common/countries.py).
system-deps:
	@if ! fc-list 2>/dev/null | grep -q IPAex || ! fc-list 2>/dev/null | grep -q IPAmj \
	    || ! command -v msgfmt >/dev/null || [ ! -e /usr/share/unicode/Unihan_Variants.txt.bz2 ] \
	    || [ ! -e /usr/share/iso-codes/json/iso_3166-1.json ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      fonts-ipaexfont-gothic fonts-ipaexfont-mincho fonts-ipamj-mincho gettext \
	      libpango-1.0-0 libpangoft2-1.0-0 \
	      libharfbuzz-subset0 poppler-utils unicode-data iso-codes >/dev/null; \
	  else \
	    echo "Please install: fonts-ipaexfont-gothic fonts-ipaexfont-mincho fonts-ipamj-mincho gettext libpango-1.0-0 libpangoft2-1.0-0 unicode-data iso-codes" >&2; \
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

# On PostgreSQL (DATABASE_URL=postgres://<superuser>@host/db) the two roles come first
# (README: "Database roles"): the owner migrates and seeds, the web server and Celery run as the
# application role. SQLite (the default) has no roles.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1} REQUIRE_2FA=$${REQUIRE_2FA:-0}
run: install
	@set -e; if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
	  $(RUN_ENV) $(PY) manage.py setup_database_roles --create-roles; \
	  owner_url="$$($(RUN_ENV) $(PY) manage.py setup_database_roles --print-url owner)"; \
	  app_url="$$($(RUN_ENV) $(PY) manage.py setup_database_roles --print-url app)"; \
	  DATABASE_URL="$$owner_url" $(RUN_ENV) $(PY) manage.py migrate --noinput; \
	  DATABASE_URL="$$owner_url" $(RUN_ENV) $(PY) manage.py seed_demo; \
	  DATABASE_URL="$$app_url" $(RUN_ENV) ./scripts/run-all.sh; \
	else \
	  $(RUN_ENV) $(PY) manage.py migrate --noinput; \
	  $(RUN_ENV) $(PY) manage.py seed_demo; \
	  $(RUN_ENV) ./scripts/run-all.sh; \
	fi

test: install browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Static checks (CI runs them through `make test`): bandit (no medium/high finding without an
# explained nosec), pip-audit (says NOT AUDITED when PyPI's JSON API cannot be reached), no model
# change without its migration, and `check --deploy` clean with production settings.
check: $(STAMP) typecheck
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium -q
	$(PY) scripts/audit_dependencies.py
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	env -u DJANGO_SECURE_SSL_REDIRECT -u REQUIRE_2FA -u EMAIL_ALLOW_UNDELIVERED DJANGO_DEBUG=0 \
	  DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  DJANGO_ALLOWED_HOSTS=privacy.example.co.jp SITE_URL=https://privacy.example.co.jp \
	  EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	  $(PY) manage.py check --deploy --fail-level WARNING

# mypy with django-stubs (pyproject.toml [tool.mypy]): 0 errors, the modules not yet clean
# excepted (the list there); `make typecheck-all` shows what is left in those.
typecheck: $(STAMP)
	DJANGO_DEBUG=1 $(VENV)/bin/mypy

typecheck-all: $(STAMP)
	@mkdir -p var && sed '/^\[\[tool.mypy.overrides\]\]/,/^ignore_errors/d' pyproject.toml > var/mypy-all.toml
	DJANGO_DEBUG=1 $(VENV)/bin/mypy --config-file var/mypy-all.toml

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
