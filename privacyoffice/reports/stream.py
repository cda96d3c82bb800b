"""A report as CSV bytes, through the project's one streamer (common.csv_stream).

This module only says which rows and cells a report has (codes or Japanese display values) and
sizes an export; the streaming, encodings and formula guard are common.csv_stream's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Case, CharField, Expression, F, Model, Value, When
from django.db.models.functions import Cast
from django.utils import translation

from common.csv_stream import (
    CP932_EQUIVALENTS,
    ENCODING_CP932,
    ENCODING_UTF8,
    ENCODING_UTF8_BOM,
    ENCODINGS,
    UTF8_BOM,
    CsvStream,
    TextEncoder,
    cp932_reference,
    cp932_unescape,
)

from .columns import Column, Kind
from .report import Report

__all__ = [
    "CP932_EQUIVALENTS",
    "ENCODINGS",
    "ENCODING_CP932",
    "ENCODING_UTF8",
    "ENCODING_UTF8_BOM",
    "UTF8_BOM",
    "CsvExport",
    "TextEncoder",
    "cp932_reference",
    "cp932_unescape",
    "estimate_rows",
]


def _choices_of(model: type[Model], path: str) -> dict[str, str] | None:
    """The choices of the field at `path` ("request__request_type"), or None if it has none."""
    *relations, name = path.split("__")
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None
    if not getattr(field, "choices", None):
        return None
    return {str(code): label for code, label in field.flatchoices}


def display_expression(model: type[Model], column: Column) -> Expression:
    """The column's cell with a choice code replaced by its Japanese label (codes kept for
    values outside the choices, so nothing is lost)."""
    expression = column.expression()
    if column.kind is not Kind.CODE or not isinstance(column.expr, str):
        return expression
    choices = _choices_of(model, column.expr)
    if not choices:
        return expression
    with translation.override("ja"):
        whens = [
            When(**{column.expr: code}, then=Value(str(label)))
            for code, label in choices.items()
            if code != ""
        ]
    return Case(*whens, default=Cast(F(column.expr), CharField()), output_field=CharField())


class CsvExport(CsvStream):
    """One report as CSV bytes. Iterate it once; then `row_count` and `replaced` are set.

    `on_progress(rows)` is called about every CHUNK_BYTES of output, between chunks; during a
    COPY it must not query through this thread's connection (see common.csv_stream).
    """

    def __init__(
        self,
        report: Report,
        *,
        date_from: date | None,
        date_to: date | None,
        params: Mapping[str, Any] | None = None,
        encoding: str = ENCODING_UTF8,
        japanese_header: bool = False,
        display_values: bool = False,
        on_progress: Callable[[int], None] | None = None,
        use_copy: bool | None = None,
    ):
        self.report = report
        self.date_from = date_from
        self.date_to = date_to
        queryset = report.queryset(date_from=date_from, date_to=date_to, params=params)
        columns = report.columns_of(params)
        if display_values:
            cells = [(display_expression(queryset.model, c), c.kind) for c in columns]
        else:
            cells = [(c.expression(), c.kind) for c in columns]
        super().__init__(
            queryset=queryset,
            cells=cells,
            header=[c.ja if japanese_header else c.name for c in columns],
            encoding=encoding,
            on_progress=on_progress,
            use_copy=use_copy,
        )


def estimate_rows(
    report: Report,
    *,
    date_from: date | None,
    date_to: date | None,
    threshold: int,
    params: Mapping[str, Any] | None = None,
) -> int:
    """Rows the export will have: exact up to `threshold`, estimated above it.

    Counting stops at threshold + 1 rows, so deciding "background or not" costs the same on a
    table of millions. Above it, the planner's estimate (PostgreSQL) sizes the progress bar.
    """
    queryset = report.queryset(date_from=date_from, date_to=date_to, params=params)
    bounded = queryset.values("pk")[: threshold + 1].count()
    if bounded <= threshold:
        return bounded
    if connection.vendor == "postgresql":
        plan = json.loads(queryset.explain(format="json"))
        return max(bounded, int(plan[0]["Plan"]["Plan Rows"]))
    return queryset.count()
