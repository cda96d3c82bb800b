"""Issue 15 in the browser: staff logs a leak incident, a manager classifies it reportable (four
eyes) and drafts the preliminary report, and a real worker prints the report's PDF.

Chromium on the live server (PostgreSQL), a real Celery worker over Redis, each user logged in
through the login form. The UI is Japanese; expected texts come from the catalogue.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from incidents_app.admin import STEPS
from incidents_app.models import Incident, IncidentReport, IncidentState
from tests.conftest import wait_for

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.postgres]
TIMEOUT_MS = 45_000
REPORT_TIMEOUT_S = 180


def ja(message) -> str:
    with translation.override("ja"):
        return str(message)


def _page(open_page):
    page = open_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def _expect():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


def _generated(incident) -> IncidentReport | None:
    return IncidentReport.objects.filter(incident=incident, status="generated").first()


def test_staff_logs_a_leak_a_manager_classifies_it_and_the_worker_prints_the_report(
    live_worker, open_page, shot, staff, manager
):
    """GIVEN privacy staff and a manager, and a live worker
    WHEN staff logs a leak incident with its four triggers through the admin form, and the
         manager (logged in through the login form) classifies it reportable and drafts the
         preliminary report
    THEN the incident is reportable with clocks on the company calendar, the worker renders the
         report PDF, and the PDF downloaded from the report page holds the Rule 8 items."""
    expect = _expect()
    learned = timezone.localtime() - timedelta(days=1)

    staff_page = _page(open_page)
    log_in(staff_page, "alice")
    staff_page.goto(reverse("admin:incidents_app_incident_add"))
    staff_page.fill("#id_title", "販売会社での顧客台帳の紛失")
    staff_page.fill("#id_learned_at_0", learned.strftime("%Y/%m/%d"))
    staff_page.fill("#id_learned_at_1", learned.strftime("%H:%M:%S"))
    staff_page.fill("#id_what_happened", "店舗の保管庫から顧客台帳ファイルが所在不明となった。")
    staff_page.fill("#id_data_items", "氏名、住所、電話番号")
    for name, value, reason in (
        ("special_care", "false", "要配慮個人情報は含まれない"),
        ("financial_loss", "false", "決済情報は含まれない"),
        ("unlawful_purpose", "false", "盗難の形跡はない"),
        ("over_thousand", "true", "約2,300人分の台帳"),
    ):
        staff_page.select_option(f"#id_{name}", value)
        staff_page.fill(f"#id_{name}_reason", reason)
    shot("staff-logs-incident", page=staff_page)
    staff_page.click("input[name=_save]")
    expect(staff_page.locator("ul.messagelist li.success").first).to_be_visible()
    incident = Incident.objects.get()
    assert incident.logged_by == staff and incident.assessed_by == staff
    shot("incident-logged", page=staff_page)

    manager_page = _page(open_page)
    log_in(manager_page, "maria")
    manager_page.goto(reverse("admin:incidents_app_incident_change", args=[incident.pk]))
    expect(manager_page.locator("#incident-steps")).to_contain_text(ja(IncidentState.LOGGED.label))
    manager_page.click("#incident-steps a[href$='/step/classify/']")
    manager_page.select_option("#id_reportable", "yes")
    manager_page.fill("#id_note", "1,000人を超えるため規則第7条第4号に該当")
    shot("manager-classifies", page=manager_page)
    manager_page.click("#content-main input[type=submit]")
    expect(manager_page.locator("#incident-steps")).to_contain_text(
        ja(IncidentState.REPORTABLE.label)
    )
    incident.refresh_from_db()
    assert incident.classified_by == manager and incident.state == IncidentState.REPORTABLE
    shot("classified-reportable", page=manager_page)

    manager_page.click("#incident-steps a[href$='/step/draft_report/']")
    expect(manager_page.locator("#id_overview")).to_have_value(incident.what_happened)
    manager_page.fill("#id_cause", "保管庫の施錠漏れ")
    manager_page.fill("#id_recurrence_prevention", "施錠の二重確認と台帳の電子化")
    manager_page.click("#content-main input[type=submit]")
    expect(manager_page.locator("ul.messagelist li.success").first).to_be_visible()

    report = wait_for(lambda: _generated(incident), timeout=REPORT_TIMEOUT_S)
    manager_page.goto(reverse("admin:incidents_app_incidentreport_change", args=[report.pk]))
    link = manager_page.locator(
        f"a[href='{reverse('admin:incidents_app_incidentreport_download', args=[report.pk])}']"
    )
    expect(link).to_be_visible()
    shot("report-generated", page=manager_page)
    with manager_page.expect_download() as info:
        link.click()
    pdf = Path(info.value.path()).read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert incident.reference in text and "速報" in text
    assert text.index("(1) 概要") < text.index("(4) 原因") < text.index("(8) 再発防止")
    assert "保管庫の施錠漏れ" in text
    assert ja(STEPS["draft_report"].label)  # the step the manager took is translated
