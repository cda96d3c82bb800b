"""Deadline arithmetic, as Japanese law counts periods.

- The clock starts on the day the completed form and identity documents arrive (our policy:
  APPI sets no number of days, only "without delay"; the policy promises about two weeks).
- Civil Code Art. 140: the first day is not counted, so a 14-day period from a receipt on the
  1st ends at the end of the 15th.
- Civil Code Art. 142: a period ending on a Sunday, a national holiday (including substitute
  holidays and "citizens' holidays", as the `holidays` library's Japan calendar has them) or
  another day on which it is customary not to do business ends on the next working day. Our
  customary closed days are the year-end closure (29 Dec – 3 Jan by default, configurable per
  rule) and, by default, Saturdays: the office works a five-day week. A rule may switch
  Saturdays back on (`DeadlineRule.saturday_closed`).
- Business-day rules count only working days (same definition), starting the day after receipt;
  the day the count ends is a working day by construction.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import DayKind, DeadlineRule

MONTH_DAY_INVALID = _("Enter a day of the year as MM-DD, e.g. 12-29.")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# Guards a misconfigured rule (e.g. every day closed) from looping forever.
_MAX_SEARCH_DAYS = 366


def parse_month_day(value: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(value or "")
    if not match:
        raise ValidationError(MONTH_DAY_INVALID, code="month_day")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2024, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise ValidationError(MONTH_DAY_INVALID, code="month_day") from None
    return month, day


def validate_month_day(value: str) -> None:
    """Form/model validator for the closure boundaries."""
    parse_month_day(value)


@lru_cache(maxsize=64)
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Japan(years=year)


def is_public_holiday(day: date) -> bool:
    return day in _japan_holidays(day.year)


def in_closure(day: date, rule: DeadlineRule) -> bool:
    """Whether `day` falls in the rule's year-end closure (which may span the new year)."""
    start = parse_month_day(rule.closure_start)
    end = parse_month_day(rule.closure_end)
    here = (day.month, day.day)
    if start <= end:
        return start <= here <= end
    return here >= start or here <= end


def is_working_day(day: date, rule: DeadlineRule) -> bool:
    if day.weekday() == 6:  # Sunday
        return False
    if day.weekday() == 5 and rule.saturday_closed:
        return False
    return not is_public_holiday(day) and not in_closure(day, rule)


def next_working_day(day: date, rule: DeadlineRule) -> date:
    """`day` itself if it is a working day, else the first working day after it (Art. 142)."""
    for _offset in range(_MAX_SEARCH_DAYS):
        if is_working_day(day, rule):
            return day
        day += timedelta(days=1)
    raise ValueError("No working day within a year: check the deadline rule.")


def default_rule(request_type: str) -> DeadlineRule:
    """The rule used when managers have deleted a type's row: the registry's (14 calendar days)."""
    from .request_types import REQUEST_TYPES, DeadlineDefault

    spec = REQUEST_TYPES.get(request_type)
    default = spec.default_deadline if spec else DeadlineDefault()
    return DeadlineRule(request_type=request_type, days=default.days, day_kind=default.day_kind)


def rule_for(request_type: str) -> DeadlineRule:
    return DeadlineRule.objects.filter(request_type=request_type).first() or default_rule(
        request_type
    )


def due_date_for(*, received_on: date, rule: DeadlineRule) -> date:
    """The last day to answer a request complete on `received_on`, under `rule`."""
    if rule.day_kind == DayKind.BUSINESS:
        day, counted = received_on, 0
        while counted < rule.days:  # Art. 140: counting starts the day after receipt
            day += timedelta(days=1)
            if is_working_day(day, rule):
                counted += 1
        return day
    # Calendar days: receipt + N is the end of the N-th day after receipt (Art. 140), moved to
    # the next working day when it falls on a closed day (Art. 142).
    return next_working_day(received_on + timedelta(days=rule.days), rule)


def due_date_for_request_type(*, request_type: str, received_on: date) -> date:
    return due_date_for(received_on=received_on, rule=rule_for(request_type))
