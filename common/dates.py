"""Local (Asia/Tokyo) days as datetime bounds: the one definition every date filter uses."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """The first moment of a local day, aware: `>= start_of_day(d)` and `< start_of_day(d + 1)`
    bound a datetime column to that day and keep the column's index usable."""
    return timezone.make_aware(datetime.combine(day, time.min))
