"""The chain's tail remembered per transaction (privacyoffice/ledgers/sql.py, _READ_TAIL).

A bulk append remembers the tail it wrote so that each next row finds it with a point lookup
(a rolled-back bulk insert otherwise leaves one dead index entry per row that every later append
walks). What it remembers must never put a row in the wrong place: a savepoint rolled back takes
the remembered tail back with it, a seal forgets it, and a value set by hand either falls back
to reading the tail or fails its own insert.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consent_app.models import ConsentEvent
from privacyoffice.ledgers import ledger_for_table
from privacyoffice.ledgers.verify import ledger_verify
from tests.factories import PoConsentEventFactory, PoCustomerFactory, PoPurposeFactory

pytestmark = [pytest.mark.security, pytest.mark.postgres]
EVENTS = "consent_app_consentevent"
TAIL_SETTING = f"privacyoffice_ledger_tail.{EVENTS}"


def _events(n: int) -> list[ConsentEvent]:
    customer, purpose = PoCustomerFactory(), PoPurposeFactory()
    return ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=customer,
            purpose=purpose,
            channel="email",
            new_state="granted",
            occurred_at=timezone.now(),
            actor="customer",
            source="import",
        )
        for _ in range(n)
    )


def _places() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ledger_seq FROM {EVENTS} ORDER BY ledger_seq")
        return [row[0] for row in cursor.fetchall()]


def _problems() -> list[str]:
    return ledger_verify(ledger=ledger_for_table(EVENTS)).problems


def test_a_bulk_append_rolled_back_to_a_savepoint_leaves_no_hole_for_the_next_one(db):
    _events(5)
    with pytest.raises(RuntimeError), transaction.atomic():
        _events(40)
        raise RuntimeError("the batch fails after its insert")
    _events(30)
    assert _places() == list(range(1, 36))
    assert _problems() == []


def test_a_tail_set_by_hand_never_misplaces_a_row(db):
    # GIVEN a chain of 3 WHEN a caller sets the remembered tail by hand before each append THEN
    # a tail that names no row falls back to reading the real one; one that names an older row
    # makes that insert fail (its position is taken), and leaves the chain whole.
    PoConsentEventFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ledger_hash FROM {EVENTS} WHERE ledger_seq = 1")
        first_hash = cursor.fetchone()[0]
        for forged in ("1:" + "0" * 64, "not a tail", "99:" + "a" * 64):
            cursor.execute("SELECT set_config(%s, %s, true)", [TAIL_SETTING, forged])
            PoConsentEventFactory()
        cursor.execute("SELECT set_config(%s, %s, true)", [TAIL_SETTING, f"1:{first_hash}"])
        with pytest.raises(IntegrityError), transaction.atomic():
            PoConsentEventFactory()
    assert _places() == list(range(1, 7))
    assert _problems() == []


def test_the_tail_remembered_by_an_append_is_the_row_it_wrote(db):
    events = _events(3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [TAIL_SETTING])
        remembered = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT ledger_seq, ledger_hash FROM {EVENTS} WHERE id = %s", [events[-1].pk]
        )
        seq, digest = cursor.fetchone()
    assert remembered == f"{seq}:{digest}"
