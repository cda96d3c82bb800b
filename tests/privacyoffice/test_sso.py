"""Single sign-on end to end: a real OpenID Connect provider on localhost, the live server, and an
HTTP client that follows every redirect as a browser does (login page → the SSO button → the
provider's own sign-in form → the callback → the admin).

The site's settings are the production settings' own, built by settings.py from the OIDC_*
variables of the provider's discovery document (in a subprocess, as at start-up).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from bench.http import LoopbackSession, Site
from privacyoffice import roles, sso
from tests.local_servers.oidc import Client, OidcProvider, ProviderUser
from tests.privacyoffice.test_security_headers import (
    production_env,
    production_settings,
    run_python,
)

pytestmark = [pytest.mark.security]

PASSWORD = "correct-horse-battery-staple"  # the local personas' (tests/conftest.py)
COMPANY_PASSWORD = "company-password-2026"
REPORTS = reverse("admin:privacyoffice_reports")
ADD_REQUEST = reverse("admin:requests_app_disclosurerequest_add")
OIDC_SETTINGS = ("OIDC_ENABLED", *settings.OIDC_REQUIRED_SETTINGS, "AUTHENTICATION_BACKENDS")


@pytest.fixture(scope="module")
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sso_settings(provider) -> dict:
    """What settings.py makes of the provider's discovery document, as an operator sets it."""
    discovery = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10)
    config = discovery.json()
    return production_settings(
        *OIDC_SETTINGS,
        OIDC_ENABLED="1",
        OIDC_OP_ISSUER=config["issuer"],
        OIDC_OP_AUTHORIZATION_ENDPOINT=config["authorization_endpoint"],
        OIDC_OP_TOKEN_ENDPOINT=config["token_endpoint"],
        OIDC_OP_USER_ENDPOINT=config["userinfo_endpoint"],
        OIDC_OP_JWKS_ENDPOINT=config["jwks_uri"],
        OIDC_RP_CLIENT_ID="privacy-office",
        OIDC_RP_CLIENT_SECRET="client-secret-for-tests",
    )


@pytest.fixture
def sso_on(settings, live_server, provider, sso_settings) -> OidcProvider:
    for name, value in sso_settings.items():
        setattr(settings, name, value)
    site = live_server.url.replace("http://", "https://")  # as the TLS proxy presents it
    # Behind the proxy (https) for the HTTP client; straight to the live server for Chromium.
    callbacks = [f"{base}/oidc/callback/" for base in (site, live_server.url)]
    provider.clients = {
        "privacy-office": Client("privacy-office", "client-secret-for-tests", callbacks)
    }
    provider.users = {}
    provider.tamper = None
    provider.token_requests = 0
    return provider


def company_user(provider, username: str, role: str | list[str] | None, **extra) -> None:
    claims = {
        "sub": f"sub-{username}",
        "preferred_username": username,
        "email": f"{username}@example.co.jp",
        "family_name": "佐藤",
        "given_name": "花子",
    }
    if role is not None:
        claims["roles"] = role
    provider.users[username] = ProviderUser(COMPANY_PASSWORD, claims, **extra)


class Browser:
    """A cookie jar that follows redirects one by one. The site is reached over plain HTTP on
    loopback, behind the TLS proxy it trusts (X-Forwarded-Proto), so https://site/ is http://."""

    def __init__(self, live_server_url: str) -> None:
        self.http_base = live_server_url
        self.https_base = live_server_url.replace("http://", "https://")
        self.session = LoopbackSession()
        self.session.headers["X-Forwarded-Proto"] = "https"
        self.visited: list[str] = []

    def go(self, url: str, method: str = "GET", data: dict | None = None) -> requests.Response:
        url = urljoin(self.https_base + "/", url)
        for _hop in range(12):
            self.visited.append(url)
            real = url.replace(self.https_base, self.http_base, 1)
            response = self.session.request(
                method, real, data=data, allow_redirects=False, timeout=30
            )
            if response.status_code not in (301, 302, 303):
                response.logical_url = url
                return response
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
        raise AssertionError(f"redirect loop: {self.visited[-4:]}")


