"""Incident register: logging, the clocks on the company calendar, the four-eyes decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents_app.models import IncidentClockRule, IncidentState
from incidents_app.services import incidents as svc

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
ANSWERED = {
    "special_care": False,
    "special_care_reason": "要配慮個人情報は含まれない",
    "financial_loss": False,
    "financial_loss_reason": "クレジットカード情報は含まれない",
    "unlawful_purpose": False,
    "unlawful_purpose_reason": "不正アクセスの形跡なし",
    "over_thousand": True,
    "over_thousand_reason": "約2,300人分の台帳",
}


def _log(by, **extra):
    fields = {
        "title": "顧客台帳の紛失",
        "what_happened": "販売会社の店舗で顧客台帳が所在不明",
        "learned_at": dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST),
        "data_items": "氏名、住所",
    } | extra
    return svc.incident_log(by=by, **fields)


def test_a_logged_incident_gets_a_reference_and_names_who_logged_it(staff):
    incident = _log(staff)
    assert incident.reference == "INC-2026-0001"
    assert incident.logged_by == staff
    assert incident.state == IncidentState.LOGGED
    assert _log(staff).reference == "INC-2026-0002"


def test_the_preliminary_report_is_due_three_working_days_after_learning(staff):
    # Learned Tuesday 24 Nov 2026: Wed 25, Thu 26, Fri 27 are the three working days.
    incident = _log(staff)
    assert incident.preliminary_due == dt.date(2026, 11, 27)


def test_the_final_report_is_due_in_30_days_moved_past_a_weekend(staff):
    # 24 Nov + 30 days = 24 Dec 2026 (Thursday): a working day.
    incident = _log(staff)
    assert incident.final_due == dt.date(2026, 12, 24)


def test_the_unlawful_purpose_trigger_gives_60_days_and_skips_the_year_end_closure(staff):
    # 1 Nov + 60 days = 31 Dec, inside the 29 Dec – 3 Jan closure; 4 Jan 2027 is a Monday.
    incident = _log(
        staff,
        learned_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=JST),
        unlawful_purpose=True,
        unlawful_purpose_reason="ウェブフォームの改ざん（スキミング）",
        unlawful_purpose_acquiring=True,
    )
    assert incident.final_due == dt.date(2027, 1, 4)


def test_the_preliminary_target_is_a_rule_managers_change(staff):
    IncidentClockRule.objects.filter(pk=1).update(preliminary_days=5)
    incident = _log(staff)
    assert incident.preliminary_due == dt.date(2026, 12, 1)


def test_a_trigger_answer_without_its_reason_is_refused_and_nothing_is_logged(staff):
    with pytest.raises(ValidationError) as exc:
        _log(staff, special_care=True)
    assert "special_care_reason" in exc.value.error_dict
    from incidents_app.models import Incident

    assert not Incident.objects.exists()


def test_learning_of_it_in_the_future_is_refused(staff):
    with pytest.raises(ValidationError):
        _log(staff, learned_at=timezone.now() + dt.timedelta(days=2))


def test_auditors_cannot_log_incidents(auditor):
    with pytest.raises(PermissionDenied):
        _log(auditor)


def test_a_manager_classifies_an_incident_staff_assessed(staff, manager):
    incident = _log(staff, **ANSWERED)
    incident = svc.incident_classify(incident=incident, by=manager, reportable=True, note="4号")
    assert incident.state == IncidentState.REPORTABLE
    assert incident.classified_by == manager


def test_the_assessor_cannot_classify_four_eyes(manager):
    incident = _log(manager, **ANSWERED)
    with pytest.raises(PermissionDenied) as exc:
        svc.incident_classify(incident=incident, by=manager, reportable=True, note="x")
    assert str(exc.value) == str(svc.FOUR_EYES)


def test_staff_cannot_classify(staff, other_staff):
    incident = _log(staff, **ANSWERED)
    with pytest.raises(PermissionDenied):
        svc.incident_classify(incident=incident, by=other_staff, reportable=True, note="x")


def test_classifying_needs_all_four_triggers_answered(staff, manager):
    incident = _log(staff, special_care=False, special_care_reason="なし")
    with pytest.raises(ValidationError) as exc:
        svc.incident_classify(incident=incident, by=manager, reportable=True, note="x")
    assert exc.value.messages == [str(svc.TRIGGERS_UNANSWERED)]


def test_a_met_trigger_cannot_be_classified_not_reportable(staff, manager):
    incident = _log(staff, **ANSWERED)
    with pytest.raises(ValidationError) as exc:
        svc.incident_classify(incident=incident, by=manager, reportable=False, note="x")
    assert exc.value.messages == [str(svc.LAW_REQUIRES_REPORT)]
    incident.refresh_from_db()
    assert incident.state == IncidentState.LOGGED


def test_high_level_encryption_makes_a_met_trigger_not_reportable(staff, manager):
    incident = _log(
        staff, **ANSWERED, high_level_encryption=True, encryption_reason="AES-256、鍵は別管理"
    )
    incident = svc.incident_classify(incident=incident, by=manager, reportable=False, note="暗号化")
    assert incident.state == IncidentState.NOT_REPORTABLE


def test_changing_a_trigger_makes_the_changer_the_assessor(staff, manager, other_manager):
    incident = _log(staff, **ANSWERED)
    incident = svc.incident_update(
        incident=incident, by=manager, over_thousand=False, over_thousand_reason="約300人"
    )
    assert incident.assessed_by == manager
    with pytest.raises(PermissionDenied):
        svc.incident_classify(incident=incident, by=manager, reportable=False, note="x")
    svc.incident_classify(incident=incident, by=other_manager, reportable=False, note="x")


def test_a_classified_incident_keeps_its_assessment(staff, manager):
    incident = _log(staff, **ANSWERED)
    svc.incident_classify(incident=incident, by=manager, reportable=True, note="x")
    with pytest.raises(ValidationError):
        svc.incident_update(incident=incident, by=staff, over_thousand=False)


def test_only_a_not_reportable_or_finally_reported_incident_closes(staff, manager):
    incident = _log(staff, **ANSWERED)
    with pytest.raises(ValidationError):
        svc.incident_close(incident=incident, by=manager)
    with pytest.raises(PermissionDenied):
        svc.incident_close(incident=incident, by=staff)
