"""The disclosure compilation and the electronic copy (APPI Art. 33)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app import selectors
from requests_app.models import RequestType
from tests.factories import (
    CorrectionItemFactory,
    DisclosureRequestFactory,
    RequestCommentFactory,
)

pytestmark = pytest.mark.django_db


def _section(compilation, key):
    return next(s for s in compilation["sections"] if s["key"] == key)


def _all_text(compilation) -> str:
    return "\n".join(
        " ".join(row) for section in compilation["sections"] for row in section["rows"]
    )


def test_compilation_of_a_request_without_customer_has_no_sections():
    """GIVEN a request linked to no customer (no data held) THEN nothing is compiled."""
    request = DisclosureRequestFactory(customer=None)

    compilation = selectors.disclosure_compilation(request=request)

    assert compilation["sections"] == []
    assert compilation["generated_at"] is not None


def test_compilation_shows_the_customer_profile(customer):
    request = DisclosureRequestFactory(customer=customer)

    profile = _section(selectors.disclosure_compilation(request=request, language="ja"), "profile")

    values = [value for _item, value in profile["rows"]]
    assert "東京都千代田区丸の内1-1-1" in values
    assert customer.number in values


def test_compilation_never_shows_derived_search_columns(customer):
    request = DisclosureRequestFactory(customer=customer)

    compilation = selectors.disclosure_compilation(request=request, language="en")

    assert customer.search_name not in _all_text(compilation)


def test_compilation_includes_consent_ledger_and_state(customer):
    from consent_app.services import consent_change

    consent_change(
        customer=customer,
        purpose="survey",
        channel="any",
        new_state="granted",
        actor="customer",
        source="letter",
    )
    request = DisclosureRequestFactory(customer=customer)

    compilation = selectors.disclosure_compilation(request=request, language="en")

    assert len(_section(compilation, "consent_ledger")["rows"]) == 1
    assert _section(compilation, "consent_state")["rows"][0][2] == "Granted"


def test_compilation_includes_earlier_requests_corrections_and_comments(customer):
    earlier = DisclosureRequestFactory(customer=customer, request_type=RequestType.CORRECTION)
    CorrectionItemFactory(request=earlier, requested_value="東京都港区芝公園4-2-8")
    RequestCommentFactory(request=earlier, body="折り返し電話済み")
    request = DisclosureRequestFactory(customer=customer)

    text = _all_text(selectors.disclosure_compilation(request=request, language="ja"))

    assert earlier.reference in text
    assert "東京都港区芝公園4-2-8" in text
    assert "折り返し電話済み" in text


def test_record_disclosure_compiles_only_provision_and_receipt_records(customer):
    """Art. 33(5): the Art. 29 and Art. 30 records (and the identity kept with them)."""
    request = DisclosureRequestFactory(
        customer=customer, request_type=RequestType.RECORD_DISCLOSURE
    )

    compilation = selectors.disclosure_compilation(request=request)

    assert [s["key"] for s in compilation["sections"]] == [
        "provision_records",
        "receipt_records",
        "retained_identity",
    ]


def test_compilation_query_count_does_not_grow_with_history(
    customer, django_assert_max_num_queries
):
    request = DisclosureRequestFactory(customer=customer)
    for _ in range(5):
        RequestCommentFactory(request=request)
        CorrectionItemFactory(request=DisclosureRequestFactory(customer=customer))

    # One query per section, plus one for the references the steps are grouped by.
    with django_assert_max_num_queries(17):
        selectors.disclosure_compilation(request=request)


def test_electronic_copy_csv_has_bom_and_neutralises_formulas(customer):
    request = DisclosureRequestFactory(customer=customer)
    RequestCommentFactory(request=request, body='=HYPERLINK("http://evil")')

    data = selectors.disclosure_electronic_copy(request=request, fmt="csv")

    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert '=HYPERLINK("http://evil")' not in cells


def test_electronic_copy_json_keeps_japanese_text_readable(customer):
    request = DisclosureRequestFactory(customer=customer)

    data = selectors.disclosure_electronic_copy(request=request, fmt="json")

    payload = json.loads(data)
    assert payload["reference"] == request.reference
    assert "東京都千代田区丸の内1-1-1".encode() in data
    profile = next(s for s in payload["sections"] if s["key"] == "profile")
    assert profile["records"]


def test_electronic_copy_refuses_an_unknown_format(customer):
    request = DisclosureRequestFactory(customer=customer)

    with pytest.raises(ValueError, match="xml"):
        selectors.disclosure_electronic_copy(request=request, fmt="xml")


def test_provision_records_past_retention_are_not_compiled(customer):
    from consent_app.models import (
        ProvisionBatch,
        ProvisionRecord,
        PurposeOfUse,
        Recipient,
    )

    recipient = Recipient.objects.create(name="販売会社A", category="dealer")
    purpose = PurposeOfUse.objects.get(code="third_party_provision")
    batch = ProvisionBatch.objects.create(
        recipient=recipient, purpose=purpose, provided_on=timezone.localdate(), basis="consent"
    )
    today = timezone.localdate()
    for retain_until in (today - timedelta(days=1), today + timedelta(days=30)):
        ProvisionRecord.objects.create(
            batch=batch,
            recipient=recipient,
            customer=customer,
            provided_on=today - timedelta(days=400),
            basis="consent",
            retain_until=retain_until,
        )
    request = DisclosureRequestFactory(
        customer=customer, request_type=RequestType.RECORD_DISCLOSURE
    )

    section = _section(selectors.disclosure_compilation(request=request), "provision_records")

    assert len(section["rows"]) == 1
