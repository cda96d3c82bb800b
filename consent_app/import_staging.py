"""Where a streamed customer import keeps what it has checked until it writes (issue 19).

`consent_app.importing.customer_import` reads a file one chunk of rows at a time. What must
outlive a chunk is kept here, not in the worker's memory: the customer numbers seen so far with
their first line (a number given twice is an error naming that line), and the checked rows to be
written. On PostgreSQL that is three temporary tables of the import's transaction, filled with
COPY; once every row of the file is checked and none is wrong, they are applied with a few
set-based statements (INSERT … SELECT for new customers and their history, one UPDATE … FROM for
known ones). The worker holds one chunk at a time, whatever the file's size.

SQLite (the embedded demo) has no COPY: the same interface keeps the rows in memory and writes
them with django-simple-history's bulk helpers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection
from simple_history.utils import (  # type: ignore[import-untyped]
    bulk_create_with_history,
    bulk_update_with_history,
)

from .models import Customer

REASON = "CRM import"
_BATCH_SIZE = 5_000

_SEEN = "consent_import_seen"
_NEW = "consent_import_new"
_UPDATE = "consent_import_update"
_SEEN_NUMBERS = "number IN (SELECT number FROM consent_import_seen)"


def _copy(raw_cursor, table: str, columns: list[str], rows) -> None:
    with raw_cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class PostgresStaging:
    """Temporary tables of the import's transaction (the caller holds one open throughout)."""

    def __init__(self) -> None:
        self.table = Customer._meta.db_table
        self.columns = [f.column for f in Customer._meta.concrete_fields]
        self.attnames = [f.attname for f in Customer._meta.concrete_fields]
        with connection.cursor() as cursor:
            # Dropped by close(); ON COMMIT DROP as well, should close() never be reached.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_SEEN} "
                "(number text PRIMARY KEY, line integer NOT NULL) ON COMMIT DROP"
            )
            for name in (_NEW, _UPDATE):
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "  # noqa: S608  # nosec B608  # table from model
                    f"SELECT * FROM {self.table} WITH NO DATA"
                )

    def first_lines(self, numbers: list[str]) -> dict[str, int]:
        """The line on which each of `numbers` was first seen by an earlier chunk."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, line FROM {_SEEN} WHERE number = ANY(%s)", [numbers])  # noqa: S608  # nosec B608  # constant table
            return dict(cursor.fetchall())

    def add_seen(self, lines: dict[str, int]) -> None:
        with connection.cursor() as cursor:
            _copy(cursor.cursor, _SEEN, ["number", "line"], lines.items())

    def stage(self, to_create: list[dict[str, Any]], to_update: list[Customer]) -> None:
        """Keep a chunk's checked rows (new customers without an id yet) until the write."""
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if to_create:
                columns = [c for c, a in zip(self.columns, self.attnames, strict=True) if a != "id"]
                attnames = [a for a in self.attnames if a != "id"]
                _copy(raw, _NEW, columns, ([row[a] for a in attnames] for row in to_create))
            if to_update:
                _copy(
                    raw,
                    _UPDATE,
                    self.columns,
                    ([getattr(c, a) for a in self.attnames] for c in to_update),
                )

    def write(self, *, by: User | None, now, created: int, updated: int) -> None:
        """Apply every staged row: set-based statements, nothing held in the worker.

        New customers take ids from the table's sequence; known ones are updated with one
        UPDATE … FROM, which skips (and so detects) a customer erased since the check.
        """
        history = Customer.history.model
        history_fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
        extra = {
            "history_date": now,
            "history_change_reason": REASON,
            "history_user_id": getattr(by, "pk", None),
        }
        history_columns = ", ".join(f.column for f in history_fields)

        def history_select(source: str, history_type: str) -> tuple[str, list[Any]]:
            values = {**extra, "history_type": history_type}
            params: list[Any] = []
            items = []
            for f in history_fields:
                if f.attname in values:
                    items.append("%s")
                    params.append(values[f.attname])
                else:
                    items.append(f.column)
            return f"SELECT {', '.join(items)} FROM {source}", params  # noqa: S608  # nosec B608  # model columns only

        columns = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if created:
                cursor.execute(
                    f"UPDATE {_NEW} SET id = nextval(pg_get_serial_sequence(%s, 'id'))",  # noqa: S608  # nosec B608  # constant table
                    [self.table],
                )
                cursor.execute(
                    f"INSERT INTO {self.table} ({columns}) SELECT {columns} FROM {_NEW}"  # noqa: S608  # nosec B608  # model columns only
                )
                select, params = history_select(_NEW, "+")
                cursor.execute(
                    f"INSERT INTO {history._meta.db_table} ({history_columns}) {select}", params
                )
            if updated:
                assignments = ", ".join(
                    f"{col} = u.{col}" for col in self.columns if col not in ("id", "created_at")
                )
                cursor.execute(
                    f"UPDATE {self.table} AS c SET {assignments} "  # noqa: S608  # nosec B608  # model columns only
                    f"FROM {_UPDATE} AS u WHERE c.id = u.id AND c.erased_at IS NULL"
                )
                if cursor.rowcount != updated:
                    raise IntegrityError("customer erased during import")
                select, params = history_select(_UPDATE, "~")
                cursor.execute(
                    f"INSERT INTO {history._meta.db_table} ({history_columns}) {select}", params
                )

    def receipt_people(self) -> dict[str, Any]:
        """receipt_record's arguments for every customer the file names (unchanged ones too)."""
        people = Customer.objects.extra(where=[_SEEN_NUMBERS])  # noqa: S610  # nosec B610  # constant SQL, no input
        return {"people": people}

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_SEEN}, {_NEW}, {_UPDATE}")


class MemoryStaging:
    """The same interface in memory, for SQLite (the demo's small files)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.to_create: list[dict[str, Any]] = []
        self.to_update: list[Customer] = []

    def first_lines(self, numbers: list[str]) -> dict[str, int]:
        return {n: self.seen[n] for n in numbers if n in self.seen}

    def add_seen(self, lines: dict[str, int]) -> None:
        self.seen.update(lines)

    def stage(self, to_create: list[dict[str, Any]], to_update: list[Customer]) -> None:
        self.to_create += to_create
        self.to_update += to_update

    def write(self, *, by: User | None, now, created: int, updated: int) -> None:
        if self.to_create:
            bulk_create_with_history(
                [Customer(**row) for row in self.to_create],
                Customer,
                batch_size=_BATCH_SIZE,
                default_user=by,
                default_change_reason=REASON,
            )
        if self.to_update:
            fields = [f.name for f in Customer._meta.concrete_fields if f.name != "id"]
            bulk_update_with_history(
                self.to_update,
                Customer,
                fields,
                batch_size=500,
                default_user=by,
                default_change_reason=REASON,
            )
            if Customer.objects.filter(
                pk__in=[c.pk for c in self.to_update], erased_at__isnull=False
            ).exists():
                raise IntegrityError("customer erased during import")

    def receipt_people(self) -> dict[str, Any]:
        return {"numbers": list(self.seen)}

    def close(self) -> None:
        self.seen.clear()
        self.to_create.clear()
        self.to_update.clear()


def staging() -> PostgresStaging | MemoryStaging:
    return PostgresStaging() if connection.vendor == "postgresql" else MemoryStaging()
