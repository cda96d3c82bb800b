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
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, connections
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.utils import load_backend
from django.test.testcases import LiveServerThread
from pytest_django.live_server_helper import LiveServer

from privacyoffice import dbroles, roles

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


# --- database roles ----------------------------------------------------------------------------
# The test database is created and migrated by DATABASE_URL's role (the owner); what the user
# reaches (live servers, Celery workers, the attack tests) connects as the application role,
# as production does (privacyoffice.dbroles). README: "Database roles".
def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def app_role_available() -> bool:
    if not _is_postgres():
        return False
    with connection.cursor() as cursor:
        return dbroles.role_exists(cursor, dbroles.app_role())


def app_role_settings() -> dict:
    """The test database's connection settings, as the application role."""
    return {
        **connection.settings_dict,
        "USER": dbroles.app_role(),
        "PASSWORD": dbroles.app_password(),
    }


def require_app_role() -> None:
    if not _is_postgres():
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    if not app_role_available():
        skip_or_fail(
            f"the application role {dbroles.app_role()} does not exist: "
            "manage.py setup_database_roles --create-roles (README: Database roles)"
        )


def database_url_for_subprocess(*, as_owner: bool = False) -> str:
    """The URL of the database the test is using now (the test database, not the dev one).

    On PostgreSQL, as the application role whenever it exists (in CI it must): the processes a
    user reaches never run as the owner. `as_owner` for the rare subprocess doing a DBA's job.
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user, password = db.get("USER") or "", db.get("PASSWORD") or ""
    if not as_owner:
        if app_role_available():
            user, password = dbroles.app_role(), dbroles.app_password()
        elif REQUIRE_SERVICES:
            require_app_role()
    password = f":{password}" if password else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session", autouse=True)
def _ledgers_flushable():
    """Let the test runner's flush (TRUNCATE, as the owner) empty the ledgers between tests.

    The ledgers refuse TRUNCATE (privacyoffice.ledgers.sql) except inside the owner's own
    functions; the owner may name the trigger in privacyoffice.bypass for its transaction, and
    the flush between transactional tests is an owner's job. The application role could set the
    same setting and gain nothing: privacyoffice_bypass() checks the current user first.
    """
    original = DatabaseOperations.execute_sql_flush
    bypass = "SELECT set_config('privacyoffice.bypass', 'privacyoffice_ledger_no_truncate', true)"

    def execute_sql_flush(self, sql_list):
        return original(self, [bypass, *sql_list] if sql_list else sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


class _AppRoleWSGIServer(ThreadedWSGIServer):
    """Each request thread opens its own connection as the application role."""

    def process_request_thread(self, request, client_address):
        db = app_role_settings()
        connections["default"] = load_backend(db["ENGINE"]).DatabaseWrapper(db, "default")
        super().process_request_thread(request, client_address)


class _AppRoleLiveServerThread(LiveServerThread):
    server_class = _AppRoleWSGIServer


@pytest.fixture
def live_server(request):
    """pytest-django's live server, serving as the application role (as gunicorn does in
    production) wherever that role exists; CI requires it."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    if _is_postgres() and (REQUIRE_SERVICES or app_role_available()):
        require_app_role()
        plain = server.thread
        server.thread = _AppRoleLiveServerThread(
            plain.host,
            plain.static_handler,
            connections_override=plain.connections_override,
            port=plain.port,
        )
        server.thread.daemon = True
    server.start()
    yield server
    server.stop()


# --- live Celery worker ------------------------------------------------------------------------
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
