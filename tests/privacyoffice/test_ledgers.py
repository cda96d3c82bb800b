"""Issue 20: the hash chains — every append linked to the one before, verified, digested.

The DBA scenario: the owner role can switch triggers off and rewrite a row; verify_ledgers,
run as a command by the application role, names the row.
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from consent_app.models import ConsentEvent, ProvisionRecord
from privacyoffice.ledger_models import LedgerDigest, RetentionPurge
from privacyoffice.ledgers import ledger_for_table
from privacyoffice.ledgers.services import ledger_digest_record
from privacyoffice.ledgers.sql import content_sql
from privacyoffice.ledgers.verify import chain_step, ledger_verify, ledgers_verify
from tests.conftest import PROJECT_ROOT, database_url_for_subprocess, require_app_role
from tests.factories import (
    PoConsentEventFactory,
    PoCustomerFactory,
    PoProvisionBatchFactory,
    PoProvisionRecordFactory,
    PoPurposeFactory,
)

pytestmark = [pytest.mark.security, pytest.mark.postgres]
EVENTS = "consent_app_consentevent"


def chain_of(model) -> list[tuple[int, int, str]]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, ledger_seq, ledger_hash FROM {table} ORDER BY ledger_seq")
        return cursor.fetchall()


def as_dba(*statements: str) -> None:
    """What a DBA holding the owner role can do: switch the triggers off and rewrite."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The test's own deferred foreign-key checks first: ALTER TABLE refuses to run with any
        # pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {EVENTS} DISABLE TRIGGER USER")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(f"ALTER TABLE {EVENTS} ENABLE TRIGGER USER")


def forge_and_rehash(pk: int) -> tuple[str, str]:
    """The DBA rewrites the second row and gives it the hash its new content would have."""
    content = content_sql(ledger_for_table(EVENTS), "t")
    return (
        f"UPDATE {EVENTS} SET note = 'forged' WHERE id = {pk}",
        f"UPDATE {EVENTS} AS t SET ledger_hash = privacyoffice_chain_step("
        f"(SELECT ledger_hash FROM {EVENTS} WHERE ledger_seq = 1), {content}) WHERE id = {pk}",
    )


def verify_problems(table: str) -> list[str]:
    return ledger_verify(ledger=ledger_for_table(table)).problems


def test_each_appended_row_takes_the_next_place_and_links_to_the_previous_hash(db):
    events = PoConsentEventFactory.create_batch(3)
    chain = chain_of(ConsentEvent)
    assert [row[0] for row in chain] == [e.pk for e in events]
    assert [row[1] for row in chain] == [1, 2, 3]
    assert len({row[2] for row in chain}) == 3
    assert verify_problems(EVENTS) == []


def test_a_bulk_insert_is_chained_row_by_row(db):
    customer, purpose = PoCustomerFactory(), PoPurposeFactory()
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=customer,
            purpose=purpose,
            channel="email",
            new_state="granted",
            occurred_at=timezone.now(),
            actor="customer",
            source="import",
        )
        for _ in range(50)
    )
    assert [row[1] for row in chain_of(ConsentEvent)] == list(range(1, 51))
    assert verify_problems(EVENTS) == []


def test_a_row_changed_by_the_dba_is_named_by_verify(db):
    events = PoConsentEventFactory.create_batch(4)
    as_dba(f"UPDATE {EVENTS} SET new_state = 'withdrawn' WHERE id = {events[2].pk}")
    problems = verify_problems(EVENTS)
    assert len(problems) == 1
    assert f"row id={events[2].pk} (chain position 3)" in problems[0]


def test_a_row_changed_and_rehashed_breaks_the_next_link(db):
    events = PoConsentEventFactory.create_batch(4)
    as_dba(*forge_and_rehash(events[1].pk))
    assert f"row id={events[2].pk} (chain position 3)" in verify_problems(EVENTS)[0]


