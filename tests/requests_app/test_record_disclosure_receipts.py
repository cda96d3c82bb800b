"""Issue 16: a record disclosure (Art. 33(5)) includes the Art. 30 receipt records, and after an
erasure the identity kept with the retained records (Rule 20)."""

import pytest

from consent_app import receipts, services
from consent_app.models import AcquisitionMethod
from requests_app import selectors
from requests_app.models import RequestType
from tests.factories import CustomerFactory, DisclosureRequestFactory

pytestmark = pytest.mark.django_db


def test_a_record_disclosure_shows_the_receipt_and_after_erasure_who_it_is_about(staff):
    customer = CustomerFactory(family_name="田中", given_name="次郎")
    receipts.receipt_record(
        details=receipts.ReceiptDetails(
            provider_name="東京販売株式会社",
            provider_address="東京都港区芝1-1-1",
            provider_representative="代表取締役 鈴木一郎",
            acquisition=AcquisitionMethod.CONSENT,
            data_items=["name", "address"],
        ),
        numbers=[customer.number],
        by=None,
    )
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000009")
    request = DisclosureRequestFactory(
        customer=customer, request_type=RequestType.RECORD_DISCLOSURE
    )
    sections = {s["key"]: s for s in selectors.disclosure_compilation(request=request)["sections"]}
    receipt_rows = " ".join(
        str(cell) for row in sections["receipt_records"]["rows"] for cell in row
    )
    assert "東京販売株式会社" in receipt_rows and "代表取締役 鈴木一郎" in receipt_rows
    identity = " ".join(str(c) for row in sections["retained_identity"]["rows"] for c in row)
    assert "田中" in identity and "次郎" in identity
