"""Deadline alerts (writes): the hourly scan, the e-mails, the managers' digest, dismissal.

Levels: due within 3 days, due today, overdue, counted in Tokyo days (`timezone.localdate()`
with TIME_ZONE = Asia/Tokyo), so a request due on the 24th is "due today" from 00:00 JST on the
24th and "overdue" from 00:00 JST on the 25th, whatever the server's clock zone.

Exactly once per level: each alert is a row under the unique constraint (request, level,
due date), so two scans racing insert it once. Its e-mail goes out at least once: the scan sends
the pending e-mails in batches over one mail connection, each batch's rows locked
(`FOR UPDATE SKIP LOCKED`, so a second scan running meanwhile skips them) and marked e-mailed
with one UPDATE after the batch was sent; a failed e-mail stays unmarked, so the next scan sends
it. An extension gives the request a new due date, which re-arms every level.

Cost: the scan asks the database only for requests that are due within 3 days or overdue *and*
lack the alert for their current level (partial index `request_open_due_idx`, then the unique
constraint's index for the NOT EXISTS), so it grows with the requests it alerts on, not with all
open requests.

Shared (issue 15): `alert_level`, `send_mail_batch`, `close_quietly`, `ManagerEmails` and
`managers_with_email` are public so that incidents_app raises its clock alerts with the same
levels and the same at-least-once batched e-mail, instead of a copy of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_app.due import due_soon_horizon, needs_attention_q, overdue_q
from requests_app.models import DeadlineAlert, DisclosureRequest, RequestState

logger = logging.getLogger(__name__)

NOT_YOUR_ALERT = _("You can only dismiss your own alerts.")
ALREADY_DISMISSED = _("This alert was already dismissed.")

# Send failures worth retrying at the next scan (the SMTP server is down or refuses).
MAIL_ERRORS = (smtplib.SMTPException, OSError)

LEVEL_ORDER = {
    DeadlineAlert.Level.OVERDUE: 0,
    DeadlineAlert.Level.DUE_TODAY: 1,
    DeadlineAlert.Level.DUE_SOON: 2,
}


@dataclass
class ScanResult:
    raised: int = 0
    emailed: int = 0
    digest_requests: int = 0
    digest_recipients: int = 0
    failed_emails: int = 0


def alert_level(*, due_date: dt.date, today: dt.date) -> str | None:
    """The alert level of a due date on a given Tokyo day (None: not due soon)."""
    if due_date < today:
        return DeadlineAlert.Level.OVERDUE
    if due_date == today:
        return DeadlineAlert.Level.DUE_TODAY
    if due_date <= due_soon_horizon(today=today):
        return DeadlineAlert.Level.DUE_SOON
    return None


def _requests_needing_alerts(today: dt.date):
    """Open requests whose current level has no alert yet (one indexed query)."""
    level = Case(
        When(due_date__lt=today, then=Value(DeadlineAlert.Level.OVERDUE)),
        When(due_date=today, then=Value(DeadlineAlert.Level.DUE_TODAY)),
        default=Value(DeadlineAlert.Level.DUE_SOON),
        output_field=CharField(),
    )
    already = DeadlineAlert.objects.filter(
        request=OuterRef("pk"), level=OuterRef("alert_level"), due_date=OuterRef("due_date")
    )
    return (
        DisclosureRequest.objects.filter(
            # The same condition as the partial index request_open_due_idx, so it is used.
            needs_attention_q(today=today)
        )
        .annotate(alert_level=level)
        .filter(~Exists(already))
        .order_by()  # no sort: the model's default ordering serves no purpose here
        .values_list("pk", "alert_level", "due_date", "assignee_id")
    )


def deadline_alerts_raise(*, today: dt.date | None = None) -> int:
    """Create the missing alert rows for today's levels; returns how many were created."""
    today = today or timezone.localdate()
    rows = [
        DeadlineAlert(request_id=pk, level=level, due_date=due_date, assignee_id=assignee_id)
        for pk, level, due_date, assignee_id in _requests_needing_alerts(today)
    ]
    if not rows:
        return 0
    # A concurrent scan may insert the same rows: the unique constraint keeps one of each.
    DeadlineAlert.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    logger.info("deadline scan raised %s alerts", len(rows))
    return len(rows)


def _request_url(request_id: int) -> str:
    path = reverse("admin:requests_app_disclosurerequest_change", args=[request_id])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def managers_with_email():
    """Active users who may approve responses (the privacy managers), with an e-mail address."""
    User = get_user_model()
    perm = Q(
        groups__permissions__codename="approve_response",
        groups__permissions__content_type__app_label="requests_app",
    ) | Q(
        user_permissions__codename="approve_response",
        user_permissions__content_type__app_label="requests_app",
    )
    return User.objects.filter(perm, is_active=True).exclude(email="").distinct().order_by("pk")


def _level_text(level: str) -> str:
    return str(DeadlineAlert.Level(level).label)


