"""Reads for letters and deadline alerts: the admin home's alerts, a request's letters."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from requests_app.models import DeadlineAlert, DisclosureRequest, Letter, RequestState

HOME_ALERT_LIMIT = 20


def alerts_open_for_user(*, user, limit: int = HOME_ALERT_LIMIT) -> list[DeadlineAlert]:
    """The user's alerts still worth showing, most urgent first (one query).

    An alert is open while it is not dismissed, its request still runs the clock and the due
    date it warned about is still the request's due date (an extension re-arms new ones).
    Managers also see alerts of requests nobody is assigned to.
    """
    mine = Q(assignee=user)
    if user.has_perm("requests_app.approve_response"):
        mine |= Q(assignee__isnull=True)
    alerts = (
        DeadlineAlert.objects.filter(mine, dismissed_at__isnull=True)
        .filter(
            request__state__in=RequestState.clock_running_states(),
            request__due_date=F("due_date"),
        )
        .select_related("request")
        .order_by("due_date", "-raised_at")
    )
    # Only the highest level per request: "overdue" replaces "due today" replaces "due soon".
    seen: set[int] = set()
    result: list[DeadlineAlert] = []
    for alert in alerts[: limit * 3]:
        if alert.request_id in seen:
            continue
        seen.add(alert.request_id)
        result.append(alert)
    order = {DeadlineAlert.Level.OVERDUE: 0, DeadlineAlert.Level.DUE_TODAY: 1}
    result.sort(key=lambda a: (order.get(a.level, 2), a.due_date))
    return result[:limit]


def alerts_for_request(*, request: DisclosureRequest) -> QuerySet[DeadlineAlert]:
    """Every alert raised on a request (for the request page), newest first."""
    return request.alerts.select_related("assignee").order_by("-raised_at")


def letter_file_stem(*, letter: Letter) -> str:
    """The start of a letter's download name: its request's reference, or (a letter to a
    customer, e.g. a leak notice) its occasion; never the person's name."""
    return letter.request.reference if letter.request_id else letter.occasion


def letters_for_request(*, request: DisclosureRequest) -> QuerySet[Letter]:
    return request.letters.select_related("template", "sent_by").order_by("-created_at")
