"""The plausible range of every date a person types or a filter carries.

Python's datetime runs from year 1 to 9999 and PostgreSQL from 4713 BC: a date at either end
passes the form, then breaks later (a BC timestamp cannot be read back, 9999-12-31 in Tokyo
overflows when turned to UTC, a year filter of 9999 asks for the year 10000). Nothing this
office records happened before 1900 or is planned after 2100, so every date input is bounded
to that range, and the narrower rules are named here too: a receipt, a consent given, a letter
sent never lie in the future; a person was born between 1900 and today.

And local (Asia/Tokyo) days as datetime bounds (`start_of_day`), for every date filter.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)

DATE_OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")
DATE_IN_FUTURE = _("This date cannot be in the future (today is %(today)s).")
BIRTH_IN_FUTURE = _("The date of birth cannot be in the future.")
BIRTH_TOO_EARLY = _("A date of birth before %(earliest)s is not plausible.")
FILTER_OUT_OF_RANGE = _(
    "This list cannot be filtered by %(value)s: a year lies between %(earliest)s and "
    "%(latest)s, a month between 1 and 12, a day between 1 and 31."
)


def _shown(value: date) -> str:
    # As the reader expects it: 2026年12月16日 in the Japanese UI.
    return formats.date_format(value, "DATE_FORMAT")


def local_date(value: date | datetime) -> date:
    """The Japan date of a date or datetime (a naive datetime is taken as Japan time)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            try:
                value = timezone.localtime(value)
            except OverflowError:  # 9999-12-31 23:00 UTC is already year 10000 in Tokyo
                return date.max
        return value.date()
    return value


def _range_params() -> dict[str, str]:
    return {"earliest": _shown(EARLIEST), "latest": _shown(LATEST)}


def validate_plausible_date(value: Any) -> None:
    """Between 1900-01-01 and 2100-12-31 (Japan date)."""
    if not isinstance(value, date):
        return
    if not EARLIEST <= local_date(value) <= LATEST:
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range", params=_range_params())


def validate_not_future(value: Any) -> None:
    """Plausible, and not after today (Japan date): a receipt, a consent, a letter sent."""
    validate_plausible_date(value)
    if isinstance(value, date) and local_date(value) > timezone.localdate():
        raise ValidationError(
            DATE_IN_FUTURE, code="date_in_future", params={"today": _shown(timezone.localdate())}
        )


def validate_birth_date(value: Any) -> None:
    """Between 1900-01-01 and today."""
    if not isinstance(value, date):
        return
    if local_date(value) > timezone.localdate():
        raise ValidationError(BIRTH_IN_FUTURE, code="dob_future")
    if local_date(value) < EARLIEST:
        raise ValidationError(
            BIRTH_TOO_EARLY, code="dob_too_early", params={"earliest": _shown(EARLIEST)}
        )


def is_plausible(value: date | datetime | None) -> bool:
    """For values already stored: can this one be shown and computed with safely?"""
    return value is None or EARLIEST <= local_date(value) <= LATEST


# --- changelist filters ---------------------------------------------------------------------
_PART_BOUNDS = {
    "year": (EARLIEST.year, LATEST.year),
    "month": (1, 12),
    "day": (1, 31),
}


def bad_date_filter(params: dict[str, list[str]]) -> str | None:
    """The first `…__year`/`__month`/`__day` query value out of range (or not a number).

    Django's date hierarchy and lookups turn these into datetimes: year 0 or 10000, or year
    9999 (whose end is 10000-01-01), raise inside the changelist, a 500. Returns the message
    to answer with, or None.
    """
    for key, values in params.items():
        part = key.rsplit("__", 1)[-1]
        if part not in _PART_BOUNDS or "__" not in key:
            continue
        low, high = _PART_BOUNDS[part]
        for value in values:
            text = value.strip()
            if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
                return str(FILTER_OUT_OF_RANGE) % {
                    "value": f"{key}={value[:20]}",
                    "earliest": EARLIEST.year,
                    "latest": LATEST.year,
                }
    return None


def start_of_day(day: date) -> datetime:
    """The first moment of a local day, aware: `>= start_of_day(d)` and `< start_of_day(d + 1)`
    bound a datetime column to that day and keep the column's index usable."""
    return timezone.make_aware(datetime.combine(day, time.min))
