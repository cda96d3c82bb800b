"""A Japanese company's letter (issue 12, item 5): the staff member in charge named family name
first, 和暦 dates as a template option, and the request form's items numbered (1), (2)… under
their "1." heading."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
import time_machine
from django.contrib.auth import get_user_model

from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, LetterTemplate
from tests.factories import DisclosureRequestFactory, LetterFactory

from .letters_helpers import flat, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def pdf_of(request, language: str = "ja", kind: str = "request_form") -> bytes:
    letter = LetterFactory(request=request, kind=kind, language=language)
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        return handle.read()


def text_of(request, language: str = "ja", kind: str = "request_form") -> str:
    return flat(pdf_text(pdf_of(request, language, kind)))


def layout_text(pdf: bytes) -> str:
    """The page as a reader sees it, line by line in reading order (poppler's pdftotext)."""
    completed = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return completed.stdout.decode()


@pytest.fixture
def takahashi(db):
    return get_user_model().objects.create_user(
        username="m.takahashi", first_name="誠", last_name="高橋", is_staff=True
    )


def test_the_staff_member_in_charge_is_named_family_name_first(takahashi):
    text = text_of(DisclosureRequestFactory(assignee=takahashi))

    assert "担当\u3000高橋 誠" in text


def test_an_english_letter_names_the_staff_member_given_name_first(db):
    user = get_user_model().objects.create_user(
        username="mt", first_name="Makoto", last_name="Takahashi", is_staff=True
    )

    text = text_of(DisclosureRequestFactory(assignee=user), language="en")

    assert "Contact: Makoto Takahashi" in text


def test_no_staff_line_when_nobody_is_in_charge_or_no_name_is_recorded(db):
    nameless = get_user_model().objects.create_user(username="login-only", is_staff=True)

    assert "担当" not in text_of(DisclosureRequestFactory(assignee=None))
    text = text_of(DisclosureRequestFactory(assignee=nameless))
    assert "担当" not in text and "login-only" not in text


@time_machine.travel(dt.datetime(2026, 12, 16, 10, 0, tzinfo=dt.UTC))
def test_a_template_with_the_japanese_era_option_dates_the_letter_in_wareki():
    LetterTemplate.objects.filter(kind="request_form", language="ja").update(
        date_style=LetterTemplate.DateStyle.WAREKI
    )

    text = text_of(DisclosureRequestFactory())

    assert "令和8年12月16日" in text
    assert "2026年12月16日" not in text


@time_machine.travel(dt.datetime(2026, 12, 16, 10, 0, tzinfo=dt.UTC))
def test_the_default_date_style_is_the_western_year():
    text = text_of(DisclosureRequestFactory())

    assert "2026年12月16日" in text and "令和" not in text


def test_the_request_forms_items_are_numbered_in_brackets_under_their_heading():
    lines = [line.strip() for line in layout_text(pdf_of(DisclosureRequestFactory())).splitlines()]

    heading = next(i for i, line in enumerate(lines) if line.startswith("1. ご請求の手続"))
    first_item = lines[heading + 1].replace(" ", "")
    assert first_item.startswith("(1)同封の請求書"), lines[heading : heading + 3]
    assert any(line.replace(" ", "").startswith("(5)以上の書類") for line in lines)
