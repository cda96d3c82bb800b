"""The incident pages as each role uses them: every step of the incident page through the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents_app.admin import STEPS
from incidents_app.models import Incident, IncidentReport, IncidentState, NoticeMethod
from requests_app.models import Letter
from tests import factories as f

pytestmark = pytest.mark.django_db


def _step(client, incident, name, data=None, files=None):
    url = reverse("admin:incidents_app_incident_step", args=[incident.pk, name])
    return client.post(url, {**(data or {}), **(files or {})})


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_step_has_a_form_page(client, manager, logged_incident):
    client.force_login(manager)
    for name in STEPS:
        url = reverse("admin:incidents_app_incident_step", args=[logged_incident.pk, name])
        assert client.get(url).status_code == 200, name


def test_staff_logs_an_incident_through_the_add_form(client, staff):
    client.force_login(staff)
    learned = timezone.localtime() - dt.timedelta(hours=2)
    response = client.post(
        reverse("admin:incidents_app_incident_add"),
        {
            "kind": "leak",
            "title": "誤送信",
            "learned_at_0": learned.strftime("%Y/%m/%d"),
            "learned_at_1": learned.strftime("%H:%M:%S"),
            "what_happened": "メールの宛先誤り",
            "special_care": "true",
            "special_care_reason": "",
            "financial_loss": "unknown",
            "unlawful_purpose": "unknown",
            "over_thousand": "unknown",
        },
    )
    # The missing reason shows on its field; nothing was logged.
    assert response.status_code == 200
    assert "special_care_reason" in response.context["adminform"].form.errors
    assert not Incident.objects.exists()


def test_the_full_path_through_the_steps(
    client, staff, manager, logged_incident, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        "incidents_app.services.reports.incident_report_render.delay", lambda pk: None
    )
    monkeypatch.setattr(
        "incidents_app.services.notices.incident_notices_publish.delay", lambda pk: None
    )
    customer = f.PoCustomerFactory(prefecture="愛知県")
    client.force_login(staff)
    upload = SimpleUploadedFile("n.csv", f"{customer.number}\nZZZ\n".encode())
    response = _step(client, logged_incident, "scope_import", files={"upload": upload})
    assert response.status_code == 302
    assert any("1" in m for m in _messages(response))
    assert _step(client, logged_incident, "freeze", {"confirm": "on"}).status_code == 302
    # Staff may not classify: the step is refused.
    assert (
        _step(client, logged_incident, "classify", {"reportable": "yes", "note": "x"}).status_code
        == 403
    )
    client.force_login(manager)
    assert (
        _step(client, logged_incident, "classify", {"reportable": "yes", "note": "4号"}).status_code
        == 302
    )
    response = _step(
        client, logged_incident, "draft_report", {"stage": "preliminary", "overview": "誤送信"}
    )
    assert response.status_code == 302
    assert IncidentReport.objects.filter(incident=logged_incident).count() == 1
    assert _step(client, logged_incident, "queue_notices", {"confirm": "on"}).status_code == 302
    assert Letter.objects.filter(customer=customer).count() == 1
    # A second click: a clear message on the form, no second letter.
    response = _step(client, logged_incident, "queue_notices", {"confirm": "on"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Letter.objects.filter(customer=customer).count() == 1
    logged_incident.refresh_from_db()
    assert logged_incident.state == IncidentState.REPORTABLE
    assert logged_incident.notice_method == NoticeMethod.INDIVIDUAL
    page = client.get(reverse("admin:incidents_app_incident_change", args=[logged_incident.pk]))
    assert page.status_code == 200
    assert 'id="incident-requests"' in page.content.decode()


def test_the_incident_page_lists_the_requests_citing_it(client, auditor, logged_incident):
    request = f.DisclosureRequestFactory(
        request_type="erasure", legal_ground="leak", incident_reference=logged_incident.reference
    )
    client.force_login(auditor)
    page = client.get(reverse("admin:incidents_app_incident_change", args=[logged_incident.pk]))
    assert request.reference in page.content.decode()


def test_a_bad_step_input_gets_a_message_and_changes_nothing(client, staff, logged_incident):
    client.force_login(staff)
    response = _step(client, logged_incident, "scope_query", {})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_incident.affected.count() == 0


def test_an_unknown_step_is_refused(client, manager, logged_incident):
    client.force_login(manager)
    url = reverse("admin:incidents_app_incident_step", args=[logged_incident.pk, "explode"])
    assert client.get(url).status_code == 403


def test_the_incident_page_keeps_its_query_count(
    client, manager, logged_incident, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("admin:incidents_app_incident_change", args=[logged_incident.pk])
    client.get(url)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200