def sso_login(browser: Browser, username: str, password: str = COMPANY_PASSWORD):
    """From /admin/ to wherever single sign-on leaves the person, clicking what they click."""
    login_page = browser.go("/admin/")
    assert "/admin/login/" in login_page.logical_url
    button = re.search(r'id="sso-login-button"[^>]*href="([^"]+)"', login_page.text)
    assert button, "no single sign-on button on the login page"
    provider_form = browser.go(html.unescape(button.group(1)))
    assert "Company sign-in" in provider_form.text, provider_form.text[:500]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]*)" value="([^"]*)">', provider_form.text
        )
    }
    action = urljoin(provider_form.logical_url, "/authorize")
    return browser.go(
        action, method="POST", data={**fields, "username": username, "password": password}
    )


def refused(response) -> bool:
    return "/admin/login/" in response.logical_url and 'id="sso-refused"' in response.text


# --- the role comes from the claim -------------------------------------------------------------
@pytest.mark.parametrize(
    ("claim", "group", "reports", "add_request"),
    [
        ("privacy-staff", roles.PRIVACY_STAFF, 403, 200),
        ("privacy-manager", roles.PRIVACY_MANAGER, 200, 200),
        ("privacy-auditor", roles.AUDITOR, 200, 403),
    ],
)
def test_a_company_user_logs_in_with_the_role_their_claim_names(
    sso_on, live_server, claim, group, reports, add_request
):
    company_user(sso_on, "hanako", [claim, "unrelated-group"])
    browser = Browser(live_server.url)

    landed = sso_login(browser, "hanako")

    assert landed.status_code == 200 and landed.logical_url.endswith("/admin/")
    assert any(url.startswith(sso_on.issuer) for url in browser.visited)
    user = get_user_model().objects.get(username="hanako")
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert (user.email, user.last_name) == ("hanako@example.co.jp", "佐藤")
    assert browser.go(REPORTS).status_code == reports
    assert browser.go(ADD_REQUEST).status_code == add_request


@pytest.mark.parametrize("claim", [None, [], ["sales"], ["privacy-staff", "privacy-auditor"]])
def test_no_single_privacy_office_role_in_the_claim_means_no_access(sso_on, live_server, claim):
    company_user(sso_on, "taro", claim)
    browser = Browser(live_server.url)

    landed = sso_login(browser, "taro")

    assert refused(landed)
    with translation.override("ja"):  # the office's language, as the page is shown
        assert html.escape(str(sso.SSO_REFUSED)) in landed.text
    assert "シングルサインオンでログインできませんでした" in landed.text
    assert "/admin/login/" in browser.go("/admin/").logical_url
    assert not get_user_model().objects.filter(username="taro").exists()


def test_a_role_changed_at_the_provider_applies_at_the_next_login(sso_on, live_server):
    company_user(sso_on, "hanako", "privacy-manager")
    sso_login(Browser(live_server.url), "hanako")
    sso_on.users["hanako"].claims["roles"] = "privacy-auditor"

    browser = Browser(live_server.url)
    sso_login(browser, "hanako")

    user = get_user_model().objects.get(username="hanako")
    assert list(user.groups.values_list("name", flat=True)) == [roles.AUDITOR]
    assert get_user_model().objects.filter(username="hanako").count() == 1
    assert browser.go(ADD_REQUEST).status_code == 403

    sso_on.users["hanako"].claims["roles"] = []
    assert refused(sso_login(Browser(live_server.url), "hanako"))


# --- local passwords: the break-glass superuser only -------------------------------------------
def test_with_sso_on_a_staff_password_no_longer_opens_the_site(sso_on, live_server, staff):
    site = Site(live_server.url, live_server.url, live_server.url.replace("http://", "https://"))

    with pytest.raises(Exception, match="login as alice answered 200"):
        site.login(staff.username, PASSWORD)


