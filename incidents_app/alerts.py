"""Alerts before the leak-report clocks and the check-sheet due dates (writes).

The machinery is the request alerts' (requests_app.letters.alerts): the same levels (due within
3 days, due today, overdue, in Tokyo days, from `alert_level`), exactly once per level through a
unique constraint, and the same batched at-least-once e-mail (`send_mail_batch`) to the privacy
managers (`ManagerEmails`). Only what is alerted on differs: an incident's preliminary and final
report dates while a report is owed, and an entrustee's check-sheet until it is reviewed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app.due import due_soon_horizon
from requests_app.letters.alerts import (
    ManagerEmails,
    alert_level,
    close_quietly,
    send_mail_batch,
)
from requests_app.models import DeadlineAlert

from .models import ClockKind, Incident, IncidentAlert, IncidentState, SupervisionCheck

logger = logging.getLogger(__name__)

NOT_YOURS = _("Only a privacy manager may dismiss incident alerts.")
ALREADY_DISMISSED = _("This alert was already dismissed.")
EMAIL_BATCH_SIZE = 100
PRELIMINARY_OWED = (IncidentState.LOGGED, IncidentState.REPORTABLE)
PENDING_CHECK = (SupervisionCheck.State.OPEN, SupervisionCheck.State.ANSWERED)


@dataclass
class IncidentScanResult:
    raised: int = 0
    emailed: int = 0
    failed_emails: int = 0


def _due_now(today: dt.date) -> list[tuple[int | None, int | None, str, dt.date]]:
    """(incident id, check id, clock, due date) of every clock due within the alert window."""
    horizon = due_soon_horizon(today=today)
    found: list[tuple[int | None, int | None, str, dt.date]] = []
    # Served by the partial index incident_clock_idx.
    for pk, due in Incident.objects.filter(
        state__in=PRELIMINARY_OWED,
        preliminary_submitted_on__isnull=True,
        preliminary_due__lte=horizon,
    ).values_list("pk", "preliminary_due"):
        found.append((pk, None, ClockKind.PRELIMINARY, due))
    for pk, due in Incident.objects.filter(
        state__in=IncidentState.clock_running(), final_due__lte=horizon
    ).values_list("pk", "final_due"):
        found.append((pk, None, ClockKind.FINAL, due))
    # Served by the partial index check_pending_due_idx.
    for pk, due in SupervisionCheck.objects.filter(
        state__in=PENDING_CHECK, due_on__lte=horizon
    ).values_list("pk", "due_on"):
        found.append((None, pk, ClockKind.SUPERVISION, due))
    return found


def incident_alerts_raise(*, today: dt.date | None = None) -> int:
    """Create the missing alert rows for today's levels; returns how many were created."""
    today = today or timezone.localdate()
    wanted = [
        IncidentAlert(
            incident_id=incident_id,
            check_sheet_id=check_id,
            clock=clock,
            level=alert_level(due_date=due, today=today),
            due_date=due,
        )
        for incident_id, check_id, clock, due in _due_now(today)
    ]
    if not wanted:
        return 0
    existing = set(
        IncidentAlert.objects.filter(due_date__in={a.due_date for a in wanted}).values_list(
            "incident_id", "check_sheet_id", "clock", "level", "due_date"
        )
    )
    rows = [
        a
        for a in wanted
        if (a.incident_id, a.check_sheet_id, a.clock, a.level, a.due_date) not in existing
    ]
    # A concurrent scan may insert the same rows: the partial unique constraints keep one.
    IncidentAlert.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        logger.info("incident scan raised %s alerts", len(rows))
    return len(rows)