def test_a_row_deleted_by_the_dba_leaves_a_gap_no_purge_explains(db):
    events = PoConsentEventFactory.create_batch(3)
    as_dba(f"DELETE FROM {EVENTS} WHERE id = {events[1].pk}")
    problems = verify_problems(EVENTS)
    assert "chain positions 2–2 are missing" in problems[0]


def test_the_newest_rows_deleted_by_the_dba_are_found_through_the_head(db):
    events = PoConsentEventFactory.create_batch(3)
    as_dba(f"DELETE FROM {EVENTS} WHERE id = {events[2].pk}")
    assert "chain positions 3–3 (the newest rows) are missing" in verify_problems(EVENTS)[0]


def test_a_row_inserted_with_the_triggers_off_is_named(db):
    event = PoConsentEventFactory()
    as_dba(
        f"INSERT INTO {EVENTS} (customer_id, purpose_id, channel, old_state, new_state,"
        " occurred_at, recorded_at, actor, source, request_reference, note, evidence)"
        f" SELECT customer_id, purpose_id, channel, '', 'withdrawn', now(), now(), actor,"
        f" source, '', '', '' FROM {EVENTS} WHERE id = {event.pk}"
    )
    assert "has no place in the chain" in verify_problems(EVENTS)[0]


def test_a_later_digest_exposes_a_rewrite_that_recomputed_the_whole_tail(db):
    """Rewriting the newest row with a fresh hash (and the head) passes every local link;
    the digest taken before does not."""
    events = PoConsentEventFactory.create_batch(2)
    digest = ledger_digest_record()
    as_dba(
        *forge_and_rehash(events[1].pk),
        f"UPDATE privacyoffice_ledgerhead SET hash = (SELECT ledger_hash FROM {EVENTS}"
        f" WHERE id = {events[1].pk}) WHERE ledger = '{EVENTS}'",
    )
    assert verify_problems(EVENTS) == []  # every local link holds after the rewrite
    _checks, digest_problems = ledgers_verify()
    assert any(f"id={digest.pk}" in p and EVENTS in p for p in digest_problems)


def test_the_digest_records_every_chain_head(db):
    PoConsentEventFactory.create_batch(2)
    digest = ledger_digest_record()
    assert digest.heads[EVENTS]["seq"] == 2
    assert digest.heads[EVENTS]["hash"] == chain_of(ConsentEvent)[-1][2]
    assert LedgerDigest.objects.count() == 1


def test_the_digest_task_is_scheduled_daily(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="privacyoffice.record_ledger_digest")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("4", "0", True)


# --- the retention purge keeps the chain verifiable ----------------------------------------------
def _record(batch, *, years_ago: int) -> ProvisionRecord:
    provided = timezone.localdate().replace(year=timezone.localdate().year - years_ago)
    return PoProvisionRecordFactory(
        batch=batch, provided_on=provided, retain_until=provided.replace(year=provided.year + 3)
    )


