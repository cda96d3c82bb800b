"""A search longer than the site accepts gets a clear page, not gunicorn's raw error (issue 20).

Against gunicorn itself, started as the Procfile starts it (it reads gunicorn.conf.py from the
project folder), with raw HTTP requests: a person logs in through the login form, then the
search box and hand-made addresses are tried.
"""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from privacyoffice.admin_site import SEARCH_TOO_LONG
from tests.conftest import PROJECT_ROOT, database_url_for_subprocess, wait_for

from .http import browser_for

pytestmark = [pytest.mark.security, pytest.mark.django_db(transaction=True)]

LIST = "/admin/requests_app/disclosurerequest/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "privacyoffice.settings",
        "PRIVACYOFFICE_VAR_DIR": str(tmp_path),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "privacyoffice.wsgi", f"--bind=127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_for(answers, timeout=60)
    yield f"http://127.0.0.1:{port}", port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def raw_get(port: int, target: str, cookie: str) -> tuple[int, str]:
    """One GET written by hand on a socket: what any client (or attacker) can send."""
    request = (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: ja\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", errors="replace")


@pytest.mark.parametrize(
    "query",
    ["あ" * 300, "a" * 6000],  # 2,700 bytes encoded; and past gunicorn's default 4,094
    ids=["300-japanese-characters", "6000-characters"],
)
def test_a_search_longer_than_accepted_gets_a_clear_page_from_gunicorn(gunicorn, staff, query):
    base_url, port = gunicorn
    browser = browser_for(base_url, staff)
    cookie = browser.session.cookies[settings.SESSION_COOKIE_NAME]

    status, page = raw_get(port, f"{LIST}?q={quote(query)}", cookie)

    assert status == 400
    with translation.override("ja"):
        expected = str(SEARCH_TOO_LONG) % {"max": settings.SEARCH_MAX_LENGTH}
    assert html.escape(expected, quote=False) in page
    assert f'href="{LIST}"' in page  # back to the plain list


def test_the_search_box_stops_at_the_accepted_length_and_a_search_at_it_works(gunicorn, staff):
    base_url, port = gunicorn
    browser = browser_for(base_url, staff)
    cookie = browser.session.cookies[settings.SESSION_COOKIE_NAME]

    status, page = raw_get(port, f"{LIST}?q={quote('あ' * settings.SEARCH_MAX_LENGTH)}", cookie)

    assert status == 200
    assert f'maxlength="{settings.SEARCH_MAX_LENGTH}" name="q"' in page
    assert reverse("admin:requests_app_disclosurerequest_changelist") == LIST
