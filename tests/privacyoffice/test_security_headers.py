"""Response headers, cookies and the production settings (`check --deploy` in a subprocess).

The test settings already run with DEBUG off, so the production branch of settings.py (secure
cookies, HSTS) is the one answering here; only SECURE_SSL_REDIRECT is switched off (pytest-env).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.security]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("admin:login")
PASSWORD = "correct-horse-battery-staple"

# Variables the test run sets that a production environment would not have.
_TEST_ONLY_VARIABLES = (
    "DJANGO_SECURE_SSL_REDIRECT",
    "REQUIRE_2FA",
    "DJANGO_STATIC_MANIFEST",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
    "EMAIL_BACKEND",
    "EMAIL_ALLOW_UNDELIVERED",
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="privacyoffice.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="privacy.example.co.jp",
        SITE_URL="https://privacy.example.co.jp",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    env.update(overrides)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(*names: str, **overrides: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run_python(code, production_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# --- headers on every response ----------------------------------------------------------------
@pytest.mark.django_db
def test_admin_pages_carry_a_content_security_policy_without_inline_script(client):
    directives = csp_directives(client.get(LOGIN))
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_the_csp_allows_no_eval_and_no_foreign_origin(client):
    header = client.get(LOGIN)["Content-Security-Policy"]
    assert "unsafe-eval" not in header
    assert "http:" not in header
    assert "https:" not in header
    assert "*" not in header


@pytest.mark.django_db
def test_https_responses_carry_hsts_for_a_year_with_subdomains(client):
    response = client.get(LOGIN, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_pages_may_not_be_framed_or_sniffed(client):
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_admin_pages_are_not_cached(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_session_cookie_is_secure_http_only_and_same_site(client, staff):
    response = client.post(
        LOGIN, {"username": "alice", "password": PASSWORD, "next": "/admin/"}, secure=True
    )
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_csrf_cookie_is_secure_and_http_only(client):
    response = client.get(LOGIN, secure=True)
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


# --- production settings ----------------------------------------------------------------------
def test_check_deploy_reports_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_requires_two_factor_secure_cookies_and_https_by_default():
    values = production_settings(
        "REQUIRE_2FA",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
    )
    assert values == {
        "REQUIRE_2FA": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "DEBUG": False,
    }


def test_the_demo_switches_two_factor_off_only_with_debug_on():
    values = production_settings("REQUIRE_2FA", DJANGO_DEBUG="1")
    assert values == {"REQUIRE_2FA": False}


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_allows_no_wildcard_host_by_default():
    env = production_env()
    del env["DJANGO_ALLOWED_HOSTS"]
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print('*' in settings.ALLOWED_HOSTS)"
    )
    result = run_python(code, env)
    assert result.stdout.strip().splitlines()[-1] == "False"
