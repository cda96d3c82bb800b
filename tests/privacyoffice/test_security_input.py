"""Hostile names in the admin, and what the logs may hold.

Names and addresses come from letters and phone calls: the admin shows them escaped, never as
markup. And this is a privacy product: a whole request, from the first call to the response
letter, leaves ids in the logs and never a name, an address, a phone number or an e-mail.
"""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f

pytestmark = [pytest.mark.security, pytest.mark.django_db]

SCRIPT = '<script>alert("pwned")</script>'
IMG = '"><img src=x onerror=alert(1)>'


def _page(client, name: str, *args, **query) -> str:
    response = client.get(reverse(f"admin:{name}", args=args), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def hostile_customer(manager):
    return f.CustomerFactory(by=manager, family_name=SCRIPT, given_name=IMG)


@pytest.mark.parametrize(
    "page",
    ["changelist", "change", "history"],
)
def test_a_customer_name_with_markup_is_shown_escaped(client, manager, hostile_customer, page):
    f.login_with_second_factor(client, manager)
    args = [] if page == "changelist" else [hostile_customer.pk]
    html = _page(client, f"consent_app_customer_{page}", *args)
    assert SCRIPT not in html
    assert IMG not in html
    assert "&lt;script&gt;" in html


def test_a_customer_search_for_markup_is_shown_escaped(client, manager, hostile_customer):
    f.login_with_second_factor(client, manager)
    html = _page(client, "consent_app_customer_changelist", q=SCRIPT)
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("page", ["changelist", "change", "compilation"])
def test_a_requester_name_with_markup_is_shown_escaped(client, manager, page):
    request = f.DisclosureRequestFactory(requester_name=SCRIPT, requester_address=IMG)
    f.login_with_second_factor(client, manager)
    args = [] if page == "changelist" else [request.pk]
    html = _page(client, f"requests_app_disclosurerequest_{page}", *args)
    assert SCRIPT not in html
    assert IMG not in html


def test_a_comment_with_markup_is_shown_escaped_in_the_timeline(client, staff):
    request = f.DisclosureRequestFactory()
    f.RequestCommentFactory(request=request, author=staff, body=SCRIPT)
    f.login_with_second_factor(client, staff)
    html = _page(client, "requests_app_disclosurerequest_change", request.pk)
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html


def test_an_object_name_with_markup_is_escaped_in_recent_actions(client, manager, hostile_customer):
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(
        user=manager,
        content_type=ContentType.objects.get_for_model(hostile_customer),
        object_id=str(hostile_customer.pk),
        object_repr=str(hostile_customer),
        action_flag=ADDITION,
    )
    f.login_with_second_factor(client, manager)
    html = _page(client, "index")
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html


# --- logs -------------------------------------------------------------------------------------
PERSON = {
    "family_name": "秘密山",
    "given_name": "花代",
    "family_name_kana": "ヒミツヤマ",
    "given_name_kana": "ハナヨ",
    "postal_code": "105-0011",
    "prefecture": "東京都",
    "address": "港区芝公園九丁目9-9-9",
    "phone": "03-9876-5432",
    "email": "hanayo.himitsuyama@example.jp",
}


def _secrets() -> list[str]:
    digits = re.sub(r"\D", "", PERSON["phone"])
    return [*PERSON.values(), digits, "秘密山 花代", "hanayo.himitsuyama"]


def test_a_whole_request_leaves_no_name_address_phone_or_email_in_the_logs(
    client, caplog, staff, manager, other_manager, settings
):
    """GIVEN the logs captured at DEBUG
    WHEN a customer is found, a request runs from inquiry to a sent response with its letters,
         and someone mistypes the customer's e-mail into the login form
    THEN no log record holds the person's name, kana, address, phone or e-mail."""
    from requests_app.letters.tasks import letter_render
    from requests_app.models import Letter
    from requests_app.services import intake, workflow

    caplog.set_level(logging.DEBUG)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    customer = f.CustomerFactory(by=staff, number="C-LOG-0001", **PERSON)

    # Staff look the customer up, by e-mail and by phone.
    f.login_with_second_factor(client, staff)
    changelist = reverse("admin:consent_app_customer_changelist")
    assert client.get(changelist, {"q": PERSON["email"]}).status_code == 200
    assert client.get(changelist, {"q": PERSON["phone"]}).status_code == 200

    # The request, through its services, as the admin pages call them.
    request = intake.request_create(
        by=staff,
        request_type="disclosure",
        requester_name="秘密山 花代",
        requester_name_kana="ヒミツヤマ ハナヨ",
        requester_postal_code=PERSON["postal_code"],
        requester_address=PERSON["prefecture"] + PERSON["address"],
        requester_phone=PERSON["phone"],
        requester_email=PERSON["email"],
    )
    workflow.request_send_form(request=request, by=staff)
    request.refresh_from_db()
    workflow.request_receive_documents(request=request, by=staff)
    request.refresh_from_db()
    upload = reverse("admin:requests_app_disclosurerequest_upload", args=[request.pk])
    png = SimpleUploadedFile(
        "秘密山花代の免許証.png",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        content_type="image/png",
    )
    client.post(upload, {"document_type": "drivers_licence", "file": png})
    request.refresh_from_db()
    if not request.identity_documents.exists():
        f.IdentityDocumentFactory(request=request, uploaded_by=staff)
    workflow.request_verify_identity(request=request, by=staff, customer=customer)
    request.refresh_from_db()
    workflow.request_draft_response(
        request=request, by=staff, outcome="fulfilled", method_used="paper"
    )
    request.refresh_from_db()
    workflow.request_approve_and_send(request=request, by=manager)
    request.refresh_from_db()
    for letter_id in Letter.objects.filter(request=request).values_list("pk", flat=True):
        letter_render(letter_id)
    assert (
        client.get(
            reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
        ).status_code
        == 200
    )

    # Someone types the customer's e-mail into the login form.
    client.logout()
    client.post(reverse("admin:login"), {"username": PERSON["email"], "password": "x"})

    assert request.state == "responded"
    assert Letter.objects.filter(request=request, status="generated").exists()
    leaked = {
        f"{record.name}: {record.getMessage()[:200]}"
        for record in caplog.records
        if any(secret in record.getMessage() for secret in _secrets())
    }
    assert not leaked, "\n".join(sorted(leaked))
    assert caplog.records, "nothing was logged: the test would prove nothing"
