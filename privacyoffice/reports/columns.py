"""Report columns: a stable name, a Japanese header, an ORM expression and a kind.

The kind decides how a value becomes CSV text, identically on both paths (common.csv_stream):
PostgreSQL formats and escapes in SQL (`PgCsvCell`), SQLite in Python (`PYTHON_FORMATTERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Expression, F, Func, IntegerField, TextField

# The cell kinds, their formatting and the formula guard are the project's one CSV module.
from common.csv_stream import PYTHON_FORMATTERS, Kind, PgCsvCell

__all__ = ["PYTHON_FORMATTERS", "Column", "DaysBetween", "JsonListJoined", "Kind", "PgCsvCell"]


@dataclass(frozen=True)
class Column:
    name: str  # stable: documented in the README, never renamed
    ja: str  # Japanese header (the optional header row)
    # A field path, an expression, or a callable building one at query time (e.g. "today").
    expr: str | Expression | Callable[[], Expression]
    kind: Kind = Kind.TEXT
    # How to read the value, for the README's column table (e.g. "`;`-separated").
    note: str = ""

    def expression(self) -> Expression:
        if isinstance(self.expr, str):
            return F(self.expr)
        if hasattr(self.expr, "resolve_expression"):  # Expression, Subquery, ...
            return self.expr
        return self.expr()


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
