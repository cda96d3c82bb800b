"""The PPC report: versions in Rule 8's order, printed through the letter pipeline, submitted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from incidents_app.models import IncidentReport, IncidentState
from incidents_app.services import reports as svc
from incidents_app.services.affected import affected_add_from_query, affected_freeze
from tests import factories as f

pytestmark = pytest.mark.django_db


def _draft(incident, by, stage="preliminary", **items):
    return svc.incident_report_draft(
        incident=incident,
        by=by,
        stage=stage,
        overview=items.pop("overview", "販売会社の店舗で顧客台帳が所在不明となった。"),
        personal_data="氏名、住所、電話番号",
        cause="保管庫の施錠漏れ",
        **items,
    )


def _text(report) -> str:
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "".join(page.extract_text() for page in reader.pages)


def test_a_report_version_is_queued_for_rendering_after_commit(
    reportable_incident, manager, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(
        "incidents_app.services.reports.incident_report_render.delay", published.append
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = _draft(reportable_incident, manager)
    assert published == [report.pk]
    assert report.version == 1 and report.status == IncidentReport.Status.QUEUED


def test_the_pdf_lists_the_rule_8_items_in_order_with_the_snapshot_count(
    reportable_incident, staff, manager
):
    for _ in range(3):
        f.PoCustomerFactory(prefecture="愛知県")
    affected_add_from_query(incident=reportable_incident, by=staff, prefecture="愛知県")
    affected_freeze(incident=reportable_incident, by=staff)
    report = _draft(reportable_incident, manager)
    assert report.people_count == 3
    assert svc.incident_report_generate(report_id=report.pk) is True
    text = _text(report)
    positions = [
        text.index(label)
        for label in ("(1) 概要", "(2) 漏えい", "(3) 漏えい", "(4) 原因", "(9) その他")
    ]
    assert positions == sorted(positions)
    assert "速報" in text and "3人" in text and reportable_incident.reference in text
    assert svc.incident_report_generate(report_id=report.pk) is False  # generated once


def test_staff_cannot_draft_a_report(reportable_incident, staff):
    with pytest.raises(PermissionDenied):
        _draft(reportable_incident, staff)


def test_an_unclassified_incident_is_not_reported(logged_incident, manager):
    with pytest.raises(ValidationError) as exc:
        _draft(logged_incident, manager)
    assert exc.value.messages == [str(svc.NOT_REPORTABLE)]


def test_a_new_version_starts_from_the_previous_one(reportable_incident, manager):
    _draft(reportable_incident, manager, recurrence_prevention="施錠の二重確認")
    defaults = svc.report_defaults(incident=reportable_incident)
    assert defaults["recurrence_prevention"] == "施錠の二重確認"
    second = _draft(reportable_incident, manager, stage="final")
    assert second.version == 2


def test_submitting_the_preliminary_report_records_it_and_stops_its_clock(
    reportable_incident, manager
):
    report = _draft(reportable_incident, manager)
    svc.incident_report_generate(report_id=report.pk)
    report = svc.incident_report_submit(
        report=report,
        by=manager,
        submitted_on=timezone.localdate(),
        authority="ppc",
        channel="ppc_form",
        receipt_number="PPC-2026-123456",
    )
    assert report.receipt_number == "PPC-2026-123456" and report.submitted_by == manager
    reportable_incident.refresh_from_db()
    assert reportable_incident.state == IncidentState.PRELIMINARY_REPORTED
    assert reportable_incident.preliminary_submitted_on == timezone.localdate()
    with pytest.raises(ValidationError):
        svc.incident_report_submit(
            report=report,
            by=manager,
            submitted_on=timezone.localdate(),
            authority="ppc",
            channel="ppc_form",
        )


def test_the_final_report_ends_the_reporting(reportable_incident, manager):
    report = _draft(reportable_incident, manager, stage="final")
    svc.incident_report_generate(report_id=report.pk)
    svc.incident_report_submit(
        report=report,
        by=manager,
        submitted_on=timezone.localdate(),
        authority="ministry",
        authority_name="経済産業省",
        channel="email",
    )
    reportable_incident.refresh_from_db()
    assert reportable_incident.state == IncidentState.FINAL_REPORTED
    with pytest.raises(ValidationError):
        _draft(reportable_incident, manager)


def test_a_delegated_ministry_must_be_named(reportable_incident, manager):
    report = _draft(reportable_incident, manager)
    svc.incident_report_generate(report_id=report.pk)
    with pytest.raises(ValidationError) as exc:
        svc.incident_report_submit(
            report=report,
            by=manager,
            submitted_on=timezone.localdate(),
            authority="ministry",
            channel="email",
        )
    assert "authority_name" in exc.value.error_dict


def test_a_report_not_yet_rendered_cannot_be_submitted(reportable_incident, manager):
    report = _draft(reportable_incident, manager)
    with pytest.raises(ValidationError) as exc:
        svc.incident_report_submit(
            report=report,
            by=manager,
            submitted_on=timezone.localdate(),
            authority="ppc",
            channel="ppc_form",
        )
    assert exc.value.messages == [str(svc.NOT_GENERATED)]


def test_a_future_submission_date_is_refused(reportable_incident, manager):
    report = _draft(reportable_incident, manager)
    svc.incident_report_generate(report_id=report.pk)
    with pytest.raises(ValidationError):
        svc.incident_report_submit(
            report=report,
            by=manager,
            submitted_on=timezone.localdate() + dt.timedelta(days=1),
            authority="ppc",
            channel="ppc_form",
        )
