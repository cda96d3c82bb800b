"""A file larger than one chunk imports as one (issue 19): the import reads, checks and stages
CUSTOMER_IMPORT_CHUNK_ROWS rows at a time, and still writes all rows or none."""

from __future__ import annotations

import pytest

from consent_app import importing, services
from consent_app.models import Customer, DataReceipt
from tests.consent_app.test_importing import csv_bytes, row
from tests.consent_app.test_lawful_provision import receipt_details
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CHUNK = 7


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.CUSTOMER_IMPORT_CHUNK_ROWS = CHUNK


def rows(n: int, start: int = 0, **overrides) -> list[dict]:
    return [row(f"K{i:04d}", email=f"k{i}@example.jp", **overrides) for i in range(start, n)]


def run(data, **kwargs):
    kwargs.setdefault("collected_by_us", True)
    return importing.customer_import(data=data, by=kwargs.pop("by", None), **kwargs)


def test_a_file_of_several_chunks_creates_updates_and_records_every_row_once(staff):
    known = CustomerFactory(number="K0003", address="旧住所")
    same = rows(6)[5]
    run(csv_bytes([same]))  # K0005 exists already, exactly as the file has it
    progress: list[int] = []

    result = run(
        csv_bytes(rows(23)),
        by=staff,
        collected_by_us=False,
        received_from=receipt_details(),
        on_progress=progress.append,
    )

    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (23, 21, 1, 1)
    assert Customer.objects.filter(number__startswith="K").count() == 23
    known.refresh_from_db()
    assert known.address == "千代田区丸の内1-1-1"
    assert list(known.history.values_list("history_type", flat=True)) == ["~", "+"]
    assert Customer.history.filter(history_user=staff, history_type="+").count() == 21
    # The receipt names every person of every chunk, the unchanged one too.
    receipt = DataReceipt.objects.get(pk=result.receipt_id)
    assert receipt.person_count == 23 and receipt.persons.count() == 23
    # Progress after each chunk, then the whole file.
    assert progress[:3] == [7, 14, 21] and progress[-1] == 23
    # New customers' ids come from the sequence: the next one gets a fresh id.
    highest = max(Customer.objects.values_list("pk", flat=True))
    assert CustomerFactory().pk > highest


def test_a_bad_row_in_the_last_chunk_writes_nothing_of_the_chunks_before_it():
    data = csv_bytes([*rows(19), row("K0019", email="not-an-email"), *rows(22, start=20)])

    result = run(data, collected_by_us=False, received_from=receipt_details())

    assert [(e.line, e.column) for e in result.errors] == [(21, "email")]
    assert (result.created, result.updated) == (0, 0)
    assert not Customer.objects.exists()
    assert not Customer.history.exists()
    assert not DataReceipt.objects.exists()


def test_a_number_given_again_in_a_later_chunk_names_the_line_of_the_earlier_chunk():
    result = run(csv_bytes([*rows(12), row("k0002")]))

    assert [str(e) for e in result.errors] == [
        f"{importing._('line %(line)s') % {'line': 14}} [number]: "
        + str(importing.IMPORT_DUPLICATE_NUMBER) % {"number": "K0002", "line": 4}
    ]
    assert not Customer.objects.exists()


def test_an_erased_customer_in_a_later_chunk_stops_the_whole_import(staff):
    erased = CustomerFactory(number="K0010")
    services.customer_erase(customer=erased, by=staff, request_reference="PR-2026-000041")

    result = run(csv_bytes(rows(15)))

    assert [(e.line, e.message) for e in result.errors] == [
        (12, str(importing.IMPORT_ERASED) % {"number": "K0010"})
    ]
    assert Customer.objects.filter(erased_at__isnull=True).count() == 0


def test_a_dry_run_of_several_chunks_counts_every_row_and_writes_nothing():
    CustomerFactory(number="K0001")

    result = run(csv_bytes(rows(20)), dry_run=True)

    assert result.ok and (result.rows, result.created, result.updated) == (20, 19, 1)
    assert Customer.objects.count() == 1


def test_a_file_with_more_problems_than_are_kept_counts_them_all(monkeypatch):
    monkeypatch.setattr(importing, "MAX_KEPT_ERRORS", 5)

    result = run(csv_bytes(rows(18, phone="123")))

    assert result.error_count == 18 and not result.ok
    assert [e.line for e in result.errors] == [2, 3, 4, 5, 6]
    assert not Customer.objects.exists()


def test_a_stream_from_storage_is_read_as_bytes_are(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes(csv_bytes(rows(16, family_name="髙橋"), encoding="cp932"))

    with path.open("rb") as stream:
        result = importing.customer_import(file=stream, by=None, collected_by_us=True)
        assert not stream.closed  # the caller's file stays the caller's

    assert result.ok and result.encoding == "cp932" and result.created == 16
    assert set(Customer.objects.values_list("family_name", flat=True)) == {"髙橋"}
