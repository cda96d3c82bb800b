"""Incidents in the states the tests start from, made through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from incidents_app.services import incidents as svc

JST = dt.timezone(dt.timedelta(hours=9))
TRIGGERS = {
    "special_care": False,
    "special_care_reason": "要配慮個人情報は含まれない",
    "financial_loss": False,
    "financial_loss_reason": "決済情報は含まれない",
    "unlawful_purpose": False,
    "unlawful_purpose_reason": "不正アクセスの形跡なし",
    "over_thousand": True,
    "over_thousand_reason": "約2,300人分の台帳",
}


@pytest.fixture
def logged_incident(staff):
    return svc.incident_log(
        by=staff,
        title="顧客台帳の紛失",
        what_happened="販売会社の店舗で顧客台帳が所在不明",
        learned_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST),
        data_items="氏名、住所、電話番号",
        **TRIGGERS,
    )


@pytest.fixture
def reportable_incident(logged_incident, manager):
    return svc.incident_classify(
        incident=logged_incident, by=manager, reportable=True, note="第4号に該当"
    )
