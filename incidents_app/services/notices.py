"""Notices to the people affected (APPI Art. 26(2), PPC Rule 10) (writes).

One leak-notice `Letter` per person in the frozen snapshot, in the person's preferred language,
rendered by requests_app's one letter task. Exactly once: the letters are inserted by one
INSERT … SELECT under the unique constraint (customer, kind, occasion = the incident), so a
second queueing inserts nothing; each render claims its row (a killed worker's letter is
redelivered or swept, and produced once). Publishing 100,000 render tasks takes a while, so the
web request only inserts the rows and queues one task that publishes them.

Where individual notice is difficult, a public announcement (with a contact) replaces it: its
reason and date are recorded instead.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consent_app.models import Customer
from requests_app.letters.services import BROKER_ERRORS, letter_template_current
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, LetterKind

from ..letters import notice_occasion
from ..models import AffectedPerson, Incident, IncidentState, NoticeMethod
from ..tasks import incident_notices_publish
from .incidents import NO_PERMISSION_REPORT

logger = logging.getLogger(__name__)

NOT_FROZEN = _("Freeze the people affected first: notices go to the frozen snapshot.")
NOT_REPORTABLE = _("Notices are owed for an incident classified as reportable.")
ALREADY_QUEUED = _("The notices of this incident were already queued on %(date)s.")
PUBLIC_INSTEAD = _(
    "A public announcement replaces individual notice for this incident; no letters are sent."
)
NO_ONE = _("The snapshot holds no one to notify.")
REASON_REQUIRED = _("Say why individual notice is difficult (PPC Rule 10 proviso).")
ANNOUNCED_IN_FUTURE = _("An announcement date cannot be in the future.")
NO_TEMPLATE = _("There is no current leak-notice letter template in %(language)s.")
NOTICE_STATES = (
    IncidentState.REPORTABLE,
    IncidentState.PRELIMINARY_REPORTED,
    IncidentState.FINAL_REPORTED,
)
PUBLISH_CHUNK = 2000


def _check(by) -> None:
    if not by.has_perm("incidents_app.report_incident"):
        raise PermissionDenied(NO_PERMISSION_REPORT)


def _templates() -> dict[str, int]:
    ids = {}
    for language in ("ja", "en"):
        template = letter_template_current(
            kind=LetterKind.INCIDENT_NOTICE, request_type="", language=language
        )
        if template is None:
            raise ValidationError(NO_TEMPLATE % {"language": language})
        ids[language] = template.pk
    return ids


def incident_notices_queue(*, incident: Incident, by) -> int:
    """Queue one notice letter per person in the frozen snapshot; returns how many."""
    _check(by)
    templates = _templates()
    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state not in NOTICE_STATES:
            raise ValidationError(NOT_REPORTABLE)
        if locked.affected_frozen_at is None:
            raise ValidationError(NOT_FROZEN)
        if locked.notice_method == NoticeMethod.PUBLIC:
            raise ValidationError(PUBLIC_INSTEAD)
        if locked.notices_queued_at is not None:
            raise ValidationError(
                ALREADY_QUEUED
                % {"date": date_format(timezone.localtime(locked.notices_queued_at).date())}
            )
        if not AffectedPerson.objects.filter(incident=locked).exists():
            raise ValidationError(NO_ONE)
        letters, affected, customers = (
            Letter._meta.db_table,
            AffectedPerson._meta.db_table,
            Customer._meta.db_table,
        )
        # One statement for every letter; the partial unique constraint
        # letter_unique_customer_occasion makes a repeat insert nothing (exactly once).
        sql = (
            f"INSERT INTO {letters} (request_id, customer_id, kind, language, template_id, "  # noqa: S608  # nosec B608  # _meta table names, values bound
            "occasion, status, file, sha256, size, page_count, attempts, error, created_at, "
            "queued_at, generated_at, sent_at, sent_via, tracking_number, sent_by_id) "
            "SELECT NULL, c.id, %s, "
            "CASE WHEN c.preferred_language = 'en' THEN 'en' ELSE 'ja' END, "
            "CASE WHEN c.preferred_language = 'en' THEN %s ELSE %s END, "
            "%s, %s, '', '', NULL, NULL, 0, '', %s, %s, NULL, NULL, '', '', NULL "
            f"FROM {affected} ap JOIN {customers} c ON c.id = ap.customer_id "
            "WHERE ap.incident_id = %s AND c.erased_at IS NULL "
            "ORDER BY ap.id "
            "ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    LetterKind.INCIDENT_NOTICE,
                    templates["en"],
                    templates["ja"],
                    notice_occasion(locked.pk),
                    Letter.Status.QUEUED,
                    now,
                    now,
                    locked.pk,
                ],
            )
            count = max(cursor.rowcount, 0)
        Incident.objects.filter(pk=locked.pk).update(
            notices_queued_at=now,
            notices_queued_by=by,
            notices_count=count,
            notice_method=NoticeMethod.INDIVIDUAL,
        )
        incident_id = locked.pk
        transaction.on_commit(lambda: _publish_later(incident_id), robust=True)
    logger.info("incident %s: %s notice letters queued by user %s", incident.pk, count, by.pk)
    return count


def _publish_later(incident_id: int) -> None:
    try:
        incident_notices_publish.delay(incident_id)
    except BROKER_ERRORS as exc:
        # The letters are safe in the database: the letter sweep publishes them later.
        logger.warning("incident %s: publish task not queued (%s)", incident_id, type(exc).__name__)


def incident_notices_publish_all(*, incident_id: int) -> int:
    """Publish the render task of every notice letter still queued (run by a worker).

    Idempotent: a second run publishes duplicates at worst, and the render claims its row, so a
    letter is still produced once. Returns how many tasks were published.
    """

    occasion = notice_occasion(incident_id)
    queued = Letter.objects.filter(
        request__isnull=True,
        kind=LetterKind.INCIDENT_NOTICE,
        occasion=occasion,
        status=Letter.Status.QUEUED,
    ).order_by("pk")
    published, last = 0, 0
    # One producer (one broker connection) for the whole run, instead of one per publish.
    with letter_render.app.producer_or_acquire() as producer:
        while True:
            ids = list(queued.filter(pk__gt=last).values_list("pk", flat=True)[:PUBLISH_CHUNK])
            if not ids:
                break
            for letter_id in ids:
                letter_render.apply_async((letter_id,), producer=producer)
            published += len(ids)
            last = ids[-1]
    Incident.objects.filter(pk=incident_id).update(notices_published_at=timezone.now())
    logger.info("incident %s: %s notice render tasks published", incident_id, published)
    return published


def incident_public_announcement_record(
    *, incident: Incident, by, reason: str, published_on: dt.date
) -> Incident:
    """Record a public announcement (and why individual notice is difficult, if it replaces it)."""
    _check(by)
    if published_on > timezone.localdate():
        raise ValidationError({"published_on": [ValidationError(ANNOUNCED_IN_FUTURE)]})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state not in NOTICE_STATES:
            raise ValidationError(NOT_REPORTABLE)
        replaces = locked.notices_queued_at is None
        if replaces and not (reason or "").strip():
            raise ValidationError({"reason": [ValidationError(REASON_REQUIRED)]})
        Incident.objects.filter(pk=locked.pk).update(
            public_announcement_reason=(reason or "").strip(),
            public_announcement_on=published_on,
            notice_method=NoticeMethod.PUBLIC if replaces else locked.notice_method,
        )
    locked.refresh_from_db()
    logger.info("incident %s: public announcement recorded by user %s", locked.pk, by.pk)
    return locked
