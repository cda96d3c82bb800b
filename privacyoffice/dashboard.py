"""Selectors of the compliance dashboard: a fixed, small number of aggregate queries.

The request figures staff act on are live (one query each, index-only): open requests per state,
due soon, overdue, on-time rate and median days to respond. The aggregates that read many rows
are stored in DashboardSummary by a beat task every few minutes, and the page shows when they
were computed: consent rates and suppressions (millions of consent rows), requests per month
over 12 months (tens of thousands of requests) and identity documents awaiting purge (a join of
the unpurged documents to their requests). bench (issue 8): those two took ~75 of the page's
~80 ms in the database at 100,000 requests.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from common.dates import start_of_day
from consent_app.models import (
    ConsentFlag,
    ConsentState,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)
from incidents_app.selectors import IncidentFigures, incident_dashboard_figures
from requests_app import selectors as request_selectors
from requests_app.due import due_soon_q, on_time_q, overdue_q, responded_day
from requests_app.models import (
    DisclosureRequest,
    RequestState,
    RequestType,
)

from .dashboard_lawful import lawful_summary_compute
from .models import DashboardSummary, WorkerHeartbeat
from .reports.columns import DaysBetween

logger = logging.getLogger(__name__)

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 30
AGREEMENT_WARNING_DAYS = 60
MONTHS = 12
# The stored summary's key (named when it held the consent figures only; kept so that a summary
# already stored is still found).
SUMMARY_KEY = "consent"
# Beat refreshes every 4 minutes; older than this the page says so.
SUMMARY_FRESH_FOR = timedelta(minutes=5)
# Older than this (beat down), the page recomputes rather than show stale figures.
SUMMARY_RECOMPUTE_AFTER = timedelta(minutes=30)

OPEN_STATES: list[str] = list(RequestState.open_states())


class Median(Aggregate):
    """percentile_cont(0.5): the median, computed by PostgreSQL."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


# --- requests: live ---------------------------------------------------------------------------
# Overdue, due soon and on time are defined once, in requests_app.due: the request list's
# `?due=` filter, which each figure links to, uses the same conditions.
def request_counts(*, today: date) -> dict[str, int]:
    """Open requests per state, due soon and overdue, and the cases of the open and overdue ones:
    one query over the open requests."""
    aggregates = {state: Count("pk", filter=Q(state=state)) for state in OPEN_STATES}
    aggregates["due_soon"] = Count("pk", filter=due_soon_q(today=today))
    aggregates["overdue"] = Count("pk", filter=overdue_q(today=today))
    # Issue 13: the cases (受付案件) those rights belong to, in the same query.
    aggregates["open_cases"] = Count("case", distinct=True)
    aggregates["overdue_cases"] = Count("case", distinct=True, filter=overdue_q(today=today))
    counts = DisclosureRequest.objects.filter(state__in=OPEN_STATES).aggregate(**aggregates)
    counts["open"] = sum(counts[state] for state in OPEN_STATES)
    return counts


@dataclass
class Performance:
    period_days: int
    start: date
    responded: int = 0
    with_due_date: int = 0
    on_time: int = 0
    median_days: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        if not self.with_due_date:
            return None
        return self.on_time / self.with_due_date

    @property
    def late(self) -> int:
        return self.with_due_date - self.on_time


def response_performance(*, today: date, period_days: int) -> Performance:
    """On-time rate and median days to respond, over requests answered in the period.

    Days to respond count from the day the form and ID documents arrived (the clock start) to
    the local day the response was sent; on time means sent on or before the due date.
    """
    start = today - timedelta(days=period_days - 1)
    answered = DisclosureRequest.objects.filter(responded_at__gte=start_of_day(start))
    days = DaysBetween("documents_received_on", responded_day())
    has_clock = Q(documents_received_on__isnull=False)
    aggregates: dict[str, Aggregate] = {
        "responded": Count("pk"),
        "with_due_date": Count("pk", filter=Q(due_date__isnull=False)),
        "on_time": Count("pk", filter=on_time_q()),
    }
    if connection.vendor == "postgresql":
        aggregates["median_days"] = Median(days, filter=has_clock)
    result = answered.aggregate(**aggregates)
    performance = Performance(period_days=period_days, start=start)
    performance.responded = result["responded"]
    performance.with_due_date = result["with_due_date"]
    performance.on_time = result["on_time"]
    if connection.vendor == "postgresql":
        performance.median_days = result["median_days"]
    else:
        # SQLite (the laptop default) has no percentile: one more query, the period's day counts.
        values = list(answered.filter(has_clock).annotate(days=days).values_list("days", flat=True))
        performance.median_days = float(statistics.median(values)) if values else None
    return performance


