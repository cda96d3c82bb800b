"""A request's due status: the one definition of "overdue", "due soon" and "on time".

The dashboard counts with these conditions, the request list's `?due=` filter (the page each
dashboard figure links to) filters with them, the deadline alerts and the request register's
on-time column use them, so a number and the list behind it never drift apart.

- The clock runs from the day the completed form and identity documents arrive until the
  answer is sent (`RequestState.clock_running_states()`).
- Overdue: the clock runs and the due date has passed (due today is not yet overdue).
- Due soon: the clock runs and the due date is today or within DUE_SOON_DAYS days.
- On time: answered on or before the due date (the local day the answer was sent).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import RequestState

DUE_SOON_DAYS = 3

OVERDUE = "overdue"
DUE_SOON = "soon"


def clock_running_q() -> Q:
    return Q(state__in=list(RequestState.clock_running_states()))


def due_soon_horizon(*, today: date) -> date:
    """The last due date that is "due soon" on `today`."""
    return today + timedelta(days=DUE_SOON_DAYS)


def overdue_q(*, today: date) -> Q:
    return clock_running_q() & Q(due_date__lt=today)


def due_soon_q(*, today: date) -> Q:
    return clock_running_q() & Q(due_date__gte=today, due_date__lte=due_soon_horizon(today=today))


def needs_attention_q(*, today: date) -> Q:
    """Overdue or due soon: the condition of the partial index request_open_due_idx."""
    return clock_running_q() & Q(due_date__lte=due_soon_horizon(today=today))


def responded_day():
    """The local (Asia/Tokyo) day the answer was sent, as an expression."""
    return TruncDate("responded_at", tzinfo=timezone.get_default_timezone())


def on_time_q() -> Q:
    """Answered, with a due date, on or before it."""
    return Q(responded_at__isnull=False, due_date__isnull=False, due_date__gte=responded_day())


def due_status(*, state: str, due_date: date | None, today: date) -> str | None:
    """OVERDUE, DUE_SOON or None for one request, by the same rules as the conditions above."""
    if due_date is None or state not in RequestState.clock_running_states():
        return None
    if due_date < today:
        return OVERDUE
    if due_date <= due_soon_horizon(today=today):
        return DUE_SOON
    return None