def _alert_email(alert: DeadlineAlert) -> tuple[str, str]:
    """Subject and body: the reference, type, state and due date; never the person's name."""
    request = alert.request
    subject = gettext("[Privacy Office] %(reference)s: %(level)s") % {
        "reference": request.reference,
        "level": _level_text(alert.level),
    }
    body = gettext(
        "Privacy request %(reference)s (%(type)s) is %(level)s.\n"
        "Due date: %(due)s\nState: %(state)s\n\n%(url)s\n"
    ) % {
        "reference": request.reference,
        "type": request.get_request_type_display(),
        "level": _level_text(alert.level).lower(),
        "due": date_format(alert.due_date),
        "state": request.get_state_display(),
        "url": _request_url(request.pk),
    }
    return subject, body


def _alert_recipients(alert: DeadlineAlert, managers: ManagerEmails) -> list[str]:
    if alert.assignee_id and alert.assignee.is_active and alert.assignee.email:
        return [alert.assignee.email]
    # Nobody is assigned: the managers must hear of it, or nobody would.
    return managers()


class ManagerEmails:
    """The managers' addresses, looked up once per scan and only if an e-mail needs them."""

    def __init__(self) -> None:
        self._emails: list[str] | None = None

    def __call__(self) -> list[str]:
        if self._emails is None:
            self._emails = [user.email for user in managers_with_email()]
        return list(self._emails)


# bench (issue 8): e-mails per batch. One mail connection serves the whole scan and each batch
# costs one SELECT and one UPDATE, instead of a connection, a claim and a send per alert.
EMAIL_BATCH_SIZE = 100


def send_mail_batch(connection, messages: list[tuple[int, EmailMessage]]) -> tuple[list[int], int]:
    """Send the batch over the open connection; returns (ids of the alerts sent, failed count).

    The batch goes in one `send_messages`. If it fails part-way, the messages are sent again one
    by one, so one refused address does not hold the others back: the messages that had gone out
    before the failure are then sent a second time (at least once, never lost).
    """
    try:
        connection.open()
        connection.send_messages([message for _pk, message in messages])
        return [pk for pk, _message in messages], 0
    except MAIL_ERRORS as exc:
        logger.warning("alert e-mail batch failed (%s); sending one by one", type(exc).__name__)
        close_quietly(connection)
    sent_ids, failed = [], 0
    for pk, message in messages:
        try:
            connection.open()
            connection.send_messages([message])
        except MAIL_ERRORS as exc:
            logger.warning("alert %s e-mail failed (%s)", pk, type(exc).__name__)
            close_quietly(connection)
            failed += 1
            continue
        sent_ids.append(pk)
    return sent_ids, failed


def close_quietly(connection) -> None:
    """Close the connection (after a failed send it may be broken; the next open reconnects)."""
    with contextlib.suppress(*MAIL_ERRORS):
        connection.close()


