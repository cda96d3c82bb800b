"""incidents_app reads: an incident page's figures, the home alerts, the dashboard's counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from requests_app.models import DisclosureRequest, Letter, LetterKind
from requests_app.selectors import requests_citing_incident

from .alerts import PENDING_CHECK, alert_still_due
from .letters import notice_occasion
from .models import (
    AffectedCategory,
    Entrustee,
    Incident,
    IncidentAlert,
    IncidentState,
    SupervisionCheck,
)

HOME_ALERT_LIMIT = 20
ALERT_ORDER = {"overdue": 0, "due_today": 1, "due_soon": 2}


def affected_by_category(*, incident: Incident) -> list[tuple[str, str, int]]:
    """(category, label, count) of the snapshot, in the categories' order (one query)."""
    counts = dict(
        incident.affected.values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    return [
        (value, str(label), counts[value])
        for value, label in AffectedCategory.choices
        if counts.get(value)
    ]


def notice_progress(*, incident: Incident) -> dict[str, int]:
    """Notice letters of the incident by status (queued, generated, sent, failed)."""
    rows = (
        Letter.objects.filter(
            request__isnull=True,
            kind=LetterKind.INCIDENT_NOTICE,
            occasion=notice_occasion(incident.pk),
        )
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def incident_citing_requests(*, incident: Incident) -> QuerySet[DisclosureRequest]:
    return requests_citing_incident(reference=incident.reference)


def incident_alerts_open_for_user(*, user, limit: int = HOME_ALERT_LIMIT) -> list[IncidentAlert]:
    """The managers' open incident and supervision alerts, most urgent first."""
    if not user.has_perm("incidents_app.report_incident"):
        return []
    alerts = (
        IncidentAlert.objects.filter(dismissed_at__isnull=True)
        .select_related("incident", "check_sheet", "check_sheet__entrustee")
        .order_by("due_date", "-raised_at")[: limit * 4]
    )
    best: dict[tuple, IncidentAlert] = {}
    for alert in alerts:
        if not alert_still_due(alert):
            continue
        key = (alert.incident_id, alert.check_sheet_id, alert.clock)
        current = best.get(key)
        if current is None or ALERT_ORDER.get(alert.level, 3) < ALERT_ORDER.get(current.level, 3):
            best[key] = alert
    result = sorted(best.values(), key=lambda a: (ALERT_ORDER.get(a.level, 3), a.due_date))
    return result[:limit]


@dataclass(frozen=True)
class IncidentFigures:
    open_incidents: int
    unclassified: int
    preliminary_overdue: int
    final_overdue: int
    checks_overdue: int
    entrustees_unscheduled: int


def incident_dashboard_figures(*, today: dt.date | None = None) -> IncidentFigures:
    """The dashboard's incident and supervision counts (two queries, on partial indexes)."""
    today = today or timezone.localdate()
    figures = Incident.objects.exclude(state=IncidentState.CLOSED).aggregate(
        open=Count("pk"),
        unclassified=Count("pk", filter=Q(state=IncidentState.LOGGED)),
        preliminary_overdue=Count(
            "pk",
            filter=Q(
                state__in=[IncidentState.LOGGED, IncidentState.REPORTABLE],
                preliminary_submitted_on__isnull=True,
                preliminary_due__lt=today,
            ),
        ),
        final_overdue=Count(
            "pk", filter=Q(state__in=IncidentState.clock_running(), final_due__lt=today)
        ),
    )
    checks_overdue = SupervisionCheck.objects.filter(
        state__in=PENDING_CHECK, due_on__lt=today
    ).count()
    unscheduled = (
        Entrustee.objects.filter(active=True)
        .filter(Q(next_check_due__isnull=True) | Q(next_check_due__lt=today))
        .exclude(checks__state__in=PENDING_CHECK)
        .distinct()
        .count()
    )
    return IncidentFigures(
        open_incidents=figures["open"],
        unclassified=figures["unclassified"],
        preliminary_overdue=figures["preliminary_overdue"],
        final_overdue=figures["final_overdue"],
        checks_overdue=checks_overdue,
        entrustees_unscheduled=unscheduled,
    )
