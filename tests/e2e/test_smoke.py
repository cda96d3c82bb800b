"""Smoke: the superuser logs in through the real form, sees the admin in Japanese, switches."""

import pytest

from privacyoffice.i18n import staff_language_get

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_superuser_logs_in_sees_japanese_and_switches_to_english(page, shot, superuser):
    """GIVEN a Japanese browser WHEN the superuser logs in through the login form THEN the admin
    home is in Japanese; WHEN they press "English" in the header THEN it is in English, and stays
    so after a reload because the choice is saved as their preference."""
    page.goto("/admin/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#site-name").inner_text() == "個人情報保護室"
    shot("login-ja")

    log_in(page, "root")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#site-name").inner_text() == "個人情報保護室"
    assert page.locator("#content h1").inner_text() == "業務メニュー"
    assert page.locator("#language-switch button.current").inner_text() == "日本語"
    shot("home-ja")

    page.click("#language-switch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#site-name").inner_text() == "Privacy Office"
    assert page.locator("#content h1").inner_text() == "Back office"
    shot("home-en")

    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"
    assert staff_language_get(user=superuser) == "en"
