"""Issue 16: the Art. 30 receipt records as a CSV report beside the provision records."""

import csv
import io
from datetime import date

import pytest

from consent_app import receipts
from consent_app.models import AcquisitionMethod
from privacyoffice.reports.definitions import REPORTS
from privacyoffice.reports.stream import CsvExport
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def receipt(numbers, received_on, **extra):
    values = {
        "provider_name": "=東京販売株式会社",  # a formula-like value: neutralised in the CSV
        "provider_address": "東京都港区芝1-1-1",
        "provider_representative": "代表取締役 鈴木一郎",
        "acquisition": AcquisitionMethod.CONSENT,
        "data_items": ["name", "address"],
        "received_on": received_on,
    }
    values.update(extra)
    return receipts.receipt_record(
        details=receipts.ReceiptDetails(**values), numbers=numbers, by=None
    )


@pytest.mark.parametrize("use_copy", [None, False])
def test_receipt_records_report_one_row_per_person_with_the_art30_items(use_copy):
    first, second = CustomerFactory(number="C0000001"), CustomerFactory(number="C0000002")
    made = receipt([first.number, second.number], date(2026, 6, 1))
    receipt([first.number], date(2026, 8, 1))  # outside the range
    data = b"".join(
        CsvExport(
            REPORTS["receipt-records"],
            date_from=date(2026, 6, 1),
            date_to=date(2026, 6, 30),
            use_copy=use_copy,
        )
    )
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [r["customer_number"] for r in rows] == ["C0000001", "C0000002"]
    row = rows[0]
    assert row["receipt_id"] == str(made.pk)
    assert row["received_on"] == "2026-06-01"
    assert row["provider_name"] == "'=東京販売株式会社"
    assert (row["provider_address"], row["provider_representative"]) == (
        "東京都港区芝1-1-1",
        "代表取締役 鈴木一郎",
    )
    assert (row["acquisition"], row["data_items"], row["special_care"]) == (
        "consent",
        "name;address",
        "0",
    )
    assert row["retain_until"] == "2029-06-01"


def test_the_receipt_report_reads_back_in_cp932_for_japanese_excel():
    receipt([CustomerFactory(number="C0000009").number], date(2026, 6, 1))
    data = b"".join(
        CsvExport(REPORTS["receipt-records"], date_from=None, date_to=None, encoding="cp932")
    )
    rows = list(csv.DictReader(io.StringIO(data.decode("cp932"), newline="")))
    assert [r["provider_representative"] for r in rows] == ["代表取締役 鈴木一郎"]
