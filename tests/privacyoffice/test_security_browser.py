"""In a real browser (Debian's Chromium): the two-factor login, and the admin's own JavaScript
working under the Content-Security-Policy (scripts from 'self' only, nothing inline).

Screenshots of each step land in var/e2e/ (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from tests import factories as f
from tests.e2e.conftest import PASSWORD, browser, log_in, open_page, page, shot  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.security]

# Every CSP violation the page reports, kept on window for the test to read.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile);
});
"""


def _token_from_page(page) -> str:  # noqa: F811
    from django_otp.oath import totp

    secret = page.inner_text("#two-factor-secret").replace(" ", "")
    return f"{totp(base64.b32decode(secret)):06d}"


def test_a_new_user_enrols_an_authenticator_and_logs_in_with_it(
    page,  # noqa: F811
    shot,  # noqa: F811
    staff,
    settings,
):
    """GIVEN REQUIRE_2FA on and a staff user with no device
    WHEN they log in with their password
    THEN they are shown a QR code; WHEN they enter the app's code THEN the admin opens;
    and at the next login they are asked for a code, not shown a QR code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA = True
    page.goto("/admin/login/?next=/admin/")
    assert page.locator("#two-factor-note").is_visible()
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/security/two-factor/setup/**")
    assert page.locator("#two-factor-qr").is_visible()
    assert page.evaluate("document.getElementById('two-factor-qr').naturalWidth") > 0
    shot("enrol")

    page.fill("#id_token", _token_from_page(page))
    page.click("#two-factor-form input[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("#user-tools").is_visible()
    shot("enrolled")

    page.click("#logout-form button")
    device = TOTPDevice.objects.get(user=staff)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/security/two-factor/?**")
    assert page.locator("#two-factor-qr").count() == 0
    shot("verify")
    page.fill("#id_token", f.totp_token(device, steps_ahead=1))
    page.click("#two-factor-form input[type=submit]")
    page.wait_for_url("**/admin/")


def _visit(page, url: str) -> list[str]:  # noqa: F811
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate("window.__csp")


def test_the_csp_watch_reports_an_inline_script(page, superuser):  # noqa: F811
    """The control for the test below: the watch does see a blocked inline script."""
    page.add_init_script(WATCH_CSP)
    log_in(page, "root")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp"), "an inline script ran or went unreported"
    assert page.evaluate("window.x") is None


def test_the_admin_javascript_works_under_the_csp(page, shot, superuser, staff):  # noqa: F811
    """GIVEN the CSP (scripts from 'self' only)
    WHEN a superuser opens pages that depend on the admin's JavaScript: a change form with
         inlines, the request page, date pickers, the two-list permission selector, the
         periodic-task form and the dashboard
    THEN no page reports a CSP violation, and each widget built by JavaScript is there."""
    page.add_init_script(WATCH_CSP)
    customer = f.CustomerFactory(by=staff)
    request = f.DisclosureRequestFactory(customer=customer)
    f.IdentityDocumentFactory(request=request, uploaded_by=staff)
    log_in(page, "root")

    violations = {}
    checks = {
        # inlines (consent flags, ledger, suppressions) and the customer form
        reverse("admin:consent_app_customer_change", args=[customer.pk]): ".inline-group",
        # the request page: inlines, timeline, transition buttons
        reverse("admin:requests_app_disclosurerequest_change", args=[request.pk]): "#content",
        # DateTimeShortcuts.js adds the calendar and clock links
        reverse("admin:requests_app_disclosurerequest_add"): ".datetimeshortcuts",
        # SelectFilter2.js turns the permission list into the two-box selector
        reverse("admin:auth_group_add"): ".selector-available",
        # the celery-beat form whose inline script was moved to a static file
        reverse("admin:django_celery_beat_periodictask_add"): "#periodic-task-overrides",
        reverse("admin:privacyoffice_dashboard"): "#content",
        reverse("admin:consent_app_customer_changelist"): "#changelist",
    }
    for url, built_by_js in checks.items():
        found = _visit(page, url)
        if found:
            violations[url] = found
        assert page.locator(built_by_js).count() > 0, f"{built_by_js} missing on {url}"
    shot("changelist-under-csp", page=page)
    assert not violations, violations