def deadline_alerts_email(
    *, limit: int = 1000, connection=None, batch_size: int | None = None
) -> tuple[int, int]:
    """E-mail every alert not yet e-mailed; returns (sent, failed).

    Delivery is at least once, not exactly once: a batch's rows are marked e-mailed by one
    UPDATE after the whole batch was handed to the mail server, in the transaction that locked
    them. If the process dies (or the commit fails) after some of a batch's e-mails went out,
    the rows stay unmarked and the next scan sends that batch again: an alert may be e-mailed
    twice, never lost. A failed e-mail is left unmarked and sent at the next scan.
    """
    pending_ids = list(
        DeadlineAlert.objects.filter(emailed_at__isnull=True)
        .order_by("raised_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not pending_ids:
        return 0, 0
    batch_size = batch_size or EMAIL_BATCH_SIZE
    own_connection = connection is None
    connection = connection or get_connection()
    managers = ManagerEmails()
    sent = failed = 0
    try:
        for start in range(0, len(pending_ids), batch_size):
            batch_sent, batch_failed = _email_batch(
                pending_ids[start : start + batch_size], connection, managers
            )
            sent += batch_sent
            failed += batch_failed
            if batch_failed and not batch_sent:
                # Nothing of this batch went out (the server is down): the next scan retries.
                break
    finally:
        if own_connection:
            close_quietly(connection)
    return sent, failed


def _email_batch(ids: list[int], connection, managers: ManagerEmails) -> tuple[int, int]:
    with transaction.atomic():
        # Rows another scan is sending right now are locked: skip them rather than send twice.
        alerts = list(
            DeadlineAlert.objects.filter(pk__in=ids, emailed_at__isnull=True)
            .select_related("request", "assignee")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("raised_at", "pk")
        )
        settled, messages = [], []
        for alert in alerts:
            request = alert.request
            if request.state not in RequestState.clock_running_states() or (
                request.due_date != alert.due_date
            ):
                # Answered or extended since: nothing to warn about; mark it so it is not retried.
                settled.append(alert.pk)
                continue
            recipients = _alert_recipients(alert, managers)
            if not recipients:
                logger.warning("alert %s: nobody to e-mail (no assignee, no manager)", alert.pk)
                settled.append(alert.pk)
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = _alert_email(alert)
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            messages.append((alert.pk, message))
        sent_ids, failed = send_mail_batch(connection, messages) if messages else ([], 0)
        done = settled + sent_ids
        if done:
            DeadlineAlert.objects.filter(pk__in=done).update(emailed_at=timezone.now())
    for alert in alerts:
        if alert.pk in sent_ids:
            logger.info(
                "alert %s (%s) e-mailed for request %s", alert.pk, alert.level, alert.request_id
            )
    return len(sent_ids), failed


def deadline_overdue_digest(*, today: dt.date | None = None, connection=None) -> tuple[int, int]:
    """Once a day while requests are overdue, one e-mail to the managers listing them.

    Returns (requests listed, recipients). The day is claimed per alert with a conditional
    update, so a second scan the same day sends nothing new.
    """
    today = today or timezone.localdate()
    overdue_requests = DisclosureRequest.objects.filter(overdue_q(today=today)).values("pk")
    candidates = DeadlineAlert.objects.filter(
        request__in=overdue_requests,
        level=DeadlineAlert.Level.OVERDUE,
        due_date=F("request__due_date"),
    ).filter(Q(managers_notified_on__isnull=True) | Q(managers_notified_on__lt=today))
    ids = list(candidates.values_list("pk", flat=True))
    if not ids:
        return 0, 0
    with transaction.atomic():
        # Claim for today: rows another scan claimed meanwhile drop out here.
        claimable = DeadlineAlert.objects.filter(pk__in=ids).filter(
            Q(managers_notified_on__isnull=True) | Q(managers_notified_on__lt=today)
        )
        previous = dict(claimable.values_list("pk", "managers_notified_on"))
        DeadlineAlert.objects.filter(pk__in=list(previous)).update(managers_notified_on=today)
    if not previous:
        return 0, 0
    alerts = list(
        DeadlineAlert.objects.filter(pk__in=list(previous))
        .select_related("request", "request__assignee")
        .order_by("due_date", "request__reference")
    )
    recipients = [user.email for user in managers_with_email()]
    if not recipients:
        logger.warning("overdue digest: no manager with an e-mail address")
        return len(alerts), 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("[Privacy Office] %(count)s overdue privacy requests") % {
            "count": len(alerts)
        }
        lines = [
            gettext("Privacy requests past their due date, as of %(today)s:")
            % {"today": date_format(today)},
            # Issue 13: a person's letter is one case however many rights it asks for.
            gettext("Overdue requests: %(rights)s; cases they belong to: %(cases)s.")
            % {
                "rights": len(alerts),
                "cases": len({alert.request.case_id for alert in alerts}),
            },
            "",
        ]
        for alert in alerts:
            request = alert.request
            lines.append(
                gettext(
                    "%(reference)s  due %(due)s (%(days)s days overdue)  %(type)s  "
                    "assignee: %(assignee)s\n  %(url)s"
                )
                % {
                    "reference": request.reference,
                    "due": date_format(alert.due_date),
                    "days": (today - alert.due_date).days,
                    "type": request.get_request_type_display(),
                    "assignee": request.assignee.get_username()
                    if request.assignee_id
                    else gettext("nobody"),
                    "url": _request_url(request.pk),
                }
            )
    message = EmailMessage(
        subject, "\n".join(lines) + "\n", settings.DEFAULT_FROM_EMAIL, recipients
    )
    try:
        # The scan's connection when it passes one, otherwise a connection of its own.
        if connection is None:
            get_connection().send_messages([message])
        else:
            connection.open()
            connection.send_messages([message])
    except MAIL_ERRORS as exc:
        # Give the day back so the next scan sends the digest.
        for pk, before in previous.items():
            DeadlineAlert.objects.filter(pk=pk, managers_notified_on=today).update(
                managers_notified_on=before
            )
        logger.warning("overdue digest e-mail failed (%s)", type(exc).__name__)
        return 0, 0
    logger.info("overdue digest: %s requests to %s managers", len(alerts), len(recipients))
    return len(alerts), len(recipients)


def deadline_alerts_scan(*, today: dt.date | None = None) -> ScanResult:
    """The hourly job: raise the missing alerts, e-mail them, send the overdue digest."""
    today = today or timezone.localdate()
    result = ScanResult()
    result.raised = deadline_alerts_raise(today=today)
    # One mail connection for the whole scan (opened only when there is something to send).
    connection = get_connection()
    try:
        result.emailed, result.failed_emails = deadline_alerts_email(connection=connection)
        result.digest_requests, result.digest_recipients = deadline_overdue_digest(
            today=today, connection=connection
        )
    finally:
        close_quietly(connection)
    return result


def deadline_alert_dismiss(*, alert: DeadlineAlert, by) -> DeadlineAlert:
    """Hide an alert from the admin home page (the alert itself is kept)."""
    allowed = alert.assignee_id == by.pk or (
        alert.assignee_id is None and by.has_perm("requests_app.approve_response")
    )
    if not allowed:
        raise PermissionError(NOT_YOUR_ALERT)
    updated = DeadlineAlert.objects.filter(pk=alert.pk, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )
    if not updated:
        raise ValueError(ALREADY_DISMISSED)
    alert.refresh_from_db()
    logger.info("alert %s dismissed by user %s", alert.pk, by.pk)
    return alert
