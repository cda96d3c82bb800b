"""Deadline arithmetic: Civil Code Arts. 140 and 142, Japanese holidays, the year-end closure."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from requests_app import deadlines
from requests_app.models import DayKind, DeadlineRule, RequestType


def rule(**overrides) -> DeadlineRule:
    values = {
        "request_type": RequestType.DISCLOSURE,
        "days": 14,
        "day_kind": DayKind.CALENDAR,
        "closure_start": "12-29",
        "closure_end": "01-03",
        "saturday_closed": True,
    }
    values.update(overrides)
    return DeadlineRule(**values)


def test_day_of_receipt_is_not_counted():
    """Art. 140: 14 days from a receipt on Tue 10 Nov 2026 end on Tue 24 Nov."""
    assert deadlines.due_date_for(received_on=date(2026, 11, 10), rule=rule()) == date(2026, 11, 24)


def test_period_ending_on_sunday_moves_to_monday():
    assert deadlines.due_date_for(received_on=date(2026, 11, 1), rule=rule()) == date(2026, 11, 16)


def test_period_ending_on_saturday_moves_to_monday_when_saturdays_are_closed():
    assert deadlines.due_date_for(received_on=date(2026, 11, 14), rule=rule()) == date(2026, 11, 30)


def test_period_ending_on_saturday_stays_when_the_office_works_saturdays():
    assert deadlines.due_date_for(
        received_on=date(2026, 11, 14), rule=rule(saturday_closed=False)
    ) == date(2026, 11, 28)


def test_calendar_period_ending_in_golden_week_moves_past_the_substitute_holiday():
    """Receipt Wed 22 Apr 2026 + 14 = Wed 6 May, the substitute holiday → Thu 7 May."""
    assert deadlines.due_date_for(received_on=date(2026, 4, 22), rule=rule()) == date(2026, 5, 7)


def test_business_days_skip_golden_week():
    """Receipt Fri 24 Apr 2026, 5 business days: 27, 28, 30 Apr, 1 May, then 7 May."""
    five = rule(days=5, day_kind=DayKind.BUSINESS)
    assert deadlines.due_date_for(received_on=date(2026, 4, 24), rule=five) == date(2026, 5, 7)


def test_citizens_holiday_between_two_holidays_is_not_a_working_day():
    """22 Sep 2026 lies between Respect for the Aged Day and the Equinox: a citizens' holiday."""
    assert not deadlines.is_working_day(date(2026, 9, 22), rule())
    assert deadlines.due_date_for(received_on=date(2026, 9, 8), rule=rule()) == date(2026, 9, 24)


def test_calendar_period_ending_in_the_year_end_closure_moves_to_the_first_working_day():
    """Receipt Thu 17 Dec 2026 + 14 = Thu 31 Dec (closed until 3 Jan, a Sunday) → Mon 4 Jan."""
    assert deadlines.due_date_for(received_on=date(2026, 12, 17), rule=rule()) == date(2027, 1, 4)


def test_business_days_skip_the_year_end_closure():
    """Receipt Mon 28 Dec 2026, 3 business days: 4, 5, 6 Jan 2027."""
    three = rule(days=3, day_kind=DayKind.BUSINESS)
    assert deadlines.due_date_for(received_on=date(2026, 12, 28), rule=three) == date(2027, 1, 6)


def test_a_configured_closure_is_honoured():
    longer = rule(closure_start="12-26", closure_end="01-05")
    assert not deadlines.is_working_day(date(2027, 1, 5), longer)
    assert deadlines.is_working_day(date(2027, 1, 5), rule())


def test_a_closure_within_one_year_is_honoured():
    summer = rule(closure_start="08-13", closure_end="08-16")
    assert not deadlines.is_working_day(date(2027, 8, 13), summer)
    assert deadlines.is_working_day(date(2027, 8, 12), summer)


@pytest.mark.parametrize("value", ["1229", "13-01", "12-32", "", "aa-bb"])
def test_a_malformed_closure_day_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        deadlines.validate_month_day(value)
    assert exc.value.messages == [str(deadlines.MONTH_DAY_INVALID)]


@pytest.mark.django_db
def test_default_rules_exist_for_every_type_with_fourteen_calendar_days():
    rules = {r.request_type: r for r in DeadlineRule.objects.all()}
    assert set(rules) == set(RequestType.values)
    assert {(r.days, r.day_kind) for r in rules.values()} == {(14, DayKind.CALENDAR)}


@pytest.mark.django_db
def test_a_managers_rule_change_applies_to_the_next_due_date():
    DeadlineRule.objects.filter(request_type=RequestType.CORRECTION).update(
        days=10, day_kind=DayKind.BUSINESS
    )
    due = deadlines.due_date_for_request_type(
        request_type=RequestType.CORRECTION, received_on=date(2026, 11, 2)
    )
    assert due == date(2026, 11, 17)  # 3 Nov (Culture Day) and the weekends skipped
