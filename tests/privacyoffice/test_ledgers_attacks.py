"""Issue 20: the ledgers hold against someone holding the APPLICATION's database credentials.

Each attack runs on its own connection as the application role (privacyoffice.dbroles), in a
transaction rolled back afterwards, exactly as an attacker with the web server's DATABASE_URL
would try it from psql.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from privacyoffice import dbroles
from privacyoffice.ledgers import LEDGERS
from tests.conftest import app_role_settings, require_app_role
from tests.factories import (
    ExportLogFactory,
    PoConsentEventFactory,
    PoProvisionRecordFactory,
    PoStateLogFactory,
)

pytestmark = [pytest.mark.security, pytest.mark.postgres]

TABLES = [ledger.table for ledger in LEDGERS]
STATELOG = "django_fsm_log_statelog"


def _connect() -> psycopg.Connection:
    db = app_role_settings()
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
    )


@pytest.fixture
def as_app(db):
    """Run statements as the application role; returns the error each attempt raised."""
    require_app_role()
    conn = _connect()

    def attempt(*statements: str) -> psycopg.Error | None:
        try:
            with conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        except psycopg.Error as exc:
            return exc
        finally:
            conn.rollback()
        return None

    yield attempt
    conn.close()


def refused(error, *words: str) -> bool:
    return error is not None and all(w in str(error) for w in words)


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_truncate_a_ledger(as_app, table):
    assert refused(as_app(f'TRUNCATE "{table}"'), "permission denied")
    assert refused(as_app(f'TRUNCATE "{table}" CASCADE'), "permission denied")


def test_truncating_customers_with_cascade_is_refused_too(as_app):
    assert refused(as_app("TRUNCATE consent_app_customer CASCADE"), "permission denied")


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_delete_from_a_ledger(as_app, table):
    assert refused(as_app(f'DELETE FROM "{table}"'), "permission denied")


@pytest.mark.parametrize("table", [t for t in TABLES if t != "privacyoffice_exportlog"])
def test_the_application_role_cannot_update_a_ledger(as_app, table):
    assert refused(as_app(f'UPDATE "{table}" SET id = id'), "permission denied")


def test_the_application_role_cannot_rewrite_who_exported_or_the_chain_columns(as_app):
    for column in ("exported_by_id", "report", "filters", "created_at", "ledger_hash"):
        error = as_app(f"UPDATE privacyoffice_exportlog SET {column} = {column}")
        assert refused(error, "permission denied"), column


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_disable_a_ledgers_triggers(as_app, table):
    assert refused(as_app(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'), "must be owner")
    assert refused(as_app(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL'), "must be owner")
    assert refused(as_app(f'DROP TABLE "{table}"'), "must be owner")


def test_the_application_role_cannot_switch_off_triggers_for_its_session(as_app):
    error = as_app("SET session_replication_role = replica")
    assert refused(error, "permission denied", "session_replication_role")


def test_the_application_role_cannot_become_the_owner_or_create_objects(as_app):
    assert refused(as_app(f'SET ROLE "{dbroles.owner_role()}"'), "permission denied")
    assert refused(as_app("CREATE TABLE public.x (id int)"), "permission denied")
    assert refused(
        as_app(
            "CREATE FUNCTION public.privacyoffice_bypass(t text, u text) RETURNS boolean "
            "LANGUAGE sql AS 'SELECT true'"
        ),
        "permission denied",
    )


def test_the_application_role_is_no_superuser_and_owns_nothing(as_app, django_db_blocker):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            [dbroles.app_role()],
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = %s)",
            [dbroles.app_role()],
        )
        assert cursor.fetchone()[0] == 0


def test_the_application_role_cannot_rewrite_the_chain_heads(as_app):
    assert refused(as_app("UPDATE privacyoffice_ledgerhead SET hash = ''"), "permission denied")
    assert refused(as_app("DELETE FROM privacyoffice_ledgerhead"), "permission denied")


# --- the old purge doors, tried with data in place (committed, so the attacker sees it) ---------
@pytest.fixture
def committed_rows(transactional_db):
    require_app_role()
    event = PoConsentEventFactory()
    record = PoProvisionRecordFactory(customer=event.customer)
    log = PoStateLogFactory()
    export = ExportLogFactory(status="done", finished_at=timezone.now(), row_count=3)
    return {"event": event, "record": record, "log": log, "export": export}


def test_the_old_session_setting_doors_open_nothing_for_the_application(committed_rows):
    conn = _connect()
    rows = committed_rows
    attempts = [
        (
            "SET LOCAL privacyoffice.retention_purge = 'on'",
            f"DELETE FROM {STATELOG} WHERE id = {rows['log'].pk}",
        ),
        (
            "SET LOCAL privacyoffice.retention_purge = 'on'",
            f"UPDATE {STATELOG} SET description = 'rewritten' WHERE id = {rows['log'].pk}",
        ),
        (
            "SET LOCAL pgtrigger.ignore = '{pgtrigger_consentevent_append_only_d2f54}'",
            f"DELETE FROM consent_app_consentevent WHERE id = {rows['event'].pk}",
        ),
        (
            "SET LOCAL pgtrigger.ignore = '{pgtrigger_provrecord_no_delete_a50c4}'",
            f"DELETE FROM consent_app_provisionrecord WHERE id = {rows['record'].pk}",
        ),
        # The export log's progress columns are the application's to update while an export
        # runs; the door would have let it re-open a finished one.
        (
            "SET LOCAL pgtrigger.ignore = '{pgtrigger_exportlog_update_only_completion_243d7}'",
            f"UPDATE privacyoffice_exportlog SET status = 'running', row_count = 999 "
            f"WHERE id = {rows['export'].pk}",
        ),
        (
            "SELECT set_config('privacyoffice.bypass', 'privacyoffice_ledger_no_truncate', true)",
            "TRUNCATE consent_app_consentevent",
        ),
    ]
    try:
        for statements in attempts:
            with pytest.raises(psycopg.Error), conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            conn.rollback()
    finally:
        conn.close()
    export = rows["export"]
    export.refresh_from_db()
    assert (export.status, export.row_count) == ("done", 3)
    assert type(rows["log"]).objects.filter(pk=rows["log"].pk).exists()
    assert type(rows["record"]).objects.filter(pk=rows["record"].pk).exists()


def test_the_old_doors_are_closed_for_the_owner_too(db):
    """Even DATABASE_URL's own role (the owner) no longer passes with a session setting alone."""
    event = PoConsentEventFactory()
    log = PoStateLogFactory()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pgtrigger.ignore = '{pgtrigger_consentevent_append_only_d2f54}'")
        cursor.execute("DELETE FROM consent_app_consentevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL privacyoffice.retention_purge = 'on'")
        cursor.execute(f"DELETE FROM {STATELOG} WHERE id = %s", [log.pk])


@pytest.mark.parametrize("table", TABLES)
def test_a_statement_trigger_refuses_truncate_even_for_the_owner(db, table):
    with (
        pytest.raises(DatabaseError, match="append-only ledger"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f'TRUNCATE "{table}" CASCADE')
