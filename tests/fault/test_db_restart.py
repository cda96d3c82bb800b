"""The database restarts under a running site: the next page still works.

The site runs as in production: gunicorn with its gthread worker (here one worker of one thread,
so one thread that keeps its database connection between requests, CONN_MAX_AGE), on the test
database. The restart, as the site sees
it, is every server process of that database terminated (pg_terminate_backend sends them the
SIGTERM a fast shutdown sends; restricted to the test database, never the shared server itself):
the site's persistent connection is dead. With CONN_HEALTH_CHECKS Django notices at the start of
the next request and reconnects; without it that request fails with a 500. (A Celery worker
closes its connections after every task; a restart in the middle of one is retried.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from requests_app.letters.services import letter_queue
from requests_app.models import Letter
from tests.conftest import PROJECT_ROOT, database_url_for_subprocess
from tests.factories import DisclosureRequestFactory

from .conftest import free_port, settled, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Site:
    """gunicorn serving the project on a free port, on the test database."""

    def __init__(self, folder):
        self.port = free_port()
        self.log_path = folder / "gunicorn.log"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url_for_subprocess(),
            DJANGO_SETTINGS_MODULE="privacyoffice.settings",
            PRIVACYOFFICE_VAR_DIR=str(folder),
            # The fault is about a connection kept between requests, as production keeps it.
            DATABASE_CONN_MAX_AGE="60",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
        )
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "privacyoffice.wsgi",
                    "--workers=1",
                    "--threads=1",
                    f"--bind=127.0.0.1:{self.port}",
                    "--timeout=60",
                    "--no-control-socket",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def get(self, path: str, session: str) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer: the server is up
        except OSError:
            return False

    def log_tail(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-40:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def site(tmp_path):
    server = Site(tmp_path)
    wait_until(server.answers, timeout=60, why=server.log_tail)
    yield server
    server.stop()


def other_backends() -> list[int]:
    """Server processes on the test database other than this test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def restart_database_under(pids: list[int]) -> int:
    """Terminate the given server processes of the test database; returns how many ended.

    As a DBA's restart would: from a superuser connection (postgres, trust auth on the test
    server). The site and the workers connect as the application role, which the owner may
    not signal (pg_terminate_backend needs membership of the role or pg_signal_backend)."""
    db = connection.settings_dict
    with (
        psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            dbname=db["NAME"],
            user="postgres",
            autocommit=True,
        ) as dba,
        dba.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid = ANY(%s) AND pg_terminate_backend(pid)",
            [pids],
        )
        return cursor.fetchone()[0]


def queue_letter() -> Letter:
    with transaction.atomic():
        return letter_queue(
            request=DisclosureRequestFactory(), kind="request_form", occasion="fault-restart"
        )


def test_the_next_page_works_after_the_database_restarted_under_the_site(site, staff):
    """GIVEN staff on a request's page, the site holding a database connection
    WHEN the database restarts (every connection to it dropped) THEN the next page works."""
    obj = DisclosureRequestFactory()
    browser = Client()
    browser.force_login(staff)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    path = reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])
    status, page = site.get(path, session)
    assert (status, obj.reference in page) == (200, True), site.log_tail()
    held = other_backends()
    assert held  # the site kept its connection open

    assert restart_database_under(held) == len(held)
    wait_until(lambda: not set(held) & set(other_backends()), timeout=30, why=site.log_tail)
    status, page = site.get(path, session)

    assert status == 200, site.log_tail()
    assert obj.reference in page


@pytest.mark.services
def test_a_letter_whose_database_restarts_mid_render_is_retried_and_produced_once(
    web_broker, workers, letter_templates, letter_storage, tmp_path
):
    """GIVEN a worker rendering a letter, claimed, its session holding the render lock
    WHEN the database restarts under it THEN the attempt fails on the dead connection (the check
    that its claim still holds, before it stores anything), the task is retried on a fresh
    connection, and the letter is stored once."""
    gate = tmp_path / "gate"
    gate.mkdir()
    workers.start(gate=gate)
    letter = queue_letter()
    wait_until((gate / f"started-{letter.pk}").exists, timeout=60, why=workers.logs)
    held = other_backends()
    assert held

    assert restart_database_under(held) == len(held)
    (gate / "release").touch()
    wait_until(settled(letter), timeout=90, why=workers.logs)

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert letter.attempts == 2
    assert letter_storage.names() == {letter.file.name}
    assert letter_storage.sha256(letter.file.name) == letter.sha256
