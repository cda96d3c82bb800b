"""Alerts before the clocks (once per level, e-mailed, on the home page); supervision."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents_app.alerts import incident_alerts_email, incident_alerts_raise, incident_alerts_scan
from incidents_app.models import ClockKind, IncidentAlert, SupervisionCheck
from incidents_app.selectors import incident_alerts_open_for_user, incident_dashboard_figures
from incidents_app.services import entrustees as svc
from tests import factories as f
from tests.requests_app.files import png_bytes

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


# --- alerts --------------------------------------------------------------------------------------
@time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=JST), tick=False)
def test_each_level_is_raised_once_per_clock(logged_incident):
    # Preliminary due Fri 27 Nov (due soon on the 26th); final due 24 Dec (not yet).
    assert incident_alerts_raise() == 1
    assert incident_alerts_raise() == 0
    alert = IncidentAlert.objects.get()
    assert (alert.clock, alert.level) == (ClockKind.PRELIMINARY, "due_soon")


def test_levels_follow_the_tokyo_day(logged_incident):
    with time_machine.travel(dt.datetime(2026, 11, 27, 0, 30, tzinfo=JST), tick=False):
        incident_alerts_raise()
    with time_machine.travel(dt.datetime(2026, 11, 28, 0, 30, tzinfo=JST), tick=False):
        incident_alerts_raise()
    levels = set(IncidentAlert.objects.values_list("level", flat=True))
    assert levels == {"due_today", "overdue"}


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=JST), tick=False)
def test_the_managers_are_emailed_once_without_names(logged_incident, manager, mailoutbox):
    result = incident_alerts_scan()
    assert (result.raised, result.emailed) == (1, 1)
    assert incident_alerts_email() == (0, 0)
    message = mailoutbox[0]
    assert message.to == [manager.email]
    assert logged_incident.reference in message.subject
    assert "山田" not in message.body


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=JST), tick=False)
def test_the_admin_home_shows_the_alert_to_managers_only(logged_incident, manager, staff, client):
    incident_alerts_raise()
    assert incident_alerts_open_for_user(user=staff) == []
    client.force_login(manager)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="incident-alerts"' in page and logged_incident.reference in page


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=JST), tick=False)
def test_a_submitted_preliminary_report_silences_its_alert(logged_incident, manager):
    incident_alerts_raise()
    type(logged_incident).objects.filter(pk=logged_incident.pk).update(
        preliminary_submitted_on=dt.date(2026, 11, 26), state="preliminary_reported"
    )
    assert incident_alerts_open_for_user(user=manager) == []


# --- supervision ---------------------------------------------------------------------------------
@pytest.fixture
def entrustee():
    return f.EntrusteeFactory()


def _answer_all(check, by):
    answers = {row.pk: ("yes", "") for row in check.answers.all()}
    return svc.supervision_check_answer(check=check, by=by, answers=answers, complete=True)


def test_a_check_sheet_copies_the_current_questions(entrustee, manager):
    check = svc.supervision_check_open(
        entrustee=entrustee, by=manager, due_on=timezone.localdate() + dt.timedelta(days=30)
    )
    assert check.answers.count() == 15  # the seeded questions
    entrustee.refresh_from_db()
    assert entrustee.next_check_due == check.due_on


def test_staff_cannot_open_a_check_sheet(entrustee, staff):
    with pytest.raises(PermissionDenied):
        svc.supervision_check_open(entrustee=entrustee, by=staff, due_on=timezone.localdate())


def test_a_sheet_is_answered_then_reviewed_by_someone_else(
    entrustee, manager, staff, other_manager
):
    check = svc.supervision_check_open(entrustee=entrustee, by=manager, due_on=timezone.localdate())
    with pytest.raises(ValidationError):
        svc.supervision_check_answer(check=check, by=staff, answers={}, complete=True)
    check = _answer_all(check, manager)
    with pytest.raises(PermissionDenied):
        svc.supervision_check_review(check=check, by=manager, result="satisfactory")
    check = svc.supervision_check_review(check=check, by=other_manager, result="satisfactory")
    assert check.state == SupervisionCheck.State.REVIEWED
    entrustee.refresh_from_db()
    assert entrustee.next_check_due == svc.add_months(timezone.localdate(), 12)


def test_action_required_needs_notes(entrustee, manager, staff):
    check = _answer_all(
        svc.supervision_check_open(entrustee=entrustee, by=manager, due_on=timezone.localdate()),
        staff,
    )
    with pytest.raises(ValidationError):
        svc.supervision_check_review(check=check, by=manager, result="action_required")


def test_evidence_is_checked_and_stored_under_a_random_name(entrustee, manager, staff):
    check = svc.supervision_check_open(entrustee=entrustee, by=manager, due_on=timezone.localdate())
    evidence = svc.check_evidence_attach(
        check=check,
        by=staff,
        file=SimpleUploadedFile("山田様の写し.png", png_bytes()),
        description="入館記録",
    )
    assert "山田" not in evidence.file.name and evidence.file.name.endswith(".png")
    with pytest.raises(ValidationError):
        svc.check_evidence_attach(
            check=check,
            by=staff,
            file=SimpleUploadedFile("x.pdf", b"<html><script>x</script>"),
            description="偽物",
        )


def test_a_sub_entrustment_chain_cannot_loop(entrustee):
    child = f.EntrusteeFactory(parent=entrustee)
    with pytest.raises(ValidationError):
        svc.entrustee_validate_parent(entrustee=entrustee, parent=child)
    assert [e.pk for e in child.chain()] == [entrustee.pk, child.pk]


def test_overdue_supervision_shows_on_the_dashboard(manager, client):
    f.SupervisionCheckFactory(due_on=timezone.localdate() - dt.timedelta(days=1))
    f.EntrusteeFactory(next_check_due=None)
    figures = incident_dashboard_figures()
    assert figures.checks_overdue == 1
    assert figures.entrustees_unscheduled == 1
    client.force_login(manager)
    page = client.get(reverse("admin:privacyoffice_dashboard")).content.decode()
    assert 'id="incident-figures"' in page


def test_an_overdue_check_sheet_raises_a_supervision_alert(manager):
    check = f.SupervisionCheckFactory(due_on=timezone.localdate() - dt.timedelta(days=1))
    incident_alerts_raise()
    alert = IncidentAlert.objects.get(check_sheet=check)
    assert (alert.clock, alert.level) == (ClockKind.SUPERVISION, "overdue")
