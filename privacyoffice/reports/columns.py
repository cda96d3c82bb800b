"""Report columns: a stable name, a Japanese header, an ORM expression and a kind.

The kind decides how a value becomes CSV text, identically on both paths:
PostgreSQL formats and escapes in SQL (`sql_for`), SQLite in Python (`python_formatter`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Expression, F, Func, IntegerField, TextField
from django.utils import timezone

# A spreadsheet executes a cell that starts with one of these (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Prefixing an apostrophe makes Excel and LibreOffice show the text instead of running it.
FORMULA_GUARD = "'"

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PG_DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS"


class Kind(enum.Enum):
    TEXT = "text"  # free or user-typed text: neutralised against formula injection
    CODE = "code"  # a choice code or reference the system generates: written as is
    INT = "int"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # YYYY-MM-DD HH:MM:SS in settings.TIME_ZONE
    FLAG = "flag"  # 1 / 0


@dataclass(frozen=True)
class Column:
    name: str  # stable: documented in the README, never renamed
    ja: str  # Japanese header (the optional header row)
    # A field path, an expression, or a callable building one at query time (e.g. "today").
    expr: str | Expression | Callable[[], Expression]
    kind: Kind = Kind.TEXT

    def expression(self) -> Expression:
        if isinstance(self.expr, str):
            return F(self.expr)
        if hasattr(self.expr, "resolve_expression"):  # Expression, Subquery, ...
            return self.expr
        return self.expr()


def neutralise(text: str) -> str:
    """The cell as a spreadsheet will show it, never as a formula it would run."""
    if text and text[0] in FORMULA_TRIGGERS:
        return FORMULA_GUARD + text
    return text


def _text(value: Any) -> str:
    return "" if value is None else neutralise(str(value))


def _code(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> str:
    return "" if value is None else str(int(value))


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _datetime(value: Any) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime(DATETIME_FORMAT)


def _flag(value: Any) -> str:
    if value is None:
        return ""
    return "1" if value else "0"


PYTHON_FORMATTERS: dict[Kind, Callable[[Any], str]] = {
    Kind.TEXT: _text,
    Kind.CODE: _code,
    Kind.INT: _int,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.FLAG: _flag,
}


class PgCsvCell(Func):
    """The column's SQL on PostgreSQL: formatted as text and, for TEXT, neutralised in SQL.

    Only ever compiled for PostgreSQL (the COPY path); SQLite formats in Python instead.
    """

    def __init__(self, expression: Expression, kind: Kind):
        super().__init__(expression)
        self.kind = kind

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - guard
        raise NotImplementedError("PgCsvCell is compiled on PostgreSQL only")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        if self.kind is Kind.TEXT:
            # The value is referenced three times; repeat its parameters accordingly.
            triggers = ", ".join(f"chr({ord(c)})" for c in FORMULA_TRIGGERS)
            return (
                f"CASE WHEN substr(({sql})::text, 1, 1) IN ({triggers})"
                f" THEN '''' || ({sql})::text ELSE ({sql})::text END",
                params * 3,
            )
        if self.kind is Kind.CODE or self.kind is Kind.INT:
            return f"({sql})::text", params
        if self.kind is Kind.DATE:
            return f"to_char(({sql}), '{PG_DATETIME_FORMAT[:10]}')", params
        if self.kind is Kind.DATETIME:
            return (
                f"to_char(({sql}) AT TIME ZONE %s, '{PG_DATETIME_FORMAT}')",
                [*params, settings.TIME_ZONE],
            )
        if self.kind is Kind.FLAG:
            return f"CASE WHEN ({sql}) THEN '1' WHEN NOT ({sql}) THEN '0' END", params * 2
        raise ValueError(self.kind)  # pragma: no cover


class DaysBetween(Func):
    """Whole days from one date expression to another (end - start), on both databases."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return (
            f"CAST(julianday({end}) - julianday({start}) AS INTEGER)",
            [*end_params, *start_params],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(({end})::date - ({start})::date)", [*end_params, *start_params]


class JsonListJoined(Func):
    """A JSON array of strings as one cell, items joined by ';' in their order."""

    arity = 1
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            # {sql} is compiled SQL of a column, never user input.
            f"(SELECT group_concat(value, ';') FROM json_each({sql}))",  # noqa: S608  # nosec B608  # column SQL
            params,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(SELECT string_agg(item, ';' ORDER BY position)"  # noqa: S608  # nosec B608  # compiled column SQL
            f" FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({sql}) = 'array'"
            f" THEN {sql} ELSE '[]'::jsonb END) WITH ORDINALITY AS items(item, position))",
            params * 2,
        )
