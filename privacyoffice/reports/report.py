"""What a report is: its rows, columns, date filter and saved parameters (one frozen entry)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from common.dates import start_of_day

from .columns import Column


@dataclass(frozen=True)
class Report:
    slug: str
    title: Promise
    description: Promise
    date_field: str | None  # the field the date-range filter applies to (None: no date range)
    date_label: Promise
    columns: tuple[Column, ...]
    # The rows, given the report's saved parameters (none for the audit reports).
    base: Callable[..., QuerySet]
    is_datetime: bool = True
    order: tuple[str, ...] = field(default=())
    # Saved filters besides the date range, by name (a marketing list: its purpose and channel).
    params: tuple[str, ...] = ()
    # Columns that depend on the parameters (a marketing list's contact columns per channel).
    columns_for: Callable[[Mapping[str, Any]], tuple[Column, ...]] | None = None
    # Listed on the CSV reports page; a marketing list is started from its purpose instead.
    listed: bool = True
    permission: str = "privacyoffice.export_reports"
    # The file name's first part, e.g. "consent-ledger" or "marketing-list_DM01_email".
    file_stem: Callable[[Mapping[str, Any]], str] | None = None
    # Checks the parameters a person sent and returns the ones to save (ValidationError if bad).
    check_params: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None

    def queryset(
        self,
        *,
        date_from: date | None,
        date_to: date | None,
        params: Mapping[str, Any] | None = None,
    ) -> QuerySet:
        """The rows of the report for an inclusive range of local (Asia/Tokyo) dates."""
        qs = self.base(**(params or {}))
        if self.date_field is None:
            return qs.order_by(*self.order) if self.order else qs
        if self.is_datetime:
            # Sargable bounds (>= start of day, < start of the next) so the date index serves.
            if date_from:
                qs = qs.filter(**{f"{self.date_field}__gte": start_of_day(date_from)})
            if date_to:
                qs = qs.filter(**{f"{self.date_field}__lt": start_of_day(date_to + timedelta(1))})
        else:
            if date_from:
                qs = qs.filter(**{f"{self.date_field}__gte": date_from})
            if date_to:
                qs = qs.filter(**{f"{self.date_field}__lte": date_to})
        return qs.order_by(*(self.order or (self.date_field, "pk")))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def columns_of(self, params: Mapping[str, Any] | None = None) -> tuple[Column, ...]:
        return self.columns_for(params or {}) if self.columns_for else self.columns

    def stem(self, params: Mapping[str, Any] | None = None) -> str:
        return self.file_stem(params or {}) if self.file_stem else self.slug
