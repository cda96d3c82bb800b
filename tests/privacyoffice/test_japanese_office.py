"""Issue 18: every screen reads as Japanese office work — labels, names, dates, consent.

Each test opens the page as the role that reads it, in Japanese (the site's default), and
asserts what a privacy officer sees; the browser crawl (tests/e2e/test_crawl.py) walks every
page for the same faults.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from consent_app.models import ConsentState
from privacyoffice import roles
from privacyoffice.dashboard import consent_summary_compute
from privacyoffice.models import ExportLog
from requests_app.models import DeadlineAlert, IdentityDocument
from requests_app.models import RequestState as S
from requests_app.summary import request_summary
from tests.conftest import client_for
from tests.factories import (
    IdentityDocumentFactory,
    PoConsentFlagFactory,
    PoLetterFactory,
    PoProvisionRecordFactory,
    PoPurposeFactory,
    PoSuppressionFactory,
)
from tests.requests_app.helpers import request_in

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page as text, tags stripped (what a reader sees, roughly)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _named(user, family: str, given: str):
    user.last_name, user.first_name = family, given
    user.save()
    return user


# --- labels, not codes ----------------------------------------------------------------------
def test_provision_records_list_their_data_items_by_label_not_as_json(client, auditor):
    PoProvisionRecordFactory(data_items=["name_kana", "address", "date_of_birth"])

    page = _text(
        client_for(client, auditor).get(reverse("admin:consent_app_provisionrecord_changelist"))
    )

    assert "氏名（フリガナ）、住所、生年月日" in page
    assert "name_kana" not in page
    assert '["' not in page


def test_a_provision_records_own_page_shows_data_items_by_label(client, auditor):
    record = PoProvisionRecordFactory(data_items=["name", "email"])

    page = _text(
        client_for(client, auditor).get(
            reverse("admin:consent_app_provisionrecord_change", args=[record.pk])
        )
    )

    assert page.count("氏名、電子メール") == 1
    assert '"email"' not in page


def test_identity_documents_show_the_file_format_not_the_mime_type(client, staff):
    IdentityDocumentFactory(content_type="image/jpeg")

    page = _text(
        client_for(client, staff).get(reverse("admin:requests_app_identitydocument_changelist"))
    )

    assert "JPEG 画像" in page
    assert "image/jpeg" not in page


def test_letters_show_their_language_and_the_step_that_owed_them(client, staff):
    request = request_in(S.FORM_SENT, assignee=staff)
    from django_fsm_log.models import StateLog

    log = StateLog.objects.create(
        content_object=request, transition="send_form", state=S.FORM_SENT, source_state=S.INQUIRY
    )
    letter = PoLetterFactory(request=request, language="ja", occasion=f"statelog-{log.pk}")

    browser = client_for(client, staff)
    listing = _text(browser.get(reverse("admin:requests_app_letter_changelist")))
    page = _text(browser.get(reverse("admin:requests_app_letter_change", args=[letter.pk])))

    assert "日本語" in listing
    assert " ja " not in listing
    assert "請求書を送付" in page
    assert f"statelog-{log.pk}" not in page


def test_the_export_log_names_reports_by_title(client, auditor):
    ExportLog.objects.create(
        report="consent-ledger",
        exported_by=auditor,
        filters={"date_from": "2026-12-01", "date_to": ""},
    )

    page = _text(
        client_for(client, auditor).get(reverse("admin:privacyoffice_exportlog_changelist"))
    )

    assert "同意台帳" in page
    assert "consent-ledger" not in page
    assert "2026年12月1日" in page
    assert "2026-12-01" not in page


def test_stock_admin_titles_have_no_stray_spaces(client, staff):
    browser = client_for(client, staff)
    listing = browser.get(reverse("admin:requests_app_disclosurerequest_changelist"))
    adding = browser.get(reverse("admin:requests_app_disclosurerequest_add"))

    assert "<title>変更する開示等の請求を選択" in listing.content.decode()
    assert "開示等の請求を追加" in _text(adding)
    assert "開示等の請求 を追加" not in _text(adding)


def test_group_pages_list_permissions_in_japanese(client, superuser):
    group = Group.objects.get(name=roles.AUDITOR)

    page = _text(
        client_for(client, superuser).get(reverse("admin:auth_group_change", args=[group.pk]))
    )

    assert "Can add" not in page
    assert "開示等の請求 | 追加" in page


def test_the_periodic_task_name_is_a_name_not_a_persons_name(client, superuser):
    page = _text(
        client_for(client, superuser).get(reverse("admin:django_celery_beat_periodictask_add"))
    )

    assert "名称" in page
    assert "氏名" not in page
    assert "Periodic Tasks" not in page


# --- names ----------------------------------------------------------------------------------
def test_the_header_greets_the_user_family_name_first(client, staff):
    _named(staff, "佐藤", "花子")

    url = reverse("admin:index")
    page = _text(client_for(client, staff).get(url))

    assert "佐藤 花子 さん" in page
    assert "ようこそ" not in page


def test_staff_are_listed_family_name_first_in_the_assignee_filter_and_lists(client, staff):
    _named(staff, "高橋", "誠")
    IdentityDocumentFactory(uploaded_by=staff)

    browser = client_for(client, staff)
    requests_page = _text(browser.get(reverse("admin:requests_app_disclosurerequest_changelist")))
    documents_page = _text(browser.get(reverse("admin:requests_app_identitydocument_changelist")))

    assert "高橋 誠" in requests_page
    assert "誠 高橋" not in requests_page
    assert "高橋 誠" in documents_page


# --- consent and suppression agree -------------------------------------------------------------
def _suppressed_provision_consent():
    provision = PoPurposeFactory(code="third-party", is_third_party_provision=True, channels=[])
    flag = PoConsentFlagFactory(purpose=provision, channel="any", state=ConsentState.GRANTED)
    PoSuppressionFactory(customer=flag.customer, recipient=None)
    return flag


def test_the_customer_page_shows_a_suppressed_provision_consent_as_stopped(client, staff):
    flag = _suppressed_provision_consent()

    page = _text(
        client_for(client, staff).get(
            reverse("admin:consent_app_customer_change", args=[flag.customer.pk])
        )
    )

    assert "同意（提供停止中）" in page
    assert "すべての提供先" in page


def test_suppressed_customers_are_counted_out_of_the_provision_consent_rate():
    flag = _suppressed_provision_consent()
    PoConsentFlagFactory(purpose=flag.purpose, channel="any", state=ConsentState.GRANTED)

    rates = consent_summary_compute()["consent_rates"]

    row = next(r for r in rates if r["purpose_id"] == flag.purpose_id)
    assert (row["granted"], row["suppressed"], row["withdrawn"]) == (1, 1, 0)


# --- messages and lists that do not stop short ------------------------------------------------
def test_the_deadline_alert_list_shows_an_overdue_request_before_the_hourly_scan(client, manager):
    request = request_in(S.VERIFIED, due_date=timezone.localdate() - timedelta(days=2))
    assert not DeadlineAlert.objects.exists()

    page = _text(
        client_for(client, manager).get(reverse("admin:requests_app_deadlinealert_changelist"))
    )

    assert DeadlineAlert.objects.filter(request=request, level="overdue").count() == 1
    assert request.reference in page


# --- the request's summary header -----------------------------------------------------------
def test_the_request_page_opens_on_a_summary_of_the_file(client, staff, manager):
    _named(manager, "田中", "美咲")
    request = request_in(
        S.RESPONSE_DRAFTED, drafter=manager, due_date=timezone.localdate() + timedelta(days=5)
    )
    IdentityDocumentFactory(request=request, document_type=IdentityDocument.DocumentType.PASSPORT)

    html = (
        client_for(client, staff)
        .get(reverse("admin:requests_app_disclosurerequest_change", args=[request.pk]))
        .content.decode()
    )

    summary = html[html.index('id="request-summary"') : html.index('id="workflow"')]
    text = _text(type("R", (), {"content": summary.encode()}))
    assert request.requester_name in text
    assert "残り 5 日" in text
    assert "承認して送付 — 起案者（田中 美咲）以外の管理者" in text
    assert "旅券（パスポート）" in text
    assert html.index('id="request-summary"') < html.index('id="workflow"')


def test_the_summary_counts_overdue_days(manager):
    request = request_in(S.VERIFIED, due_date=timezone.localdate() - timedelta(days=3))

    summary = request_summary(request=request)

    assert summary.overdue_days == 3
    assert summary.next_step


def test_the_data_held_page_reads_in_the_readers_language_not_the_persons(client, staff):
    """GIVEN a Japanese customer's request WHEN a member of staff who chose English opens "data
    held on the person" THEN its headings are English (the letter stays in the person's)."""
    flag = _suppressed_provision_consent()
    request = request_in(S.VERIFIED, customer=flag.customer)
    browser = client_for(client, staff)
    browser.post(reverse("set_language"), {"language": "en", "next": "/admin/"})

    url = reverse("admin:requests_app_disclosurerequest_compilation", args=[request.pk])
    page = _text(browser.get(url))

    assert "Customer profile" in page
    assert "Consent in force" in page
    assert "Granted (provision stopped)" in page
    assert "All recipients" in page
    assert "保有" not in page
