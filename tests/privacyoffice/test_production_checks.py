"""Start-up checks of production settings: mail that reaches someone, links that lead somewhere.

Run as an operator would, `manage.py check --deploy` in a subprocess with debug off.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.privacyoffice.test_security_headers import PROJECT_ROOT, production_env

pytestmark = [pytest.mark.security]


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("backend", ["console", "locmem"])
def test_a_backend_that_delivers_no_mail_stops_production_start_up(backend):
    result = check_deploy(EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend")

    assert result.returncode != 0
    assert "privacyoffice.E001" in result.stderr
    assert "deadline alerts" in result.stderr


def test_a_site_that_must_send_no_mail_says_so_explicitly():
    result = check_deploy(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        EMAIL_ALLOW_UNDELIVERED="1",
    )

    assert result.returncode == 0, result.stderr
    assert "privacyoffice.E001" not in result.stdout + result.stderr


@pytest.mark.parametrize("site_url", ["", "privacy.example.co.jp"])
def test_production_needs_the_sites_absolute_address_for_alert_links(site_url):
    result = check_deploy(SITE_URL=site_url)

    assert result.returncode != 0
    assert "privacyoffice.E002" in result.stderr


def test_the_demo_with_debug_on_keeps_its_console_mail_and_local_address():
    env = production_env(
        DJANGO_DEBUG="1", EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    )
    del env["SITE_URL"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    assert "privacyoffice.E00" not in result.stdout + result.stderr
