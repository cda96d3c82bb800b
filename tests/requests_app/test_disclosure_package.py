"""A disclosure package a person can read (issue 12, item 3): values as the person reads them,
wide records as key/value blocks, steps grouped per request, and a letter that never lists
itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from requests_app import selectors
from requests_app.letters.context import WIDE_COLUMNS, letter_context
from requests_app.letters.rendering import render_letter_html
from requests_app.letters.services import letter_template_current
from requests_app.models import DisclosureRequest, Letter
from tests.factories import DisclosureRequestFactory, LetterFactory

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def section(compilation, key):
    return next(s for s in compilation["sections"] if s["key"] == key)


def text(section_dict) -> str:
    return "\n".join(" ".join(row) for row in section_dict["rows"])


@pytest.fixture
def provision_record(customer):
    from consent_app.models import ProvisionBatch, ProvisionRecord, PurposeOfUse, Recipient

    recipient = Recipient.objects.create(name="販売会社A", category="dealer")
    batch = ProvisionBatch.objects.create(
        recipient=recipient,
        purpose=PurposeOfUse.objects.get(code="third_party_provision"),
        provided_on=timezone.localdate(),
        basis="consent",
    )
    return ProvisionRecord.objects.create(
        batch=batch,
        recipient=recipient,
        customer=customer,
        provided_on=date(2026, 4, 1),
        data_items=["name_kana", "address", "date_of_birth"],
        basis="consent",
        retain_until=timezone.localdate() + timedelta(days=30),
    )


def test_data_items_read_as_their_labels_not_codes(customer, provision_record):
    request = DisclosureRequestFactory(customer=customer)

    records = section(
        selectors.disclosure_compilation(request=request, language="ja"), "provision_records"
    )

    shown = text(records)
    assert "name_kana" not in shown and "date_of_birth" not in shown
    assert "住所" in shown


def test_dates_read_as_a_japanese_reader_writes_them(customer, provision_record):
    request = DisclosureRequestFactory(customer=customer)

    compilation = selectors.disclosure_compilation(request=request, language="ja")

    assert "2026年4月1日" in text(section(compilation, "provision_records"))
    for one in compilation["sections"]:
        assert not ISO_DATE.search(text(one)), (one["key"], ISO_DATE.search(text(one)))


def _log(request, transition: str, when) -> StateLog:
    # The transition log is append-only (no UPDATE): the row is written at that time.
    with time_machine.travel(when, tick=False):
        return StateLog.objects.create(
            content_type=ContentType.objects.get_for_model(DisclosureRequest),
            object_id=str(request.pk),
            transition=transition,
            source_state="inquiry",
            state="form_sent",
        )


def test_steps_of_two_requests_are_grouped_per_request_with_its_reference(customer):
    first = DisclosureRequestFactory(customer=customer, reference="PR-2026-000001")
    second = DisclosureRequestFactory(customer=customer, reference="PR-2026-000002")
    now = timezone.now()
    # Interleaved in time: first, second, first.
    _log(first, "send_form", now - timedelta(days=3))
    _log(second, "send_form", now - timedelta(days=2))
    _log(first, "receive_documents", now - timedelta(days=1))

    steps = section(selectors.disclosure_compilation(request=first), "request_history")

    references = [row[0] for row in steps["rows"]]
    assert references == ["PR-2026-000001", "PR-2026-000001", "PR-2026-000002"]
    assert len(steps["columns"]) == len(steps["rows"][0])


def test_the_letter_that_carries_the_disclosure_never_lists_itself(customer):
    request = DisclosureRequestFactory(customer=customer, outcome="fulfilled")
    earlier = LetterFactory(request=request, kind="request_form", status="sent")
    this_letter = LetterFactory(request=request, kind="response", status="queued")

    letters = section(selectors.disclosure_compilation(request=request), "letters")

    assert len(letters["rows"]) == 1
    assert earlier.status == Letter.Status.SENT and this_letter.status == Letter.Status.QUEUED


def test_a_wide_record_is_a_key_value_block_never_a_table_that_splits_values(customer):
    request = DisclosureRequestFactory(customer=customer, outcome="fulfilled")
    letter = LetterFactory(request=request, kind="response")
    template = letter_template_current(kind="response", request_type="disclosure", language="ja")
    context = letter_context(letter=letter)

    html = render_letter_html(
        subject_source=template.subject, body_source=template.body, context=context
    )

    history = next(s for s in context["compilation"]["sections"] if s["key"] == "profile_history")
    assert len(history["columns"]) > WIDE_COLUMNS
    assert history["blocks"] and not history["rows"]
    # No table in the letter has more than WIDE_COLUMNS header cells in a row.
    for head in re.findall(r"<thead><tr>(.*?)</tr></thead>", html, flags=re.S):
        assert head.count("<th>") <= WIDE_COLUMNS
    assert customer.number in html
