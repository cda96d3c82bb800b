"""PPC report services (writes): draft a version, render its PDF, record its submission.

A report version is drafted from the previous one (or from the incident), printed to PDF by a
Celery task through the letter pipeline, and submitted: date, authority (the PPC or the ministry
it delegated to), channel and receipt number. Submitting the preliminary version stops the
preliminary clock; submitting a final version stops both.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..letters import render_report_pdf
from ..models import Authority, Incident, IncidentReport, IncidentState, ReportStage
from ..tasks import incident_report_render
from .incidents import NO_PERMISSION_REPORT

logger = logging.getLogger(__name__)

NOT_REPORTABLE = _("Only an incident classified as reportable is reported to the PPC.")
FINAL_ALREADY = _("The final report was submitted; nothing further is reported.")
OVERVIEW_REQUIRED = _("Describe the incident (item 1 of the report).")
ALREADY_SUBMITTED = _("This report version was already submitted.")
NOT_GENERATED = _("Submit a report only after its PDF was generated (and checked).")
MINISTRY_NAME_REQUIRED = _("Name the ministry the PPC delegated the report to.")
SUBMITTED_IN_FUTURE = _("A submission date cannot be in the future.")
NOT_LATEST = _("Only the latest version of the report can be submitted.")
REPORTING_STATES = (IncidentState.REPORTABLE, IncidentState.PRELIMINARY_REPORTED)

ITEM_FIELDS = (
    "overview",
    "personal_data",
    "cause",
    "secondary_damage",
    "notice_to_people",
    "public_announcement",
    "recurrence_prevention",
    "other",
)


def _check_permission(by) -> None:
    if not by.has_perm("incidents_app.report_incident"):
        raise PermissionDenied(NO_PERMISSION_REPORT)


def report_defaults(*, incident: Incident) -> dict[str, str | int]:
    """What a new version starts from: the previous version, else the incident's own facts."""
    previous = incident.reports.order_by("-version").first()
    values: dict[str, str | int] = (
        {name: getattr(previous, name) for name in ITEM_FIELDS}
        if previous
        else {"overview": incident.what_happened, "personal_data": incident.data_items}
    )
    # The number of people always comes from the snapshot, never typed.
    values["people_count"] = incident.affected.count()
    return values


def incident_report_draft(*, incident: Incident, by, stage: str, **items: str) -> IncidentReport:
    """A new report version; its PDF is rendered by a worker after commit."""
    _check_permission(by)
    if stage not in ReportStage.values:
        raise ValidationError({"stage": [ValidationError(_("Choose the report's stage."))]})
    if not (items.get("overview") or "").strip():
        raise ValidationError({"overview": [ValidationError(OVERVIEW_REQUIRED)]})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state == IncidentState.FINAL_REPORTED or locked.state == IncidentState.CLOSED:
            raise ValidationError(FINAL_ALREADY)
        if locked.state not in REPORTING_STATES:
            raise ValidationError(NOT_REPORTABLE)
        last = locked.reports.aggregate(v=Max("version"))["v"] or 0
        report = IncidentReport.objects.create(
            incident=locked,
            version=last + 1,
            stage=stage,
            people_count=locked.affected.count(),
            created_by=by,
            **{name: (items.get(name) or "").strip() for name in ITEM_FIELDS},
        )
        report_id = report.pk
        transaction.on_commit(lambda: incident_report_render.delay(report_id), robust=True)
    logger.info("incident %s report v%s drafted by user %s", incident.pk, report.version, by.pk)
    return report


def incident_report_generate(*, report_id: int) -> bool:
    """Render a queued report version to PDF (called by the task); False if not ours to do.

    The conditional UPDATE in the transaction claims the row (a second task waits on its lock,
    then finds it generated); the file name is fixed per report, so a retry overwrites it.
    """
    with transaction.atomic():
        claimed = IncidentReport.objects.filter(
            pk=report_id, status=IncidentReport.Status.QUEUED
        ).update(error="")
        if not claimed:
            return False
        report = IncidentReport.objects.select_related("incident").get(pk=report_id)
        rendered = render_report_pdf(report=report)
        name = f"incident-reports/report-{report.pk}.pdf"
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(rendered.pdf))
        IncidentReport.objects.filter(pk=report_id).update(
            status=IncidentReport.Status.GENERATED,
            file=stored,
            sha256=rendered.sha256,
            page_count=rendered.page_count,
            generated_at=timezone.now(),
        )
    logger.info("incident report %s generated (%s pages)", report_id, rendered.page_count)
    return True


def incident_report_mark_failed(*, report_id: int, error: str) -> None:
    IncidentReport.objects.filter(pk=report_id, status=IncidentReport.Status.QUEUED).update(
        status=IncidentReport.Status.FAILED, error=error[:4000]
    )
    logger.error("incident report %s failed (%s)", report_id, error.split(":", 1)[0][:80])


def incident_report_retry(*, report: IncidentReport, by) -> IncidentReport:
    _check_permission(by)
    updated = IncidentReport.objects.filter(
        pk=report.pk, status=IncidentReport.Status.FAILED
    ).update(status=IncidentReport.Status.QUEUED, error="")
    if updated:
        report_id = report.pk
        transaction.on_commit(lambda: incident_report_render.delay(report_id), robust=True)
    report.refresh_from_db()
    return report


def incident_report_submit(
    *,
    report: IncidentReport,
    by,
    submitted_on: dt.date,
    authority: str,
    channel: str,
    receipt_number: str = "",
    authority_name: str = "",
) -> IncidentReport:
    """Record that this version was submitted; the incident's clock state follows."""
    _check_permission(by)
    errors: dict[str, list] = {}
    if authority not in Authority.values:
        errors["authority"] = [ValidationError(_("Choose the authority."))]
    if authority == Authority.MINISTRY and not authority_name.strip():
        errors["authority_name"] = [ValidationError(MINISTRY_NAME_REQUIRED)]
    if submitted_on > timezone.localdate():
        errors["submitted_on"] = [ValidationError(SUBMITTED_IN_FUTURE)]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=report.incident_id)
        locked = IncidentReport.objects.select_for_update().get(pk=report.pk)
        if locked.submitted_on is not None:
            raise ValidationError(ALREADY_SUBMITTED)
        if locked.status != IncidentReport.Status.GENERATED:
            raise ValidationError(NOT_GENERATED)
        if incident.reports.filter(version__gt=locked.version).exists():
            raise ValidationError(NOT_LATEST)
        if incident.state not in REPORTING_STATES:
            raise ValidationError(FINAL_ALREADY)
        IncidentReport.objects.filter(pk=locked.pk).update(
            submitted_on=submitted_on,
            authority=authority,
            authority_name=authority_name.strip(),
            channel=channel,
            receipt_number=receipt_number.strip(),
            submitted_by=by,
        )
        changes: dict = {}
        if incident.preliminary_submitted_on is None:
            # A final report filed first also answers the preliminary duty (PPC guideline).
            changes["preliminary_submitted_on"] = submitted_on
        if locked.stage == ReportStage.FINAL:
            changes |= {"state": IncidentState.FINAL_REPORTED, "final_submitted_on": submitted_on}
        else:
            changes["state"] = IncidentState.PRELIMINARY_REPORTED
        Incident.objects.filter(pk=incident.pk).update(**changes)
    locked.refresh_from_db()
    logger.info("incident %s report v%s submitted by user %s", incident.pk, locked.version, by.pk)
    return locked
