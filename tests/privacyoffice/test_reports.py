"""CSV reports: every report parsed back with the csv module, encodings, formula injection,
date filters, and memory that stays flat."""

import csv
import io
import tracemalloc
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from privacyoffice.reports.definitions import REPORTS
from privacyoffice.reports.stream import CsvExport
from tests.factories import (
    DisclosureRequestFactory,
    PoConsentEventFactory,
    PoCustomerFactory,
    PoDocumentViewingFactory,
    PoLetterFactory,
    PoProvisionRecordFactory,
    PoPurposeFactory,
    PoStateLogFactory,
    PoUserFactory,
)

TOKYO = ZoneInfo("Asia/Tokyo")
PATHS = ["auto", "orm"]  # on PostgreSQL "auto" is COPY; on SQLite both are the ORM path


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def export(slug, *, path="auto", date_from=None, date_to=None, **options) -> CsvExport:
    return CsvExport(
        REPORTS[slug],
        date_from=date_from,
        date_to=date_to,
        use_copy=False if path == "orm" else None,
        **options,
    )


def rows_of(slug, *, encoding="utf-8", **kwargs) -> list[dict[str, str]]:
    data = b"".join(export(slug, encoding=encoding, **kwargs))
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


# --- each report, parsed back ------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_request_register_has_one_row_per_request_with_dates_deadline_and_outcome(path):
    customer = PoCustomerFactory(number="C00000042")
    approver = PoUserFactory(username="maria")
    DisclosureRequestFactory(
        reference="PR-2026-000001",
        request_type="disclosure",
        state="closed",
        customer=customer,
        received_at=tokyo(2026, 3, 2, 9, 30),
        documents_received_on=date(2026, 3, 5),
        due_date=date(2026, 3, 19),
        responded_at=tokyo(2026, 3, 18, 23, 30),  # 14:30 UTC: still the 18th in Tokyo
        closed_at=tokyo(2026, 3, 20, 10, 0),
        outcome="fulfilled",
        approved_by=approver,
        fee_amount=1000,
    )

    [row] = rows_of("request-register", path=path)

    assert row["reference"] == "PR-2026-000001"
    assert row["request_type"] == "disclosure"
    assert row["state"] == "closed"
    assert row["customer_number"] == "C00000042"
    assert row["received_at"] == "2026-03-02 09:30:00"
    assert row["documents_received_on"] == "2026-03-05"
    assert row["due_date"] == "2026-03-19"
    assert row["responded_at"] == "2026-03-18 23:30:00"
    assert row["on_time"] == "1"
    assert row["days_to_respond"] == "13"
    assert row["outcome"] == "fulfilled"
    assert row["approved_by"] == "maria"
    assert row["fee_amount"] == "1000"
    assert row["form_sent_at"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_request_answered_after_its_due_date_is_flagged_late(path):
    DisclosureRequestFactory(
        state="responded",
        received_at=tokyo(2026, 3, 1, 9),
        documents_received_on=date(2026, 3, 2),
        due_date=date(2026, 3, 16),
        responded_at=tokyo(2026, 3, 17, 0, 5),
    )
    [row] = rows_of("request-register", path=path)
    assert (row["on_time"], row["days_to_respond"]) == ("0", "15")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_open_request_past_its_due_date_is_flagged_late_and_one_not_yet_due_is_blank(path):
    today = date.today()
    DisclosureRequestFactory(
        reference="PR-LATE", state="verified", due_date=today - timedelta(days=1)
    )
    DisclosureRequestFactory(
        reference="PR-NOT-DUE", state="verified", due_date=today + timedelta(days=5)
    )
    flags = {r["reference"]: r["on_time"] for r in rows_of("request-register", path=path)}
    assert flags == {"PR-LATE": "0", "PR-NOT-DUE": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_transition_log_names_the_request_the_user_and_the_comment(path):
    request = DisclosureRequestFactory(reference="PR-2026-000777")
    PoStateLogFactory(
        content_object=request,
        by=PoUserFactory(username="alice"),
        source_state="inquiry",
        state="form_sent",
        transition="send_form",
        description="書類を郵送",
        timestamp=tokyo(2026, 4, 1, 15, 0),
    )
    [row] = rows_of("transition-log", path=path)
    assert row["request_reference"] == "PR-2026-000777"
    assert (row["transition"], row["source_state"], row["state"]) == (
        "send_form",
        "inquiry",
        "form_sent",
    )
    assert (row["by"], row["description"], row["timestamp"]) == (
        "alice",
        "書類を郵送",
        "2026-04-01 15:00:00",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_consent_ledger_has_every_event_with_customer_purpose_and_source(path):
    purpose = PoPurposeFactory(code="po-marketing")
    event = PoConsentEventFactory(
        customer=PoCustomerFactory(number="C00000100"),
        purpose=purpose,
        channel="post",
        old_state="granted",
        new_state="withdrawn",
        occurred_at=tokyo(2026, 5, 1, 8, 0),
        actor="staff",
        recorded_by=PoUserFactory(username="bob"),
        source="request",
        request_reference="PR-2026-000123",
        note='電話で"停止"の依頼, 確認済み\n二行目',
    )
    [row] = rows_of("consent-ledger", path=path)
    assert row["event_id"] == str(event.pk)
    assert row["occurred_at"] == "2026-05-01 08:00:00"
    assert (row["customer_number"], row["purpose_code"], row["channel"]) == (
        "C00000100",
        "po-marketing",
        "post",
    )
    assert (row["old_state"], row["new_state"], row["actor"], row["source"]) == (
        "granted",
        "withdrawn",
        "staff",
        "request",
    )
    assert (row["recorded_by"], row["request_reference"]) == ("bob", "PR-2026-000123")
    assert row["note"] == '電話で"停止"の依頼, 確認済み\n二行目'
    assert row["notice_version"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_provision_records_carry_the_art_29_record_fields(path):
    record = PoProvisionRecordFactory(
        customer=PoCustomerFactory(number="C00000200"),
        batch__recipient__name="販売会社A",
        batch__recipient__country="JP",
        batch__purpose=PoPurposeFactory(code="po-provision"),
        batch__provided_on=date(2026, 6, 1),
        batch__data_items=["name", "address", "phone"],
    )
    [row] = rows_of("provision-records", path=path)
    assert row["record_id"] == str(record.pk)
    assert row["provided_on"] == "2026-06-01"
    assert (row["recipient_name"], row["recipient_country"]) == ("販売会社A", "JP")
    assert row["customer_number"] == "C00000200"
    assert row["data_items"] == "name;address;phone"
    assert (row["basis"], row["purpose_code"]) == ("consent", "po-provision")
    assert row["retain_until"] == "2029-06-01"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_letters_report_lists_each_letter_with_its_request_and_status(path):
    letter = PoLetterFactory(
        request=DisclosureRequestFactory(reference="PR-2026-000555", request_type="correction"),
        kind="response",
        status="sent",
        sent_via="post",
        tracking_number="=HYPERLINK(1)",
        page_count=2,
    )
    [row] = rows_of("letters", path=path)
    assert row["letter_id"] == str(letter.pk)
    assert (row["request_reference"], row["request_type"]) == ("PR-2026-000555", "correction")
    assert (row["kind"], row["status"], row["sent_via"], row["page_count"]) == (
        "response",
        "sent",
        "post",
        "2",
    )
    assert row["tracking_number"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_document_viewings_report_names_viewer_document_and_request(path):
    viewing = PoDocumentViewingFactory(
        viewed_by=PoUserFactory(username="maria"),
        document__request__reference="PR-2026-000999",
        document__document_type="passport",
        document__for_agent=True,
    )
    [row] = rows_of("document-viewings", path=path)
    assert (row["viewing_id"], row["document_id"]) == (
        str(viewing.pk),
        str(viewing.document_id),
    )
    assert (row["viewed_by"], row["document_type"], row["for_agent"]) == (
        "maria",
        "passport",
        "1",
    )
    assert row["request_reference"] == "PR-2026-000999"
    assert row["file_purged_at"] == ""


# The stable column names as auditors' tools read them, written out by hand: a column may only
# ever be appended. A rename, a removal or a reordering in definitions.py fails here.
STABLE_COLUMNS = {
    "request-register": [
        "reference",
        "request_type",
        "channel",
        "state",
        "agent_type",
        "customer_number",
        "received_at",
        "form_sent_at",
        "documents_received_on",
        "due_date",
        "responded_at",
        "closed_at",
        "on_time",
        "days_to_respond",
        "outcome",
        "refusal_ground",
        "disclosure_method_requested",
        "disclosure_method_used",
        "fee_amount",
        "fee_received_on",
        "assignee",
        "drafted_by",
        "approved_by",
    ],
    "transition-log": [
        "log_id",
        "timestamp",
        "request_reference",
        "transition",
        "source_state",
        "state",
        "by",
        "description",
        "row_hash",
    ],
    "consent-ledger": [
        "event_id",
        "occurred_at",
        "recorded_at",
        "customer_number",
        "purpose_code",
        "channel",
        "old_state",
        "new_state",
        "actor",
        "recorded_by",
        "source",
        "request_reference",
        "notice_version",
        "note",
        "row_hash",
    ],
    "provision-records": [
        "record_id",
        "provided_on",
        "batch_id",
        "recipient_id",
        "recipient_name",
        "recipient_category",
        "recipient_country",
        "customer_number",
        "purpose_code",
        "data_items",
        "basis",
        "retain_until",
        "record_method",
        "row_hash",
    ],
    "receipt-records": [
        "entry_id",
        "receipt_id",
        "received_on",
        "provider_name",
        "provider_address",
        "provider_representative",
        "acquisition",
        "acquisition_detail",
        "customer_number",
        "data_items",
        "special_care",
        "retain_until",
    ],
    "letters": [
        "letter_id",
        "request_reference",
        "request_type",
        "kind",
        "language",
        "template_version",
        "status",
        "created_at",
        "generated_at",
        "sent_at",
        "sent_via",
        "tracking_number",
        "sent_by",
        "page_count",
        "size",
        "sha256",
    ],
    "document-viewings": [
        "viewing_id",
        "viewed_at",
        "viewed_by",
        "document_id",
        "document_type",
        "for_agent",
        "request_reference",
        "file_purged_at",
        "row_hash",
    ],
    "suppressions": [
        "suppression_id",
        "recorded_at",
        "customer_number",
        "all_recipients",
        "recipient_id",
        "recipient_name",
        "request_reference",
        "recorded_by",
        "lifted_at",
        "lifted_by",
        "note",
    ],
    "incident-affected": [
        "affected_id",
        "incident_reference",
        "customer_number",
        "category",
        "source",
        "added_at",
        "frozen_at",
    ],
}


def test_every_listed_report_has_its_frozen_columns():
    assert set(STABLE_COLUMNS) == {slug for slug, report in REPORTS.items() if report.listed}


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(STABLE_COLUMNS))
def test_every_report_header_starts_with_its_frozen_columns(slug):
    data = b"".join(export(slug))
    header = next(csv.reader(io.StringIO(data.decode())))
    frozen = STABLE_COLUMNS[slug]
    assert header[: len(frozen)] == frozen
    assert len(header) == len(set(header))  # an appended column takes a new name


# --- date range ---------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_date_range_includes_both_end_days_in_tokyo_time(path):
    for n, moment in enumerate(
        [
            tokyo(2026, 3, 31, 23, 59),  # before
            tokyo(2026, 4, 1, 0, 0),  # first day, first minute
            tokyo(2026, 4, 30, 23, 59),  # last day, last minute
            tokyo(2026, 5, 1, 0, 0),  # after
        ]
    ):
        PoConsentEventFactory(occurred_at=moment, note=f"event {n}")
    rows = rows_of(
        "consent-ledger", path=path, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)
    )
    assert [r["note"] for r in rows] == ["event 1", "event 2"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_date_range_on_a_date_field_is_inclusive(path):
    for day in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1)):
        PoProvisionRecordFactory(batch__provided_on=day)
    rows = rows_of(
        "provision-records", path=path, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)
    )
    assert [r["provided_on"] for r in rows] == ["2026-02-01", "2026-02-28"]


# --- formula injection --------------------------------------------------------------------------
INJECTIONS = [
    "=1+1",
    "+81 3 1234",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    '=HYPERLINK("http://x","y")',
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("payload", INJECTIONS, ids=repr)
def test_cells_that_a_spreadsheet_would_run_are_prefixed_with_an_apostrophe(path, payload):
    PoConsentEventFactory(
        customer=PoCustomerFactory(number=payload[:20]),
        note=payload,
        request_reference=payload[:20],
    )
    [row] = rows_of("consent-ledger", path=path)
    assert row["note"] == "'" + payload
    assert row["customer_number"] == "'" + payload[:20]
    assert row["request_reference"] == "'" + payload[:20]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_harmless_text_and_a_formula_character_inside_a_cell_are_left_alone(path):
    PoConsentEventFactory(note="a=b, 1+1 @home -ok")
    [row] = rows_of("consent-ledger", path=path)
    assert row["note"] == "a=b, 1+1 @home -ok"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_username_starting_with_a_plus_is_neutralised(path):
    PoConsentEventFactory(recorded_by=PoUserFactory(username="+calc"))
    [row] = rows_of("consent-ledger", path=path)
    assert row["recorded_by"] == "'+calc"


# --- encodings and headers ----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_utf8_with_bom_starts_with_the_byte_order_mark_once(path):
    PoConsentEventFactory(note="山田")
    data = b"".join(export("consent-ledger", path=path, encoding="utf-8-sig"))
    assert data.startswith(b"\xef\xbb\xbfevent_id,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert "山田" in data.decode("utf-8-sig")


@pytest.mark.django_db
def test_plain_utf8_has_no_byte_order_mark():
    data = b"".join(export("consent-ledger"))
    assert data.startswith(b"event_id,")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_cp932_export_reads_back_in_shift_jis_as_japanese_excel_does(path):
    PoConsentEventFactory(note="髙橋 﨑 ① 〜 ー")
    [row] = rows_of("consent-ledger", path=path, encoding="cp932")
    # The WAVE DASH (U+301C) becomes the CP932 full-width tilde: the text reads the same.
    assert row["note"] == "髙橋 﨑 ① ～ ー"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_cp932_writes_characters_it_cannot_hold_as_numeric_references_and_counts_them(path):
    PoConsentEventFactory(note="𠮷野家 🚗")
    stream = export("consent-ledger", path=path, encoding="cp932")
    data = b"".join(stream)
    [row] = list(csv.DictReader(io.StringIO(data.decode("cp932"), newline="")))
    assert row["note"] == "&#x20BB7;野家 &#x1F697;"
    assert stream.replaced == 2


@pytest.mark.django_db
def test_japanese_header_row_replaces_the_stable_names():
    data = b"".join(export("request-register", japanese_header=True, encoding="cp932"))
    header = next(csv.reader(io.StringIO(data.decode("cp932"))))
    assert header[:3] == ["受付番号", "請求種別", "受付経路"]
    assert len(header) == len(REPORTS["request-register"].columns)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_row_count_is_known_after_the_last_byte(path):
    PoConsentEventFactory.create_batch(3)
    stream = export("consent-ledger", path=path)
    assert stream.row_count is None
    b"".join(stream)
    assert stream.row_count == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_export_is_a_copy_statement_with_the_escaping_in_sql():
    statement, _params = export("consent-ledger").copy_sql()
    assert statement.startswith("COPY (SELECT")
    assert statement.endswith("TO STDOUT WITH (FORMAT csv)")
    assert "THEN '''' ||" in statement


# --- memory -------------------------------------------------------------------------------------
def _bulk_events(count: int) -> None:
    from consent_app.models import ConsentEvent

    customer = PoCustomerFactory()
    purpose = PoPurposeFactory()
    now = datetime(2026, 1, 1, tzinfo=TOKYO)
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                customer=customer,
                purpose=purpose,
                channel="email",
                new_state="granted",
                occurred_at=now + timedelta(seconds=i),
                actor="customer",
                source="web",
                note=f"note number {i} with some text to make the row longer",
            )
            for i in range(count)
        ],
        batch_size=5000,
    )


def _peak_while_streaming(path: str) -> tuple[int, int]:
    """(peak traced bytes, bytes streamed) for one full export, discarding each chunk."""
    connection.queries_log.clear()
    tracemalloc.start()
    try:
        size = 0
        for chunk in export("consent-ledger", path=path):
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_memory_stays_flat_when_the_export_grows_tenfold(path):
    _bulk_events(3_000)
    small_peak, small_size = _peak_while_streaming(path)
    _bulk_events(27_000)
    large_peak, large_size = _peak_while_streaming(path)

    assert large_size > 9 * small_size
    # Ten times the rows, (almost) the same memory: a fixed buffer, never the whole file.
    assert large_peak < small_peak * 1.5 + 512 * 1024
    assert large_peak < 16 * 1024 * 1024
