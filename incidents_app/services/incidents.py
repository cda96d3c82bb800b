"""Incident services (writes): log, assess, classify (four eyes), close; the clocks.

Each service locks its row, checks the state the user saw and the permission, changes the row
and logs ids only (never a name or an address: this is a privacy product).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.deadlines import due_date_for
from requests_app.models import DayKind, DeadlineRule

from ..models import Incident, IncidentClockRule, IncidentCounter, IncidentState

logger = logging.getLogger(__name__)

# Error messages (tests assert these).
NO_PERMISSION_LOG = _("You are not allowed to log incidents.")
NO_PERMISSION_CLASSIFY = _("Only a privacy manager may classify an incident.")
NO_PERMISSION_REPORT = _("Only a privacy manager may report, notify or close an incident.")
FOUR_EYES = _(
    "Four eyes: the manager who classifies an incident must not be the person who assessed "
    "its triggers."
)
TRIGGERS_UNANSWERED = _(
    "Answer each of the four reporting triggers (PPC Rules Art. 7), with its reason, first."
)
TRIGGER_REASON_MISSING = _("Give the reason for the answer to trigger %(trigger)s.")
ENCRYPTION_REASON_MISSING = _("Say why the encryption counts as high-level.")
LAW_REQUIRES_REPORT = _(
    "A trigger of PPC Rules Art. 7 is met and the data was not protected by high-level "
    "encryption: the law requires a report, so the incident cannot be classified as not "
    "reportable."
)
NOT_OPEN_FOR_CLASSIFY = _("This incident has already been classified.")
STATE_CHANGED = _("The incident changed under you; reload the page and try again.")
LEARNED_IN_FUTURE = _("The company cannot have learned of it in the future.")
CANNOT_CLOSE = _(
    "Only an incident classified as not reportable, or whose final report was submitted, can "
    "be closed."
)
ALREADY_CLOSED = _("This incident is closed.")
NOTE_REQUIRED = _("Write a note on the decision.")

TRIGGERS = ("special_care", "financial_loss", "unlawful_purpose", "over_thousand")
TRIGGER_NUMERALS = {
    "special_care": "(i)",
    "financial_loss": "(ii)",
    "unlawful_purpose": "(iii)",
    "over_thousand": "(iv)",
}
ASSESSMENT_FIELDS = (
    "high_level_encryption",
    "encryption_reason",
    *TRIGGERS,
    *(f"{t}_reason" for t in TRIGGERS),
    "unlawful_purpose_acquiring",
)
EDITABLE_FIELDS = (
    "kind",
    "learned_at",
    "occurred_on",
    "title",
    "what_happened",
    "systems",
    "data_items",
    *ASSESSMENT_FIELDS,
)


# --- clocks --------------------------------------------------------------------------------------
def clock_rule() -> IncidentClockRule:
    return IncidentClockRule.objects.filter(pk=1).first() or IncidentClockRule()


def _calendar(rule: IncidentClockRule, *, days: int, day_kind: str) -> DeadlineRule:
    # requests_app's deadline arithmetic counts on a DeadlineRule; an unsaved one carries our
    # numbers and the company calendar (closure, Saturdays), so both clocks count alike.
    return DeadlineRule(
        days=days,
        day_kind=day_kind,
        closure_start=rule.closure_start,
        closure_end=rule.closure_end,
        saturday_closed=rule.saturday_closed,
    )


def incident_due_dates(
    *, learned_on: dt.date, unlawful_purpose: bool, rule: IncidentClockRule | None = None
) -> tuple[dt.date, dt.date]:
    """(preliminary due, final due) for an incident the company learned of on `learned_on`.

    Preliminary: "promptly" (Rule 8(1)), our rule's target (3 working days by default).
    Final: 30 days, 60 where the unlawful-purpose trigger applies (Rule 8(2)); the day of
    learning is not counted and a period ending on a closed day ends on the next working day
    (Civil Code Arts. 140, 142), as for request deadlines.
    """
    rule = rule or clock_rule()
    preliminary = due_date_for(
        received_on=learned_on,
        rule=_calendar(rule, days=rule.preliminary_days, day_kind=rule.preliminary_day_kind),
    )
    final_days = rule.final_days_unlawful if unlawful_purpose else rule.final_days
    final = due_date_for(
        received_on=learned_on, rule=_calendar(rule, days=final_days, day_kind=DayKind.CALENDAR)
    )
    return preliminary, final


def _set_clocks(incident: Incident) -> None:
    learned_on = timezone.localtime(incident.learned_at).date()
    incident.preliminary_due, incident.final_due = incident_due_dates(
        learned_on=learned_on, unlawful_purpose=bool(incident.unlawful_purpose)
    )


# --- numbering -----------------------------------------------------------------------------------
def _next_reference(year: int) -> str:
    # A locked counter row per Tokyo year, so two staff logging at once never share a number.
    counter, _created = IncidentCounter.objects.select_for_update().get_or_create(year=year)
    IncidentCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db()
    return f"INC-{year}-{counter.last_number:04d}"


# --- validation ----------------------------------------------------------------------------------
def incident_validate(fields: dict[str, Any]) -> None:
    """The rules on an incident's facts (also run by the admin form, so errors show there)."""
    errors: dict[str, list] = {}
    learned_at = fields.get("learned_at")
    if learned_at and learned_at > timezone.now() + dt.timedelta(minutes=5):
        errors.setdefault("learned_at", []).append(ValidationError(LEARNED_IN_FUTURE))
    for trigger in TRIGGERS:
        if fields.get(trigger) is not None and not (fields.get(f"{trigger}_reason") or "").strip():
            errors.setdefault(f"{trigger}_reason", []).append(
                ValidationError(TRIGGER_REASON_MISSING % {"trigger": TRIGGER_NUMERALS[trigger]})
            )
    if fields.get("high_level_encryption") and not (fields.get("encryption_reason") or "").strip():
        errors.setdefault("encryption_reason", []).append(
            ValidationError(ENCRYPTION_REASON_MISSING)
        )
    if errors:
        raise ValidationError(errors)