def test_the_purge_records_each_run_it_removed_and_the_chain_still_verifies(db):
    batch = PoProvisionBatchFactory()
    old = [_record(batch, years_ago=4) for _ in range(2)]
    kept = _record(batch, years_ago=1)
    newer_old = _record(batch, years_ago=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT privacyoffice_purge_provision_records(100)")
        assert cursor.fetchone()[0] == 3
    assert list(ProvisionRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    runs = list(RetentionPurge.objects.order_by("first_seq").values_list("first_seq", "last_seq"))
    assert runs == [(1, 2), (4, 4)]
    assert {old[0].pk, newer_old.pk}.isdisjoint(ProvisionRecord.objects.values_list("pk"))
    assert verify_problems("consent_app_provisionrecord") == []
    assert verify_problems("privacyoffice_retentionpurge") == []


def test_the_purge_refuses_a_record_claiming_a_short_retention(db):
    """The rule is the function's: a row claiming retain_until in the past but provided less
    than a year ago stays, whoever wrote it."""
    batch = PoProvisionBatchFactory()
    PoProvisionRecordFactory(batch=batch, retain_until=timezone.localdate().replace(year=2000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT privacyoffice_purge_provision_records(100)")
        assert cursor.fetchone()[0] == 0
    assert ProvisionRecord.objects.count() == 1


def test_the_chain_step_is_the_same_in_python_and_in_the_database(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT privacyoffice_chain_step(%s, %s)", ["ab" * 32, '{"id": 1}'])
        assert cursor.fetchone()[0] == chain_step("ab" * 32, '{"id": 1}')


# --- two transactions appending at once -----------------------------------------------------------
def test_two_transactions_appending_at_once_take_turns_and_the_chain_verifies(transactional_db):
    customer, purpose = PoCustomerFactory(), PoPurposeFactory()
    first_inserted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def append(wait: bool) -> None:
        try:
            with transaction.atomic():
                PoConsentEventFactory(customer=customer, purpose=purpose)
                if wait:
                    first_inserted.set()
                    release.wait(10)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=append, args=(True,))
    holder.start()
    assert first_inserted.wait(10)
    second = threading.Thread(target=append, args=(False,))
    second.start()
    second.join(1)
    assert second.is_alive(), "the second append must wait for the first one's head lock"
    release.set()
    holder.join(10)
    second.join(10)
    assert errors == []
    assert [row[1] for row in chain_of(ConsentEvent)] == [1, 2]
    assert verify_problems(EVENTS) == []


# --- the command, as the application role, after a DBA's edit ------------------------------------
def test_verify_ledgers_run_as_the_application_role_names_the_row_a_dba_changed(transactional_db):
    require_app_role()
    events = PoConsentEventFactory.create_batch(3)
    call_command("verify_ledgers")  # all clean: no error
    as_dba(f"UPDATE {EVENTS} SET note = 'changed by the DBA' WHERE id = {events[1].pk}")
    result = subprocess.run(  # our own manage.py
        [sys.executable, "manage.py", "verify_ledgers"],
        cwd=PROJECT_ROOT,
        env={**_env(), "DATABASE_URL": database_url_for_subprocess()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert f"{EVENTS}: row id={events[1].pk} (chain position 2)" in result.stdout
    assert "consent_app_provisionrecord: OK" in result.stdout
    with pytest.raises(CommandError):
        call_command("verify_ledgers")


def _env() -> dict[str, str]:
    # A management command runs the start-up checks; with debug off the test settings' console
    # mail backend fails privacyoffice.E001 unless the site says it sends no mail, as this one.
    return {
        "EMAIL_ALLOW_UNDELIVERED": "1",
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "privacyoffice.settings",
    }


# --- what the auditor sees, through HTTP as the application role ------------------------------
class _LocalhostIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Like a browser, send `Secure` cookies (production settings) to http://localhost."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    """A cookie-keeping HTTP client that logs in through the admin's login form."""

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar(policy=_LocalhostIsSecure())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> bytes:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=60) as response:
            return response.read()

    def log_in(self, username: str) -> None:
        self.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": "correct-horse-battery-staple"},
        )


def test_an_auditor_downloads_the_consent_ledger_with_each_rows_chain_hash(live_server, auditor):
    events = PoConsentEventFactory.create_batch(3)
    browser = Browser(live_server.url)
    browser.log_in(auditor.username)
    data = browser.post(
        "/admin/reports/consent-ledger/",
        {"date_from": "", "date_to": "", "encoding": "utf-8", "header": "codes"},
    )
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    stored = {pk: digest for pk, _seq, digest in chain_of(ConsentEvent)}
    assert [int(r["event_id"]) for r in rows] == [e.pk for e in events]
    assert {int(r["event_id"]): r["row_hash"] for r in rows} == stored


def test_an_auditor_sees_the_latest_digest_on_the_dashboard_and_the_export_log(
    live_server, auditor
):
    PoConsentEventFactory()
    digest = ledger_digest_record()
    browser = Browser(live_server.url)
    browser.log_in(auditor.username)
    assert digest.digest in browser.get("/admin/dashboard/")
    assert digest.digest in browser.get("/admin/privacyoffice/exportlog/")
