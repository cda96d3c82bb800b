"""Dates stored before the plausible range existed (issue 20): read safely, listed for staff.

Rows written before the date bounds (common.dates) may hold a timestamp Python cannot
represent (a BC one: "0001-01-01" in Tokyo is 0000-12-31 in UTC; PostgreSQL's infinity) or one
it cannot turn into Japan time (9999-12-31 23:00 UTC is year 10000 in Tokyo). Reading such a
row raised inside every page that shows it: a 500 for every role. So:

- `install_safe_loaders` (on every new PostgreSQL connection) reads an unrepresentable date or
  timestamp as the nearest one Python can show in any time zone, instead of raising. The stored
  value is never changed: append-only rows (a consent event) cannot be, and a request's receipt
  date is corrected by staff with a logged reason (Correct the receipt date).
- `implausible_stored_dates` lists, per table and column, the ids whose stored value lies outside
  the plausible range (compared in SQL, so the bad value is never read); the command
  `manage.py check_stored_dates` prints them (ids only, never the person's data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.db import models

from common.dates import EARLIEST, LATEST

# Python's ends, one day in: shown in any time zone without overflowing.
SAFE_MIN = datetime(1, 1, 2, tzinfo=UTC)
SAFE_MAX = datetime(9999, 12, 30, tzinfo=UTC)


def _is_low(data: bytes | bytearray | memoryview) -> bool:
    text = bytes(data)
    return text.endswith(b"BC") or text.startswith(b"-infinity")


def install_safe_loaders(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: safe date and timestamptz loaders for this connection."""
    if connection is None or connection.vendor != "postgresql":
        return
    try:
        from psycopg import DataError
        from psycopg.types.datetime import DateLoader, TimestamptzLoader
    except ImportError:  # psycopg2: not what this project runs
        return
    raw = connection.connection
    zone = connection.timezone  # UTC with USE_TZ (Django's own loader uses the same)

    class SafeTimestamptzLoader(TimestamptzLoader):
        # Django's own loader carries the connection's time zone; create_cursor keeps ours
        # when it matches.
        timezone = zone

        def load(self, data):
            try:
                value = super().load(data)
            except DataError:
                value = SAFE_MIN if _is_low(data) else SAFE_MAX
            value = value.replace(tzinfo=self.timezone) if self.timezone else value
            if value.tzinfo is not None:
                return min(max(value, SAFE_MIN), SAFE_MAX)
            return value

    class SafeDateLoader(DateLoader):
        def load(self, data):
            try:
                return super().load(data)
            except DataError:
                return date.min if _is_low(data) else date.max

    raw.adapters.register_loader("timestamptz", SafeTimestamptzLoader)
    raw.adapters.register_loader("date", SafeDateLoader)


@dataclass(frozen=True)
class StoredDateProblem:
    model: str
    table: str
    column: str
    ids: list
    count: int


def _bounds_for(field: models.Field) -> tuple[object, object]:
    if isinstance(field, models.DateTimeField):
        # Japan midnight of the first plausible day, and of the day after the last.
        return (
            datetime(EARLIEST.year, EARLIEST.month, EARLIEST.day, tzinfo=UTC) - timedelta(hours=9),
            datetime(LATEST.year, LATEST.month, LATEST.day, tzinfo=UTC) + timedelta(hours=15),
        )
    return EARLIEST, LATEST


def implausible_stored_dates(*, shown: int = 20) -> list[StoredDateProblem]:
    """Every date and timestamp column of every model, with the ids holding a value outside
    1900-01-01 … 2100-12-31 (Japan date). Reads ids only (values compared in SQL)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        for field in meta.concrete_fields:
            if not isinstance(field, models.DateField):  # DateTimeField is a DateField
                continue
            low, high = _bounds_for(field)
            above = "gte" if isinstance(field, models.DateTimeField) else "gt"
            outside = model._base_manager.filter(
                models.Q(**{f"{field.attname}__lt": low})
                | models.Q(**{f"{field.attname}__{above}": high})
            )
            count = outside.count()
            if count:
                ids = list(outside.order_by("pk").values_list("pk", flat=True)[:shown])
                found.append(StoredDateProblem(meta.label, meta.db_table, field.column, ids, count))
    return found


def connect() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(install_safe_loaders, dispatch_uid="privacyoffice_safe_dates")