def test_the_break_glass_superuser_still_logs_in_with_a_password(sso_on, live_server, superuser):
    site = Site(live_server.url, live_server.url, live_server.url.replace("http://", "https://"))

    session = site.login(superuser.username, PASSWORD)

    assert session.get(live_server.url + "/admin/", timeout=30).status_code == 200


def test_with_sso_on_the_break_glass_password_form_still_locks_out(
    sso_on, live_server, superuser, settings
):
    site = Site(live_server.url, live_server.url, live_server.url.replace("http://", "https://"))
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        with pytest.raises(Exception, match="answered 200"):
            site.login(superuser.username, "wrong-password-guess")
    with pytest.raises(Exception, match="answered 429"):  # the limit reached: locked
        site.login(superuser.username, "wrong-password-guess")

    with pytest.raises(Exception, match="answered 429"):  # even with the right password
        site.login(superuser.username, PASSWORD)


def test_a_provider_user_with_a_local_accounts_name_does_not_take_it_over(
    sso_on, live_server, superuser
):
    company_user(sso_on, superuser.username, "privacy-manager")

    landed = sso_login(Browser(live_server.url), superuser.username)

    assert refused(landed)
    superuser.refresh_from_db()
    assert superuser.is_superuser and superuser.has_usable_password()
    assert not superuser.groups.exists()


def test_refused_sso_attempts_do_not_lock_everyone_behind_the_same_address_out(
    sso_on, live_server, settings
):
    """The provider counts and locks failed company sign-ins; axes must not lock the shared
    office address (every user behind the proxy) after a few refused role claims."""
    company_user(sso_on, "taro", ["sales"])
    company_user(sso_on, "hanako", "privacy-manager")
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        assert refused(sso_login(Browser(live_server.url), "taro"))

    landed = sso_login(Browser(live_server.url), "hanako")

    assert landed.status_code == 200 and landed.logical_url.endswith("/admin/")


# --- hostile or broken answers from "the provider" ---------------------------------------------
@pytest.mark.parametrize("tamper", ["wrong_key", "wrong_audience", "expired"])
def test_an_id_token_that_does_not_verify_logs_nobody_in(sso_on, live_server, tamper):
    company_user(sso_on, "hanako", "privacy-manager")
    sso_on.tamper = tamper

    landed = sso_login(Browser(live_server.url), "hanako")

    assert landed.status_code == 200 and refused(landed)
    assert not get_user_model().objects.filter(username="hanako").exists()


def test_a_forged_callback_is_refused_with_the_message(sso_on, live_server):
    browser = Browser(live_server.url)
    browser.go("/admin/login/")

    landed = browser.go("/oidc/callback/?code=stolen&state=made-up")

    assert landed.status_code == 200 and refused(landed)
    assert sso_on.token_requests == 0


# --- the second factor -------------------------------------------------------------------------
def test_with_2fa_required_the_providers_second_factor_is_enough(sso_on, live_server, settings):
    settings.REQUIRE_2FA = True
    company_user(sso_on, "hanako", "privacy-manager", amr=["pwd", "otp"])
    browser = Browser(live_server.url)

    landed = sso_login(browser, "hanako")

    assert landed.logical_url.endswith("/admin/") and landed.status_code == 200
    assert browser.go(REPORTS).status_code == 200  # no TOTP prompt on top


def test_with_2fa_required_a_password_only_sign_in_at_the_provider_is_refused(
    sso_on, live_server, settings
):
    settings.REQUIRE_2FA = True
    company_user(sso_on, "hanako", "privacy-manager", amr=["pwd"])

    assert refused(sso_login(Browser(live_server.url), "hanako"))


# --- off by default ----------------------------------------------------------------------------
def test_sso_is_off_by_default(client, db):
    page = client.get(reverse("admin:login"))

    assert 'id="sso-login-button"' not in page.content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_sso_switched_on_without_its_provider_settings_stops_the_start_up():
    result = run_python(
        "import django; django.setup()", production_env(OIDC_ENABLED="1", OIDC_OP_ISSUER="")
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "OIDC_OP_ISSUER" in result.stderr
