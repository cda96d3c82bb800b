"""Issue 20: the Art. 30 receipt records and the equivalent-measures checks (issue 16) are
hash-chained ledgers like the others: purged only by their rule with the runs recorded, a DBA's
edit found by verify_ledgers, each exported row carrying its hash.

The attacks as the application role (TRUNCATE, UPDATE, DELETE, disabling triggers) run over
every ledger in tests/privacyoffice/test_ledgers_attacks.py, these three included.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from consent_app import receipts
from consent_app.models import (
    AcquisitionMethod,
    DataReceipt,
    DataReceiptPerson,
    EquivalentMeasuresCheck,
)
from privacyoffice.ledger_models import RetentionPurge
from privacyoffice.ledgers import LEDGERS, ledger_for_table
from privacyoffice.ledgers.services import ledger_digest_record
from privacyoffice.ledgers.sql import RECEIPT_PURGE_RULE, install
from privacyoffice.ledgers.verify import digests_verify, ledger_verify
from privacyoffice.reports.definitions import REPORTS
from privacyoffice.reports.stream import CsvExport
from tests.factories import PoCustomerFactory, PoRecipientFactory

pytestmark = [pytest.mark.security, pytest.mark.postgres]

RECEIPTS = "consent_app_datareceipt"
PERSONS = "consent_app_datareceiptperson"
CHECKS = "consent_app_equivalentmeasurescheck"


def chain(table: str) -> list[tuple[int, int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, ledger_seq, ledger_hash FROM {table} ORDER BY ledger_seq")
        return cursor.fetchall()


def problems(table: str) -> list[str]:
    return ledger_verify(ledger=ledger_for_table(table)).problems


def as_dba(table: str, *statements: str) -> None:
    """A DBA holding the owner role: triggers off, rewrite, triggers on."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def old_receipt(customers, *, expired: bool) -> DataReceipt:
    """A receipt written as it was three years ago (expired) or last month, with its people."""
    today = timezone.localdate()
    received = today - timedelta(days=3 * 365 + 2 if expired else 30)
    until = today - timedelta(days=1) if expired else today + timedelta(days=900)
    receipt = DataReceipt.objects.create(
        provider_name="東京販売株式会社",
        provider_address="東京都港区芝1-1-1",
        provider_representative="代表取締役 鈴木一郎",
        acquisition=AcquisitionMethod.CONSENT,
        received_on=received,
        data_items=["name", "address"],
        person_count=len(customers),
        retain_until=until,
    )
    DataReceiptPerson.objects.bulk_create(
        DataReceiptPerson(receipt=receipt, customer=c, retain_until=until) for c in customers
    )
    return receipt


def test_the_three_tables_are_ledgers():
    tables = {ledger.table for ledger in LEDGERS}
    assert {RECEIPTS, PERSONS, CHECKS} <= tables


def test_receipts_and_their_people_are_chained_as_they_are_written(db):
    customers = PoCustomerFactory.create_batch(3)
    first = old_receipt(customers[:2], expired=False)
    second = old_receipt(customers[2:], expired=False)
    assert [(pk, seq) for pk, seq, _h in chain(RECEIPTS)] == [(first.pk, 1), (second.pk, 2)]
    assert [seq for _pk, seq, _h in chain(PERSONS)] == [1, 2, 3]
    assert problems(RECEIPTS) == [] and problems(PERSONS) == []


