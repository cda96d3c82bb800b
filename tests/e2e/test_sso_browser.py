"""Single sign-on in Chromium: the login page's button, the provider's sign-in form, the admin."""

import pytest
from django.contrib.auth import get_user_model

from privacyoffice import roles
from tests.privacyoffice.test_sso import (  # noqa: F401  (fixtures)
    COMPANY_PASSWORD,
    company_user,
    provider,
    sso_on,
    sso_settings,
)

pytestmark = [pytest.mark.e2e, pytest.mark.security]


def test_a_manager_signs_in_with_the_company_account_in_a_browser(page, shot, sso_on):  # noqa: F811
    """GIVEN SSO on and a company user whose claim says privacy manager WHEN they press the SSO
    button and sign in at the provider THEN the admin opens in Japanese, as a manager."""
    company_user(sso_on, "hanako", "privacy-manager")

    page.goto("/admin/")
    button = page.locator("#sso-login-button")
    assert button.inner_text() == "会社のアカウントでログイン（シングルサインオン）"
    assert "緊急用の管理者アカウント専用" in page.locator("#sso-break-glass-note").inner_text()
    shot("login-page")
    button.click()
    page.wait_for_url(f"{sso_on.issuer}/authorize**")
    page.fill("input[name=username]", "hanako")
    page.fill("input[name=password]", COMPANY_PASSWORD)
    shot("provider-sign-in")
    page.click("button")
    page.wait_for_url("**/admin/")

    assert page.locator("#content h1").inner_text() == "業務メニュー"
    # family_name and given_name, from the claims, family name first
    assert "佐藤 花子 さん" in page.locator("#user-tools").inner_text()
    shot("admin-home")
    user = get_user_model().objects.get(username="hanako")
    assert list(user.groups.values_list("name", flat=True)) == [roles.PRIVACY_MANAGER]


def test_a_company_user_without_a_role_is_told_so_in_a_browser(page, shot, sso_on):  # noqa: F811
    company_user(sso_on, "taro", ["sales"])

    page.goto("/admin/")
    page.click("#sso-login-button")
    page.fill("input[name=username]", "taro")
    page.fill("input[name=password]", COMPANY_PASSWORD)
    page.click("button")
    page.wait_for_url("**/admin/login/?sso=refused")

    assert "ロールがない" in page.locator("#sso-refused").inner_text()
    shot("refused")
    assert not get_user_model().objects.filter(username="taro").exists()