# --- services ------------------------------------------------------------------------------------
def incident_log(
    *, by, recipients=(), entrustees=(), **fields: Any
) -> Incident:  # fields: EDITABLE_FIELDS
    """Log an incident; its clocks start at `learned_at` (when the company learned of it)."""
    if not by.has_perm("incidents_app.add_incident"):
        raise PermissionDenied(NO_PERMISSION_LOG)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    incident_validate(fields)
    with transaction.atomic():
        incident = Incident(**fields, logged_by=by)
        incident.reference = _next_reference(timezone.localtime(incident.learned_at).year)
        if any(fields.get(name) is not None for name in TRIGGERS):
            incident.assessed_by = by
        _set_clocks(incident)
        incident.save()
        incident.recipients.set(recipients)
        incident.entrustees.set(entrustees)
    logger.info("incident %s logged by user %s", incident.pk, by.pk)
    return incident


def incident_update(
    *, incident: Incident, by, recipients=None, entrustees=None, **fields: Any
) -> Incident:
    """Edit an unclassified incident's facts or trigger assessment (whoever changes a trigger
    becomes its assessor, so the four-eyes check compares with the last one)."""
    if not by.has_perm("incidents_app.change_incident"):
        raise PermissionDenied(NO_PERMISSION_LOG)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state == IncidentState.CLOSED:
            raise ValidationError(ALREADY_CLOSED)
        merged = {name: getattr(locked, name) for name in EDITABLE_FIELDS} | fields
        incident_validate(merged)
        assessment_changed = any(
            name in fields and fields[name] != getattr(locked, name) for name in ASSESSMENT_FIELDS
        )
        if assessment_changed and locked.state != IncidentState.LOGGED:
            # The decision was made on the old answers: reopen it for a new four-eyes decision.
            raise ValidationError(NOT_OPEN_FOR_CLASSIFY)
        for name, value in fields.items():
            setattr(locked, name, value)
        if assessment_changed:
            locked.assessed_by = by
        _set_clocks(locked)
        locked.save()
        if recipients is not None:
            locked.recipients.set(recipients)
        if entrustees is not None:
            locked.entrustees.set(entrustees)
    logger.info("incident %s updated by user %s", locked.pk, by.pk)
    return locked


def incident_classify(*, incident: Incident, by, reportable: bool, note: str) -> Incident:
    """The manager's decision (four eyes): reportable to the PPC under Art. 26, or not."""
    if not by.has_perm("incidents_app.classify_incident"):
        raise PermissionDenied(NO_PERMISSION_CLASSIFY)
    if not (note or "").strip():
        raise ValidationError({"note": [ValidationError(NOTE_REQUIRED)]})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state != IncidentState.LOGGED:
            raise ValidationError(NOT_OPEN_FOR_CLASSIFY)
        if not locked.triggers_answered:
            raise ValidationError(TRIGGERS_UNANSWERED)
        if locked.assessed_by_id in (None, by.pk):
            raise PermissionDenied(FOUR_EYES)
        if not reportable and locked.law_requires_report:
            raise ValidationError(LAW_REQUIRES_REPORT)
        updated = Incident.objects.filter(pk=locked.pk, state=IncidentState.LOGGED).update(
            state=IncidentState.REPORTABLE if reportable else IncidentState.NOT_REPORTABLE,
            classified_by=by,
            classified_at=timezone.now(),
            classification_note=note.strip(),
        )
        if not updated:
            raise ValidationError(STATE_CHANGED)
    locked.refresh_from_db()
    logger.info(
        "incident %s classified %s by user %s",
        locked.pk,
        "reportable" if reportable else "not reportable",
        by.pk,
    )
    return locked


def incident_close(*, incident: Incident, by) -> Incident:
    if not by.has_perm("incidents_app.report_incident"):
        raise PermissionDenied(NO_PERMISSION_REPORT)
    closable = [IncidentState.NOT_REPORTABLE, IncidentState.FINAL_REPORTED]
    updated = Incident.objects.filter(pk=incident.pk, state__in=closable).update(
        state=IncidentState.CLOSED, closed_at=timezone.now(), closed_by=by
    )
    if not updated:
        raise ValidationError(CANNOT_CLOSE)
    incident.refresh_from_db()
    logger.info("incident %s closed by user %s", incident.pk, by.pk)
    return incident
