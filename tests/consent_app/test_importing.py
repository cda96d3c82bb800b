"""The CRM CSV import: every row checked first, then all rows or none, with per-line errors."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_app import importing, services
from consent_app.models import Customer
from tests.factories import CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "number",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "postal_code",
    "prefecture",
    "address",
    "phone",
    "email",
    "date_of_birth",
    "preferred_language",
]


def row(number="C1", **overrides):
    values = {
        "number": number,
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "やまだ",
        "given_name_kana": "ﾀﾛｳ",
        "postal_code": "1000005",
        "prefecture": "東京都",
        "address": "千代田区丸の内1-1-1",
        "phone": "03-1234-5678",
        "email": "taro@example.jp",
        "date_of_birth": "1980/04/01",
        "preferred_language": "ja",
    }
    values.update(overrides)
    return values


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def run(data, **kwargs):
    kwargs.setdefault("collected_by_us", True)
    return importing.customer_import(data=data, by=None, **kwargs)


def test_a_clean_file_creates_every_customer_with_normalised_values_and_history(staff):
    result = importing.customer_import(
        data=csv_bytes([row("C1"), row("C2", email="")]), by=staff, collected_by_us=True
    )
    assert result.ok and (result.created, result.updated) == (2, 0)
    taro = Customer.objects.get(number="C1")
    assert taro.family_name_kana == "ヤマダ" and taro.given_name_kana == "タロウ"
    assert taro.postal_code == "100-0005"
    assert taro.search_phone == "+81312345678"
    assert str(taro.date_of_birth) == "1980-04-01"
    entry = taro.history.get()
    assert (entry.history_user, entry.history_change_reason) == (staff, "CRM import")


def test_a_known_customer_number_updates_that_customer_with_a_history_entry(staff):
    existing = CustomerFactory(number="C1", address="旧住所")
    result = importing.customer_import(data=csv_bytes([row("C1")]), by=staff, collected_by_us=True)
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.address == "千代田区丸の内1-1-1"
    assert existing.history.count() == 2
    assert existing.history.first().history_type == "~"


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    data = csv_bytes([row("C1"), row("C2")])
    run(data)
    again = run(data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Customer.history.model.objects.count() == 2


def test_a_shift_jis_file_from_excel_is_read():
    result = run(csv_bytes([row("C1", family_name="髙橋", address="①番地")], encoding="cp932"))
    assert result.ok, result.errors
    assert result.encoding == "cp932"
    assert Customer.objects.get().family_name == "髙橋"


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    result = run(b"\xef\xbb\xbf" + csv_bytes([row("C1")]))
    assert result.ok and result.created == 1


def test_japanese_column_names_from_the_crm_are_understood():
    data = "顧客番号,姓,名,セイ,メイ\nC1,山田,太郎,やまだ,たろう\n".encode()
    assert run(data).created == 1


def test_one_bad_row_imports_nothing_and_reports_its_line_and_column():
    data = csv_bytes([row("C1"), row("C2", email="not-an-email"), row("C3")])
    result = run(data)
    assert not result.ok
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "email", str(importing.IMPORT_BAD_EMAIL))
    ]
    assert not Customer.objects.exists()


def test_every_bad_row_is_reported_not_only_the_first():
    data = csv_bytes(
        [
            row("C1", postal_code="12"),
            row("C2", family_name_kana="山田"),
            row("C3", date_of_birth="2999-01-01"),
            row("C4", prefecture="東京"),
            row("C5", phone="123"),
            row("C6", preferred_language="fr"),
            row("C*7"),
            row("", family_name=""),
        ]
    )
    result = run(data)
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "postal_code"),
        (3, "family_name_kana"),
        (4, "date_of_birth"),
        (5, "prefecture"),
        (6, "phone"),
        (7, "preferred_language"),
        (8, "number"),
        (9, "number"),
        (9, "family_name"),
    ]


def test_a_customer_number_given_twice_is_an_error_naming_the_first_line():
    result = run(csv_bytes([row("C1"), row("c1")]))
    assert [str(e) for e in result.errors] == [
        f"{importing._('line %(line)s') % {'line': 3}} [number]: "
        + str(importing.IMPORT_DUPLICATE_NUMBER) % {"number": "C1", "line": 2}
    ]
    assert not Customer.objects.exists()


def test_an_erased_customer_cannot_be_brought_back_by_an_import(staff):
    erased = CustomerFactory(number="C1")
    services.customer_erase(customer=erased, by=staff, request_reference="PR-2026-000040")
    result = run(csv_bytes([row("C1"), row("C2")]))
    assert [e.message for e in result.errors] == [str(importing.IMPORT_ERASED) % {"number": "C1"}]
    erased.refresh_from_db()
    assert erased.family_name == ""
    assert not Customer.objects.filter(number="C2").exists()


def test_missing_required_columns_are_named():
    data = csv_bytes([row("C1")], header=["number", "family_name"])
    result = run(data)
    assert [e.message for e in result.errors] == [
        str(importing.IMPORT_MISSING_COLUMNS) % {"columns": "given_name"}
    ]


def test_an_unknown_column_is_refused_rather_than_ignored():
    data = csv_bytes([row("C1")], header=[*HEADER, "favourite_colour"])
    assert [e.message for e in run(data).errors] == [
        str(importing.IMPORT_UNKNOWN_COLUMNS) % {"columns": "favourite_colour"}
    ]


def test_a_row_with_the_wrong_number_of_fields_is_reported():
    data = csv_bytes([row("C1")]) + b"C2,only,three\n"
    result = run(data)
    assert [(e.line, e.message) for e in result.errors] == [
        (3, str(importing.IMPORT_WRONG_FIELD_COUNT) % {"found": 3, "expected": 12})
    ]


def test_a_field_longer_than_its_column_is_reported_with_both_lengths():
    result = run(csv_bytes([row("C1", address="あ" * 301)]))
    assert [e.message for e in result.errors] == [
        str(importing.IMPORT_TOO_LONG) % {"column": "住所", "max": 300, "length": 301}
    ]


def test_a_ten_megabyte_field_is_a_clear_error_not_a_crash():
    result = run(csv_bytes([row("C1", address="x" * (10 * 1024 * 1024))]))
    assert len(result.errors) == 1
    assert str(importing.IMPORT_FIELD_TOO_LARGE) % {"limit": "131,072"} in result.errors[0].message
    assert not Customer.objects.exists()


def test_a_file_that_is_not_text_is_refused():
    result = run(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x81\x00binary")
    assert [e.message for e in result.errors] == [str(importing.IMPORT_ENCODING)]


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_an_empty_file_is_refused(data):
    assert [e.message for e in run(data).errors] == [str(importing.IMPORT_EMPTY)]


def test_a_header_without_rows_is_refused():
    assert [e.message for e in run(csv_bytes([])).errors] == [str(importing.IMPORT_NO_ROWS)]


def test_control_characters_in_a_field_are_refused():
    result = run(csv_bytes([row("C1", address="丸の内\x001-1")]))
    assert [e.column for e in result.errors] == ["address"]


def test_html_in_a_name_is_kept_as_text_and_never_interpreted():
    result = run(csv_bytes([row("C1", family_name="<script>alert(1)</script>")]))
    assert result.ok
    assert Customer.objects.get().family_name == "<script>alert(1)</script>"


def test_a_dealer_code_links_the_serving_dealer():
    dealer = RecipientFactory(code="D-TOKYO")
    data = csv_bytes([{**row("C1"), "dealer_code": "D-TOKYO"}], header=[*HEADER, "dealer_code"])
    assert run(data).ok
    assert Customer.objects.get().dealer == dealer


def test_an_unknown_dealer_code_is_reported():
    data = csv_bytes([{**row("C1"), "dealer_code": "NOPE"}], header=[*HEADER, "dealer_code"])
    assert [e.message for e in run(data).errors] == [
        str(importing.IMPORT_UNKNOWN_DEALER) % {"code": "NOPE"}
    ]


def test_a_dry_run_counts_but_writes_nothing():
    result = run(csv_bytes([row("C1"), row("C2")]), dry_run=True)
    assert result.ok and result.created == 2
    assert not Customer.objects.exists()


@pytest.mark.postgres
def test_a_large_import_goes_through_copy_with_one_history_row_per_customer(staff):
    rows = [row(f"B{i:06d}", email=f"b{i}@example.jp") for i in range(3000)]
    result = importing.customer_import(data=csv_bytes(rows), by=staff, collected_by_us=True)
    assert result.created == 3000
    assert Customer.objects.filter(number__startswith="B").count() == 3000
    assert Customer.history.filter(history_user=staff).count() == 3000
    # The sequence moved past the ids COPY used: the next customer gets a fresh id.
    assert CustomerFactory().pk > Customer.objects.filter(number="B002999").get().pk


# --- The management command --------------------------------------------------------------------
def test_the_command_imports_a_file_and_reports_the_counts(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes(csv_bytes([row("C1")], encoding="cp932"))
    out = StringIO()
    call_command("import_customers", str(path), "--source", "own", stdout=out)
    assert "1 rows (cp932)" in out.getvalue()
    assert Customer.objects.filter(number="C1").exists()


def test_the_command_lists_the_errors_and_fails_without_importing(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes(csv_bytes([row("C1", email="bad")]))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_customers", str(path), "--source", "own", stderr=err)
    assert "[email]" in err.getvalue()
    assert not Customer.objects.exists()


# --- Fuzz: whatever the bytes, a result with errors or customers, never an exception -----------
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.lists(st.text(max_size=30), min_size=1, max_size=14), min_size=1, max_size=6
        ).map(lambda rows: "\n".join(",".join(r) for r in [HEADER, *rows]).encode()),
    )
)
def test_any_input_gives_a_report_and_never_raises(data):
    from django.db import transaction

    with transaction.atomic():
        before = Customer.objects.count()
        result = importing.customer_import(data=data, by=None, collected_by_us=True)
        if not result.ok:
            assert Customer.objects.count() == before
        transaction.set_rollback(True)


def test_a_postal_code_with_the_postal_mark_is_normalised_before_its_length_is_checked():
    # GIVEN "〒100-0005" (nine characters; the stored form has eight) WHEN imported THEN the row
    # is accepted and the code stored as 100-0005: one such row no longer blocks the file.
    rows = [row("C1", postal_code="〒100-0005"), row("C2", postal_code="〒 1000005")]
    result = run(csv_bytes(rows))
    assert result.ok, [str(e) for e in result.errors]
    assert set(Customer.objects.values_list("postal_code", flat=True)) == {"100-0005"}


def test_a_question_mark_left_by_cp932_for_a_lost_character_refuses_the_row():
    # GIVEN a Shift_JIS file from Excel, which wrote "?" for 𠮷 WHEN imported THEN the row is
    # refused with the reason and how to fix it, and nothing is written.
    rows = [row("C1"), row("C2", family_name="?田", address="港区?1-1")]
    data = csv_bytes(rows, encoding="cp932")
    result = run(data)
    assert [(e.line, e.column) for e in result.errors] == [(3, "family_name"), (3, "address")]
    assert "CSV UTF-8" in result.errors[0].message
    assert not Customer.objects.exists()


def test_an_international_phone_number_is_stored_as_typed_and_searched_in_e164():
    result = run(csv_bytes([row("C1", phone="+81 90-1234-5678")]))
    assert result.ok, [str(e) for e in result.errors]
    customer = Customer.objects.get(number="C1")
    assert (customer.phone, customer.search_phone) == ("+81 90-1234-5678", "+819012345678")


# --- Numeric character references (issue 14) ---------------------------------------------------
def cp932_file_as_we_export(rows) -> bytes:
    """A CP932 file written the way our exports write one (common.csv_stream.TextEncoder)."""
    from common.csv_stream import TextEncoder

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for values in rows:
        writer.writerow([values.get(h, "") for h in HEADER])
    return TextEncoder("cp932").encode(out.getvalue())


def test_a_name_cp932_cannot_hold_is_read_back_from_its_reference_as_the_character():
    # GIVEN our own CP932 export of 𠮷田 and 髙橋 (𠮷 is not in CP932: written "&#x20BB7;")
    data = cp932_file_as_we_export([row("C1", family_name="𠮷田"), row("C2", family_name="髙橋")])
    assert b"&#x20BB7;" in data
    # WHEN imported THEN each name is the character again, not the reference
    result = run(data)
    assert result.ok and result.encoding == "cp932", result.errors
    assert Customer.objects.get(number="C1").family_name == "𠮷田"
    assert Customer.objects.get(number="C2").family_name == "髙橋"


def test_a_reference_typed_as_text_comes_back_as_the_same_text():
    # The export writes a typed "&#x20BB7;" as "&#x26;#x20BB7;": read back, it is text again.
    data = cp932_file_as_we_export([row("C1", address="港区&#x20BB7;1-1")])
    assert b"&#x26;#x20BB7;" in data
    assert run(data).ok
    assert Customer.objects.get().address == "港区&#x20BB7;1-1"


def test_a_reference_to_no_character_or_a_control_character_is_never_stored_as_one():
    data = csv_bytes(
        [row("C1", address="港区&#x110000;1-1"), row("C2", family_name="山&#x0;田")],
        encoding="cp932",
    )
    result = run(data)
    # &#x0; is a NUL: refused as a control character (PostgreSQL could not store it anyway).
    assert [(e.line, e.column) for e in result.errors] == [(3, "family_name")]
    assert not Customer.objects.exists()
    # Beyond Unicode: kept as written, the row is imported as text.
    assert run(csv_bytes([row("C1", address="港区&#x110000;1-1")], encoding="cp932")).ok
    assert Customer.objects.get().address == "港区&#x110000;1-1"


def test_a_utf8_file_is_taken_as_written():
    assert run(csv_bytes([row("C1", family_name="&#x9AD9;橋")])).ok
    assert Customer.objects.get().family_name == "&#x9AD9;橋"