def test_the_purge_records_the_runs_it_removed_and_both_chains_still_verify(db):
    customers = PoCustomerFactory.create_batch(5)
    gone_first = old_receipt(customers[:2], expired=True)  # persons 1-2, receipt 1
    kept = old_receipt(customers[2:3], expired=False)  # person 3, receipt 2
    gone_last = old_receipt(customers[3:], expired=True)  # persons 4-5, receipt 3 (the newest)
    digest = ledger_digest_record()

    assert receipts.receipts_purge() == 6

    assert list(DataReceipt.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not DataReceipt.objects.filter(pk__in=[gone_first.pk, gone_last.pk]).exists()
    runs = {
        table: list(
            RetentionPurge.objects.filter(ledger=table)
            .order_by("first_seq")
            .values_list("first_seq", "last_seq", "row_count", "rule")
        )
        for table in (RECEIPTS, PERSONS)
    }
    assert runs[PERSONS] == [(1, 2, 2, RECEIPT_PURGE_RULE), (4, 5, 2, RECEIPT_PURGE_RULE)]
    assert runs[RECEIPTS] == [(1, 1, 1, RECEIPT_PURGE_RULE), (3, 3, 1, RECEIPT_PURGE_RULE)]
    assert problems(RECEIPTS) == [] and problems(PERSONS) == []
    assert problems("privacyoffice_retentionpurge") == []
    # The digest taken before the purge named the newest rows, purged since: still explained.
    assert digest.heads[PERSONS]["seq"] == 5
    assert digests_verify() == []
    # The next receipt continues the chain after the purged tail.
    newer = old_receipt(customers[:1], expired=False)
    assert chain(RECEIPTS)[-1][:2] == (newer.pk, 4)
    assert problems(RECEIPTS) == [] and problems(PERSONS) == []


def test_a_receipt_row_deleted_by_the_dba_is_a_gap_no_purge_explains(db):
    customers = PoCustomerFactory.create_batch(3)
    receipts_made = [old_receipt([c], expired=False) for c in customers]
    as_dba(PERSONS, f"DELETE FROM {PERSONS} WHERE receipt_id = {receipts_made[1].pk}")
    assert "chain positions 2–2 are missing" in problems(PERSONS)[0]


@pytest.mark.parametrize(
    ("table", "change"),
    [
        (RECEIPTS, "provider_name = '別の会社'"),
        (RECEIPTS, "data_items = '[\"name\"]'::jsonb"),
        (PERSONS, "retain_until = retain_until + 3650"),
        (CHECKS, "result = 'ok'"),
    ],
)
def test_a_row_altered_by_the_dba_is_named_by_verify(db, table, change):
    customers = PoCustomerFactory.create_batch(2)
    for customer in customers:
        old_receipt([customer], expired=False)
    recipient = PoRecipientFactory()
    for result in ("ok", "failed"):
        EquivalentMeasuresCheck.objects.create(
            recipient=recipient, checked_at=timezone.now(), result=result, findings="確認済み"
        )
    target, seq, _hash = chain(table)[1]
    assert problems(table) == []
    as_dba(table, f"UPDATE {table} SET {change} WHERE id = {target}")
    found = problems(table)
    assert len(found) == 1
    assert f"row id={target} (chain position {seq})" in found[0]


def test_rows_written_before_the_chain_existed_are_sealed_by_the_next_migrate(db):
    """Rows that predate issue 20 (no hash yet): `migrate` (its post_migrate install) seals them
    in id order after the current head, and the chain verifies."""
    customers = PoCustomerFactory.create_batch(2)
    old_receipt(customers[:1], expired=False)
    as_dba(
        RECEIPTS,
        f"INSERT INTO {RECEIPTS} (provider_name, provider_address, provider_representative,"
        " acquisition, acquisition_detail, includes_special_care, received_on, data_items,"
        " person_count, retain_until, note, created_at)"
        " VALUES ('古い提供元', '大阪府', '代表', 'consent', '', false, '2025-01-10',"
        " '[]'::jsonb, 0, '2028-01-10', '', now())",
    )
    assert "has no place in the chain" in problems(RECEIPTS)[0]
    install(connection)
    assert [seq for _pk, seq, _h in chain(RECEIPTS)] == [1, 2]
    assert problems(RECEIPTS) == []


@pytest.mark.parametrize("use_copy", [None, False])
def test_the_receipt_report_carries_each_entrys_hash_and_its_receipts(db, use_copy):
    customers = PoCustomerFactory.create_batch(2)
    receipt = receipts.receipt_record(
        details=receipts.ReceiptDetails(
            provider_name="東京販売株式会社",
            provider_address="東京都港区芝1-1-1",
            provider_representative="代表取締役 鈴木一郎",
            acquisition=AcquisitionMethod.CONSENT,
            data_items=["name"],
            received_on=date(2026, 6, 1),
        ),
        numbers=[c.number for c in customers],
        by=None,
    )
    data = b"".join(
        CsvExport(REPORTS["receipt-records"], date_from=None, date_to=None, use_copy=use_copy)
    )
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    entries = {pk: digest for pk, _seq, digest in chain(PERSONS)}
    receipt_hash = {pk: digest for pk, _seq, digest in chain(RECEIPTS)}[receipt.pk]
    assert {int(r["entry_id"]): r["row_hash"] for r in rows} == entries
    assert {r["receipt_row_hash"] for r in rows} == {receipt_hash}
    assert len(receipt_hash) == 64
