"""A recipient's country reads as its name in the UI's language (米国, United States), never as
its ISO code (US): from Debian's iso-codes (common/countries.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from common.countries import country_choices, country_name
from tests import factories as f
from tests.live_http import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "ja", "en"),
    [
        ("US", "米国", "United States"),
        ("KR", "大韓民国 (韓国)", "South Korea"),
        ("TW", "台湾", "Taiwan"),
        ("VN", "ベトナム", "Vietnam"),
        ("jp", "日本", "Japan"),
        ("CZ", "チェコ共和国", "Czechia"),  # its official name: "Czechia" is untranslated
    ],
)
def test_a_country_is_named_in_the_uis_language(code, ja, en):
    assert country_name(code, "ja") == ja
    assert country_name(code, "en") == en


def test_an_unknown_code_shows_as_itself_never_as_nothing():
    assert country_name("XX", "ja") == "XX"
    assert country_name("", "ja") == ""


def test_the_choices_hold_every_country_once_japan_first():
    choices = country_choices("ja")
    codes = [code for code, _name in choices]
    assert codes[0] == "JP" and len(codes) == len(set(codes)) > 240
    assert ("US", "米国") in choices


def _log_in(client, user):
    """Through the login form, as the role does."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302


def _cells(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html)
    ]


@pytest.fixture
def us_recipient(db):
    return f.RecipientFactory(name="US Analytics Inc.", country="US")


def test_the_recipient_list_names_the_country(client, manager, us_recipient):
    _log_in(client, manager)
    html = client.get(reverse("admin:consent_app_recipient_changelist")).content.decode()
    cells = _cells(html)
    assert "米国" in cells
    assert "US" not in cells


def test_the_recipient_form_offers_countries_by_name_and_stores_the_code(
    client, manager, us_recipient
):
    _log_in(client, manager)
    url = reverse("admin:consent_app_recipient_change", args=[us_recipient.pk])
    html = client.get(url).content.decode()
    assert re.search(r'<option value="US" selected>米国</option>', html)
    assert '<option value="DE">ドイツ</option>' in html


def test_a_reader_sees_the_country_by_name_on_the_read_only_page(client, auditor, us_recipient):
    _log_in(client, auditor)
    url = reverse("admin:consent_app_recipient_change", args=[us_recipient.pk])
    html = client.get(url).content.decode()
    readonly = re.findall(r'<div class="readonly">(.*?)</div>', html, re.S)
    assert "米国" in readonly and "US" not in readonly


def test_the_english_ui_names_the_country_in_english(client, manager, us_recipient):
    _log_in(client, manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    html = client.get(reverse("admin:consent_app_recipient_changelist")).content.decode()
    assert 'lang="en"' in html
    assert "United States" in _cells(html)