def _url(alert: IncidentAlert) -> str:
    if alert.incident_id:
        path = reverse("admin:incidents_app_incident_change", args=[alert.incident_id])
    else:
        path = reverse("admin:incidents_app_supervisioncheck_change", args=[alert.check_sheet_id])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _subject_and_body(alert: IncidentAlert) -> tuple[str, str]:
    """The reference, clock, level and due date; never a person's name."""
    level = str(DeadlineAlert.Level(alert.level).label)
    if alert.incident_id:
        what = alert.incident.reference
    else:
        what = gettext("check-sheet of entrustee %(id)s") % {"id": alert.check_sheet.entrustee_id}
    subject = gettext("[Privacy Office] %(what)s: %(clock)s %(level)s") % {
        "what": what,
        "clock": alert.get_clock_display(),
        "level": level,
    }
    body = gettext("%(what)s: %(clock)s is %(level)s.\nDue date: %(due)s\n\n%(url)s\n") % {
        "what": what,
        "clock": alert.get_clock_display(),
        "level": level.lower(),
        "due": date_format(alert.due_date),
        "url": _url(alert),
    }
    return subject, body


def alert_still_due(alert: IncidentAlert) -> bool:
    if alert.clock == ClockKind.SUPERVISION:
        check = alert.check_sheet
        return check.state in PENDING_CHECK and check.due_on == alert.due_date
    incident = alert.incident
    if alert.clock == ClockKind.PRELIMINARY:
        return (
            incident.state in PRELIMINARY_OWED
            and incident.preliminary_submitted_on is None
            and incident.preliminary_due == alert.due_date
        )
    return incident.state in IncidentState.clock_running() and incident.final_due == alert.due_date


def incident_alerts_email(*, connection=None, limit: int = 1000) -> tuple[int, int]:
    """E-mail every alert not yet e-mailed to the managers; returns (sent, failed).

    At least once, as for request alerts: a batch's rows are locked (skip locked) and marked
    e-mailed after the batch was handed to the mail server.
    """
    ids = list(
        IncidentAlert.objects.filter(emailed_at__isnull=True)
        .order_by("raised_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0, 0
    own = connection is None
    connection = connection or get_connection()
    managers = ManagerEmails()
    sent = failed = 0
    try:
        for start in range(0, len(ids), EMAIL_BATCH_SIZE):
            with transaction.atomic():
                alerts = list(
                    IncidentAlert.objects.filter(
                        pk__in=ids[start : start + EMAIL_BATCH_SIZE], emailed_at__isnull=True
                    )
                    .select_related("incident", "check_sheet")
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("raised_at", "pk")
                )
                settled, messages = [], []
                recipients = managers()
                for alert in alerts:
                    if not alert_still_due(alert) or not recipients:
                        settled.append(alert.pk)
                        continue
                    with translation.override(settings.LANGUAGE_CODE):
                        subject, body = _subject_and_body(alert)
                    messages.append(
                        (
                            alert.pk,
                            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients),
                        )
                    )
                sent_ids, batch_failed = (
                    send_mail_batch(connection, messages) if messages else ([], 0)
                )
                done = settled + sent_ids
                if done:
                    IncidentAlert.objects.filter(pk__in=done).update(emailed_at=timezone.now())
            sent += len(sent_ids)
            failed += batch_failed
            if batch_failed and not sent_ids:
                break  # the mail server is down: the next scan retries
    finally:
        if own:
            close_quietly(connection)
    return sent, failed


def incident_alerts_scan(*, today: dt.date | None = None) -> IncidentScanResult:
    """The hourly job: raise the missing alerts, then e-mail them."""
    result = IncidentScanResult()
    result.raised = incident_alerts_raise(today=today)
    result.emailed, result.failed_emails = incident_alerts_email()
    return result


def incident_alert_dismiss(*, alert: IncidentAlert, by) -> IncidentAlert:
    if not by.has_perm("incidents_app.report_incident"):
        raise PermissionDenied(NOT_YOURS)
    updated = IncidentAlert.objects.filter(pk=alert.pk, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )
    if not updated:
        raise ValueError(ALREADY_DISMISSED)
    alert.refresh_from_db()
    logger.info("incident alert %s dismissed by user %s", alert.pk, by.pk)
    return alert
