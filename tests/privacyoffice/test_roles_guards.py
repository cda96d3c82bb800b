"""Guards the role walk cannot see from status codes alone: what a refused role can still do."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = [pytest.mark.security, pytest.mark.django_db]


def _customer_form(customer, **changes) -> dict:
    data = {
        "family_name": customer.family_name,
        "given_name": customer.given_name,
        "family_name_kana": customer.family_name_kana,
        "given_name_kana": customer.given_name_kana,
        "postal_code": customer.postal_code,
        "prefecture": customer.prefecture,
        "address": customer.address,
        "phone": customer.phone,
        "email": customer.email,
        "date_of_birth": customer.date_of_birth.isoformat(),
        "preferred_language": customer.preferred_language,
        "dealer": "",
        "change_reason": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", ["auditor", "staff", "manager"])
def test_no_role_changes_a_customer_through_a_past_version_page(client, request, persona):
    """simple-history's version page saves a POST after checking only the view permission."""
    user = request.getfixturevalue(persona)
    customer = f.CustomerFactory(by=user)
    version = customer.history.order_by("history_id").first()
    f.login_with_second_factor(client, user)
    url = reverse(
        "admin:consent_app_customer_simple_history", args=[customer.pk, version.history_id]
    )
    response = client.post(url, _customer_form(customer, address="改ざん市1-1"))
    customer.refresh_from_db()
    assert response.status_code == 403
    assert customer.address != "改ざん市1-1"


# --- the request page: what the walk's 302s hide -----------------------------------------------
def _transition_url(obj, name: str) -> str:
    return reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, name])


def test_staff_take_a_transition_with_this_post(client, staff):
    """The control for the refusals below: the same POST does work for a role allowed it."""
    obj = f.DisclosureRequestFactory(state="inquiry")
    f.login_with_second_factor(client, staff)
    client.post(_transition_url(obj, "send_form"), {"expected_state": "inquiry"})
    obj.refresh_from_db()
    assert obj.state == "form_sent"


def test_an_auditor_cannot_take_a_transition(client, auditor):
    from django_fsm_log.models import StateLog

    obj = f.DisclosureRequestFactory(state="inquiry")
    f.login_with_second_factor(client, auditor)
    client.post(_transition_url(obj, "send_form"), {"expected_state": "inquiry"})
    obj.refresh_from_db()
    assert obj.state == "inquiry"
    assert not StateLog.objects.filter(object_id=str(obj.pk)).exists()


def test_staff_cannot_approve_and_send_a_response(client, staff, other_staff):
    obj = f.DisclosureRequestFactory(
        state="response_drafted",
        request_type="purpose_notice",
        outcome="fulfilled",
        drafted_by=other_staff,
    )
    f.login_with_second_factor(client, staff)
    client.post(
        _transition_url(obj, "approve_and_send"),
        {"expected_state": "response_drafted", "confirm": "on"},
    )
    obj.refresh_from_db()
    assert obj.state == "response_drafted"


def test_staff_add_a_comment_with_this_post(client, staff):
    obj = f.DisclosureRequestFactory()
    f.login_with_second_factor(client, staff)
    url = reverse("admin:requests_app_disclosurerequest_comment", args=[obj.pk])
    client.post(url, {"body": "折り返し電話済み"})
    assert obj.comments.count() == 1


def test_an_auditor_cannot_add_a_comment(client, auditor):
    obj = f.DisclosureRequestFactory()
    f.login_with_second_factor(client, auditor)
    url = reverse("admin:requests_app_disclosurerequest_comment", args=[obj.pk])
    client.post(url, {"body": "監査人のコメント"})
    assert obj.comments.count() == 0


def _document_link(document) -> str:
    return reverse("admin:requests_app_identitydocument_file", args=[document.pk])


def test_staff_see_the_identity_document_link_on_the_request(client, staff):
    document = f.IdentityDocumentFactory(uploaded_by=staff)
    f.login_with_second_factor(client, staff)
    page = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[document.request.pk])
    )
    assert _document_link(document) in page.content.decode()


@pytest.mark.parametrize(
    "page", ["requests_app_disclosurerequest_change", "requests_app_identitydocument_change"]
)
def test_an_auditor_is_never_shown_an_identity_document_link(client, auditor, staff, page):
    document = f.IdentityDocumentFactory(uploaded_by=staff)
    f.login_with_second_factor(client, auditor)
    target = document.request.pk if "disclosurerequest" in page else document.pk
    response = client.get(reverse(f"admin:{page}", args=[target]))
    assert response.status_code == 200
    assert _document_link(document) not in response.content.decode()
    assert document.file.name not in response.content.decode()


def test_an_auditor_asking_for_an_identity_document_gets_nothing_and_no_viewing_is_logged(
    client, auditor, staff
):
    document = f.IdentityDocumentFactory(uploaded_by=staff)
    f.login_with_second_factor(client, auditor)
    response = client.get(_document_link(document))
    assert response.status_code == 403
    assert document.viewings.count() == 0


def test_a_manager_approves_and_sends_with_this_post(client, manager, other_staff):
    """The control for the staff refusal above."""
    obj = f.DisclosureRequestFactory(
        state="response_drafted",
        request_type="purpose_notice",
        outcome="fulfilled",
        drafted_by=other_staff,
    )
    f.login_with_second_factor(client, manager)
    client.post(
        _transition_url(obj, "approve_and_send"),
        {"expected_state": "response_drafted", "confirm": "on"},
    )
    obj.refresh_from_db()
    assert obj.state == "responded"
