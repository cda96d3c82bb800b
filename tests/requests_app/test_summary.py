"""The request's summary header (issue 18): the file's cover sheet above its details.

The selector (requests_app/summary.py) is tested without HTTP; the page through the login form
as the manager and the staff member who read it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from requests_app.models import RequestState as S
from requests_app.summary import request_summary
from tests import factories as f
from tests.live_http import PASSWORD

from .helpers import request_in

pytestmark = pytest.mark.django_db

REQUEST_FORM_JA = "請求書および手続のご案内"


def _log_in(client, user) -> None:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302


# --- the selector -------------------------------------------------------------------------------
def test_a_new_request_has_no_due_date_yet_and_its_next_step_is_sending_the_form():
    obj = request_in(S.INQUIRY, requester_name="山田 花子")
    with translation.override("ja"):
        summary = request_summary(request=obj)
    assert summary.reference == obj.reference and summary.requester == "山田 花子"
    assert summary.due_date is None and summary.days_left is None
    assert summary.next_step == "請求書を送付"
    assert summary.documents == [] and summary.letters == []


def test_the_days_left_count_down_to_the_due_date_and_then_count_overdue():
    obj = request_in(S.VERIFIED, customer=f.PoCustomerFactory())
    today = timezone.localdate()
    obj.due_date = today + dt.timedelta(days=3)
    assert request_summary(request=obj, today=today).days_left == 3
    late = request_summary(request=obj, today=today + dt.timedelta(days=5))
    assert late.days_left == -2 and late.overdue_days == 2
    assert request_summary(request=obj, today=obj.due_date).days_left == 0


def test_a_drafted_response_waits_for_a_manager_other_than_its_drafter(staff):
    staff.last_name, staff.first_name = "高橋", "誠"
    staff.save()
    obj = request_in(S.RESPONSE_DRAFTED, customer=f.PoCustomerFactory(), drafter=staff)
    with translation.override("ja"):
        summary = request_summary(request=obj)
    assert "高橋 誠" in summary.next_step_by
    assert summary.next_step_by != summary.next_step


def test_documents_and_letters_read_by_their_labels_in_order(manager):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    f.IdentityDocumentFactory(request=obj, document_type="passport", for_agent=True)
    f.LetterFactory(request=obj, kind="request_form")
    with translation.override("ja"):
        summary = request_summary(request=obj)
        agents = gettext(" (agent's)")
    assert summary.documents == ["運転免許証", f"旅券（パスポート）{agents}"]
    assert summary.letters == [f"{REQUEST_FORM_JA} (作成待ち)"]


def test_the_summary_costs_a_constant_number_of_queries(django_assert_max_num_queries):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    for _ in range(5):
        f.IdentityDocumentFactory(request=obj)
        f.LetterFactory(request=obj)
    with django_assert_max_num_queries(3):  # the case's documents, letters and rights
        request_summary(request=obj)


# --- the page -----------------------------------------------------------------------------------
def test_the_request_page_opens_with_its_summary_above_the_steps_and_the_record(client, manager):
    obj = request_in(S.VERIFIED, customer=f.PoCustomerFactory(), requester_name="山田 花子")
    obj.due_date = timezone.localdate() + dt.timedelta(days=4)
    obj.save(update_fields=["due_date"])
    _log_in(client, manager)

    html = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])
    ).content.decode()

    summary_at = html.index('id="request-summary"')
    assert summary_at < html.index('id="workflow"') < html.index("<fieldset")
    header = html[summary_at : html.index('id="workflow"')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", header))
    due = obj.due_date
    assert f"{due.year}年{due.month}月{due.day}日" in text
    assert "残り 4 日" in text
    assert "山田 花子" in text and obj.reference in text
    assert "運転免許証" in text  # the document that came in, by its label
    assert "drivers_licence" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)