def month_starts(*, today: date, months: int = MONTHS) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


@dataclass
class MonthRow:
    start: date
    end: date  # exclusive: the first day of the next month
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _month_end(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1)


def requests_per_month(*, today: date, months: int = MONTHS) -> list[MonthRow]:
    """Requests received per month and type over the last `months` months (this one included)."""
    starts = month_starts(today=today, months=months)
    rows = {
        start: MonthRow(
            start=start, end=_month_end(start), counts=dict.fromkeys(RequestType.values, 0)
        )
        for start in starts
    }
    grouped = (
        DisclosureRequest.objects.filter(received_at__gte=start_of_day(starts[0]))
        .annotate(month=TruncMonth("received_at", tzinfo=timezone.get_default_timezone()))
        .values("month", "request_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in grouped:
        month = item["month"]
        key = timezone.localtime(month) if isinstance(month, datetime) else month
        key = key.date() if isinstance(key, datetime) else key
        if key in rows and item["request_type"] in rows[key].counts:
            rows[key].counts[item["request_type"]] = item["n"]
    return [rows[start] for start in starts]


def agreements_ending(*, today: date) -> list[Mapping[str, Any]]:
    """Active recipients whose agreement ends today or within AGREEMENT_WARNING_DAYS days."""
    return list(
        Recipient.objects.filter(
            active=True,
            agreement_end__gte=today,
            agreement_end__lte=today + timedelta(days=AGREEMENT_WARNING_DAYS),
        )
        .order_by("agreement_end", "pk")
        .values("pk", "name", "agreement_reference", "agreement_end")
    )


def identity_documents_awaiting_purge(*, now: datetime) -> int:
    """Documents whose purge is due (what the purge task will take next): the purge's own
    selector, which the `?purge=due` list this number links to filters by too."""
    return request_selectors.identity_documents_due_for_purge(now=now).count()


def worker_heartbeats() -> list[WorkerHeartbeat]:
    return list(WorkerHeartbeat.objects.order_by("name"))


# --- consent: the summary refreshed by beat ---------------------------------------------------
def consent_summary_compute() -> dict:
    """Consent rates per purpose and channel, and suppressions in force (four queries)."""
    purposes = list(
        PurposeOfUse.objects.order_by("sort_order", "code").values(
            "pk", "code", "title_ja", "title_en", "channels", "active"
        )
    )
    counts = {
        (row["purpose_id"], row["channel"]): row
        for row in ConsentFlag.objects.values("purpose_id", "channel")
        .annotate(
            granted=Count("pk", filter=Q(state=ConsentState.GRANTED)),
            withdrawn=Count("pk", filter=Q(state=ConsentState.WITHDRAWN)),
        )
        .order_by()
    }
    # A customer who asked us to stop provision to all recipients is not provided to, whatever
    # the flag says: for a third-party provision purpose their "granted" counts as suppressed,
    # out of the consent rate (the flag itself stays: the ledger is the person's own words).
    # Counted from the suppressions in force (few) joined to the flags, not per flag.
    suppressed = {
        (row["purpose_id"], row["channel"]): row["n"]
        for row in ConsentFlag.objects.filter(
            state=ConsentState.GRANTED,
            purpose__is_third_party_provision=True,
            customer_id__in=ProvisionSuppression.objects.filter(
                lifted_at__isnull=True, recipient__isnull=True
            ).values("customer_id"),
        )
        .values("purpose_id", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rates = []
    for purpose in purposes:
        channels = list(purpose["channels"] or [])
        # Channels with flags but no longer listed on the purpose still show.
        channels += [c for (pid, c) in counts if pid == purpose["pk"] and c not in channels]
        for channel in channels:
            key = (purpose["pk"], channel)
            row = counts.get(key, {})
            if not purpose["active"] and not row:
                continue
            rates.append(
                {
                    "purpose_id": purpose["pk"],
                    "code": purpose["code"],
                    "title_ja": purpose["title_ja"],
                    "title_en": purpose["title_en"],
                    "channel": channel,
                    "granted": row.get("granted", 0) - suppressed.get(key, 0),
                    "suppressed": suppressed.get(key, 0),
                    "withdrawn": row.get("withdrawn", 0),
                }
            )
    suppressions = ProvisionSuppression.objects.filter(lifted_at__isnull=True).aggregate(
        total=Count("pk"),
        all_recipients=Count("pk", filter=Q(recipient__isnull=True)),
        one_recipient=Count("pk", filter=Q(recipient__isnull=False)),
    )
    return {"consent_rates": rates, "suppressions": suppressions}


# --- requests: the aggregates over many rows, in the same summary -------------------------------
def request_summary_compute(*, now: datetime) -> dict:
    """Requests per month and type over 12 months, and documents awaiting purge (two queries)."""
    today = timezone.localdate(now)
    return {
        "requests_per_month": [
            {"start": row.start.isoformat(), "counts": row.counts}
            for row in requests_per_month(today=today)
        ],
        "documents_awaiting_purge": identity_documents_awaiting_purge(now=now),
    }


def summary_months(summary: DashboardSummary, *, today: date) -> list[MonthRow] | None:
    """The stored per-month counts, or None when they are not those of today's 12 months.

    None for a summary stored before the month turned (the first minutes of a month) or by a
    version that did not store them: the page then counts the months itself.
    """
    stored = summary.data.get("requests_per_month")
    starts = month_starts(today=today)
    if not stored or [row.get("start") for row in stored] != [s.isoformat() for s in starts]:
        return None
    return [
        MonthRow(
            start=start,
            end=_month_end(start),
            counts={t: int(row["counts"].get(t, 0)) for t in RequestType.values},
        )
        for start, row in zip(starts, stored, strict=True)
    ]


def dashboard_summary_refresh() -> DashboardSummary:
    started = time.monotonic()
    now = timezone.now()
    data = {
        **consent_summary_compute(),
        **request_summary_compute(now=now),
        **lawful_summary_compute(today=timezone.localdate(now)),
    }
    duration_ms = int((time.monotonic() - started) * 1000)
    summary, _created = DashboardSummary.objects.update_or_create(
        key=SUMMARY_KEY,
        defaults={"data": data, "computed_at": now, "duration_ms": duration_ms},
    )
    logger.info("dashboard summary refreshed in %s ms", duration_ms)
    return summary


def dashboard_summary_get(*, now: datetime) -> DashboardSummary:
    """The stored summary; recomputed here only when missing or far too old (beat is down)."""
    summary = DashboardSummary.objects.filter(key=SUMMARY_KEY).first()
    if summary is None or summary.computed_at < now - SUMMARY_RECOMPUTE_AFTER:
        summary = dashboard_summary_refresh()
    return summary


@dataclass
class Dashboard:
    today: date
    now: datetime
    requests: dict[str, int]
    performance: Performance
    months: list[MonthRow]
    agreements: list[Mapping[str, Any]]
    documents_awaiting_purge: int
    summary: DashboardSummary
    heartbeats: list[WorkerHeartbeat]
    # Leak incidents and entrustee supervision (incidents_app, issue 15): live, 3 queries.
    incidents: IncidentFigures | None = None
    # False when the page had to count them itself (the summary did not hold them).
    months_from_summary: bool = True
    documents_from_summary: bool = True

    @property
    def summary_is_fresh(self) -> bool:
        return self.summary.computed_at >= self.now - SUMMARY_FRESH_FOR


def dashboard_get(*, period_days: int = DEFAULT_PERIOD, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries whatever the data size."""
    if period_days not in PERIODS:
        raise ValueError(period_days)
    now = now or timezone.now()
    today = timezone.localdate(now)
    summary = dashboard_summary_get(now=now)
    months = summary_months(summary, today=today)
    documents = summary.data.get("documents_awaiting_purge")
    return Dashboard(
        today=today,
        now=now,
        requests=request_counts(today=today),
        performance=response_performance(today=today, period_days=period_days),
        months=months if months is not None else requests_per_month(today=today),
        agreements=agreements_ending(today=today),
        documents_awaiting_purge=(
            documents if documents is not None else identity_documents_awaiting_purge(now=now)
        ),
        summary=summary,
        heartbeats=worker_heartbeats(),
        incidents=incident_dashboard_figures(today=today),
        months_from_summary=months is not None,
        documents_from_summary=documents is not None,
    )
