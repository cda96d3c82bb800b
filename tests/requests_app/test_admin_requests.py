"""The request screens as staff, managers and auditors use them (Django test client)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_fsm_log.models import StateLog

from requests_app import conditions, services
from requests_app.models import (
    DisclosureRequest,
    DocumentViewing,
    IdentityDocument,
    RequestComment,
)
from requests_app.models import RequestState as S
from requests_app.services import documents as docs
from requests_app.services import intake
from requests_app.services import workflow as wf
from tests.conftest import client_for
from tests.factories import DisclosureRequestFactory, IdentityDocumentFactory

from .files import EXE_BYTES, png_bytes, upload
from .helpers import message, request_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:requests_app_disclosurerequest_changelist")


def change_url(obj) -> str:
    return reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])


def transition_url(obj, name: str) -> str:
    return reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, name])


def listed(response) -> set[str]:
    return {obj.reference for obj in response.context["cl"].result_list}


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


# --- the list ------------------------------------------------------------------------------------
def test_staff_see_their_open_requests_by_default(client, staff, other_staff):
    mine = request_in(S.FORM_SENT, assignee=staff)
    request_in(S.FORM_SENT, assignee=other_staff)
    request_in(S.CLOSED, assignee=staff)

    response = client_for(client, staff).get(CHANGELIST)

    assert listed(response) == {mine.reference}


def test_managers_see_all_open_requests_by_default(client, manager, staff):
    first = request_in(S.FORM_SENT, assignee=staff)
    second = request_in(S.VERIFIED)
    request_in(S.CLOSED)

    response = client_for(client, manager).get(CHANGELIST)

    assert listed(response) == {first.reference, second.reference}


def test_the_queue_filter_can_show_every_request(client, staff):
    a, b = request_in(S.CLOSED), request_in(S.INQUIRY)

    response = client_for(client, staff).get(CHANGELIST, {"queue": "all"})

    assert listed(response) == {a.reference, b.reference}


def test_due_filters_use_the_names_the_dashboard_links_to(client, manager):
    today = timezone.localdate()
    overdue = request_in(S.VERIFIED, due_date=today - timedelta(days=1))
    soon = request_in(S.DOCUMENTS_RECEIVED, due_date=today + timedelta(days=3))
    request_in(S.VERIFIED, due_date=today + timedelta(days=4))
    request_in(S.RESPONDED, due_date=today - timedelta(days=5))  # answered: not overdue

    browser = client_for(client, manager)

    assert listed(browser.get(CHANGELIST, {"due": "overdue"})) == {overdue.reference}
    assert listed(browser.get(CHANGELIST, {"due": "soon"})) == {soon.reference}


def test_a_dashboard_link_shows_every_users_requests_even_to_staff(client, staff, other_staff):
    overdue = request_in(
        S.VERIFIED, assignee=other_staff, due_date=timezone.localdate() - timedelta(days=2)
    )

    response = client_for(client, staff).get(CHANGELIST, {"due": "overdue"})

    assert listed(response) == {overdue.reference}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("PR-2026-900001", "a"),
        ("ｐｒ－２０２６－９００００１", "a"),  # full-width, as typed on a Japanese IME
        ("佐藤", "b"),
    ],
)
def test_search_by_reference_or_requester_name(client, manager, term, expected):
    objs = {
        "a": DisclosureRequestFactory(reference="PR-2026-900001", requester_name="鈴木 一郎"),
        "b": DisclosureRequestFactory(reference="PR-2026-900002", requester_name="佐藤 花子"),
    }

    response = client_for(client, manager).get(CHANGELIST, {"q": term, "queue": "all"})

    assert listed(response) == {objs[expected].reference}


@pytest.mark.parametrize("term", ["000043", "43", "2026-000043", "2026-43", "PR2026-000043"])
def test_part_of_a_reference_finds_the_request(client, manager, term):
    # GIVEN requests 43 of 2025 and 2026 and request 44 of 2026, as the counters issued them
    from requests_app.models import ReferenceCounter

    ReferenceCounter.objects.create(year=2025, last_number=50)
    ReferenceCounter.objects.create(year=2026, last_number=44)
    old = DisclosureRequestFactory(reference="PR-2025-000043")
    this_year = DisclosureRequestFactory(reference="PR-2026-000043")
    DisclosureRequestFactory(reference="PR-2026-000044")

    response = client_for(client, manager).get(CHANGELIST, {"q": term, "queue": "all"})

    # THEN the year typed narrows it to that request; a serial alone finds it in every year
    expected = {this_year.reference} if "2026" in term else {old.reference, this_year.reference}
    assert listed(response) == expected


def test_all_requests_sorted_by_due_date_read_most_urgent_first_either_way(client, manager):
    today = timezone.localdate()
    due = [request_in(S.VERIFIED, due_date=today + timedelta(days=d)).reference for d in (5, 1, 3)]
    column = due_column()
    browser = client_for(client, manager)

    ascending = browser.get(CHANGELIST, {"queue": "all", "o": str(column)})
    descending = browser.get(CHANGELIST, {"queue": "all", "o": f"-{column}"})

    in_order = [due[1], due[2], due[0]]
    assert [r.reference for r in ascending.context["cl"].result_list] == in_order
    assert [r.reference for r in descending.context["cl"].result_list] == in_order[::-1]
    # The tie-break follows the due date's direction: one index scan, no sort of every request.
    assert list(ascending.context["cl"].queryset.query.order_by) == ["due_date", "pk"]
    assert list(descending.context["cl"].queryset.query.order_by) == ["-due_date", "-pk"]


def due_column() -> int:
    from requests_app.admin_requests import DisclosureRequestAdmin

    # The changelist numbers its columns from 1, after the action checkbox (column 0).
    return list(DisclosureRequestAdmin.list_display).index("due_badge") + 1


def test_search_by_customer_number_or_customer_kana(client, manager, make_customer):
    customer = make_customer(family_name_kana="サトウ", given_name_kana="ハナコ")
    linked = request_in(S.VERIFIED, customer=customer, requester_name="別名")
    request_in(S.VERIFIED)
    browser = client_for(client, manager)

    assert listed(browser.get(CHANGELIST, {"q": customer.number, "queue": "all"})) == {
        linked.reference
    }
    assert listed(browser.get(CHANGELIST, {"q": "さとう", "queue": "all"})) == {linked.reference}


def test_the_list_query_count_does_not_grow_with_rows(
    client, manager, customer, django_assert_max_num_queries
):
    browser = client_for(client, manager)
    request_in(S.VERIFIED, customer=customer, assignee=manager)
    browser.get(CHANGELIST)  # warm caches (content types, session)
    with django_assert_max_num_queries(30) as few:
        browser.get(CHANGELIST)
    for _ in range(20):
        request_in(S.VERIFIED, customer=customer, assignee=manager)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser.get(CHANGELIST)

    assert len(listed(response)) == 21


def test_overdue_requests_are_flagged_in_the_list(client, manager):
    request_in(S.VERIFIED, due_date=timezone.localdate() - timedelta(days=1))

    response = client_for(client, manager).get(CHANGELIST)

    assert b"request-due-overdue" in response.content


# --- the request page ----------------------------------------------------------------------------
def test_the_page_offers_only_the_steps_the_user_may_take(client, staff, customer):
    obj = request_in(S.DOCUMENTS_RECEIVED, customer=customer)

    response = client_for(client, staff).get(change_url(obj))

    names = [b["name"] for b in response.context["workflow_buttons"]]
    assert names == ["request_more_documents", "verify_identity", "withdraw"]


def test_the_page_says_why_a_step_is_blocked(client, staff):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    obj.identity_documents.all().delete()

    response = client_for(client, staff).get(change_url(obj))

    assert [b["name"] for b in response.context["workflow_buttons"]] == [
        "request_more_documents",
        "withdraw",
    ]
    assert response.context["workflow_blocked"][0]["label"] == wf.transition_label(
        "verify_identity"
    )


def test_the_drafter_sees_no_send_button_but_the_four_eyes_reason(client, manager, customer):
    obj = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=manager)

    response = client_for(client, manager).get(change_url(obj))

    assert "approve_and_send" not in [b["name"] for b in response.context["workflow_buttons"]]
    assert message(wf.FOUR_EYES) in [b["reason"] for b in response.context["workflow_blocked"]]


def test_an_auditor_reads_the_page_without_any_step(client, auditor, customer):
    obj = request_in(S.VERIFIED, customer=customer)

    response = client_for(client, auditor).get(change_url(obj))

    assert response.status_code == 200
    assert response.context["workflow_buttons"] == []
    assert not response.context["can_comment"]


def test_the_timeline_shows_transitions_letters_viewings_and_comments_newest_first(client, staff):
    obj = request_in(S.INQUIRY)
    obj = services.request_send_form(request=obj, by=staff)
    services.request_comment_add(request=obj, author=staff, body="電話あり")
    document = IdentityDocumentFactory(request=obj)
    DocumentViewing.objects.create(document=document, viewed_by=staff)

    response = client_for(client, staff).get(change_url(obj))

    timeline = response.context["timeline"]
    assert {e.kind for e in timeline} == {"transition", "letter", "comment", "viewing"}
    assert [e.at for e in timeline] == sorted((e.at for e in timeline), reverse=True)
    assert "電話あり" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_the_history(
    client, staff, django_assert_max_num_queries
):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    browser = client_for(client, staff)
    browser.get(change_url(obj))
    with django_assert_max_num_queries(80) as few:
        browser.get(change_url(obj))
    for i in range(10):
        services.request_comment_add(request=obj, author=staff, body=f"メモ{i}")
        DocumentViewing.objects.create(document=obj.identity_documents.first(), viewed_by=staff)

    with django_assert_max_num_queries(len(few.captured_queries)):
        browser.get(change_url(obj))


# --- transitions through the screens -------------------------------------------------------------
def test_a_one_click_step_calls_the_service(client, staff):
    obj = request_in(S.INQUIRY)

    response = client_for(client, staff).post(
        transition_url(obj, "send_form"), {"expected_state": S.INQUIRY}, follow=True
    )

    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT
    assert StateLog.objects.get(object_id=obj.pk).by == staff
    assert response.status_code == 200


def test_a_step_on_a_request_that_moved_meanwhile_is_refused(client, staff):
    obj = request_in(S.FORM_SENT)

    response = client_for(client, staff).post(
        transition_url(obj, "send_form"), {"expected_state": S.INQUIRY}, follow=True
    )

    assert message(wf.REQUEST_CHANGED) in flash(response)
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT


def test_a_step_needing_input_shows_its_form_then_takes_it(client, staff):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    browser = client_for(client, staff)

    form_page = browser.get(transition_url(obj, "request_more_documents"))
    empty = browser.post(
        transition_url(obj, "request_more_documents"), {"expected_state": obj.state}
    )
    done = browser.post(
        transition_url(obj, "request_more_documents"),
        {"expected_state": obj.state, "reason": "裏面なし"},
    )

    assert form_page.status_code == 200 and "reason" in form_page.context["form"].fields
    assert empty.status_code == 200 and empty.context["form"].errors
    assert done.status_code == 302
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT


def test_service_rule_errors_appear_next_to_the_field(client, staff, customer):
    obj = request_in(S.VERIFIED, customer=customer)

    response = client_for(client, staff).post(
        transition_url(obj, "draft_response"),
        {"expected_state": obj.state, "outcome": "refused"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["refusal_ground"]
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.VERIFIED


def test_verification_offers_candidate_customers(client, staff, make_customer):
    match = make_customer(family_name="鈴木", given_name="一郎", family_name_kana="スズキ")
    make_customer(family_name="田中", given_name="二郎", family_name_kana="タナカ")
    obj = request_in(
        S.DOCUMENTS_RECEIVED, requester_name="鈴木 一郎", requester_name_kana="スズキ イチロウ"
    )
    browser = client_for(client, staff)

    page = browser.get(transition_url(obj, "verify_identity"))
    choices = [value for value, _label in page.context["form"].fields["candidate"].choices]
    browser.post(
        transition_url(obj, "verify_identity"),
        {"expected_state": obj.state, "candidate": str(match.pk)},
    )

    assert choices[0] == str(match.pk)
    assert DisclosureRequest.objects.get(pk=obj.pk).customer == match


def test_an_auditor_cannot_take_a_step_even_by_posting(client, auditor):
    obj = request_in(S.INQUIRY)

    response = client_for(client, auditor).post(
        transition_url(obj, "send_form"), {"expected_state": S.INQUIRY}, follow=True
    )

    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.INQUIRY
    assert message(wf.TRANSITION_FORBIDDEN, transition=wf.transition_label("send_form")) in flash(
        response
    )


def test_an_unknown_transition_name_is_forbidden(client, staff):
    obj = request_in(S.INQUIRY)

    response = client_for(client, staff).post(transition_url(obj, "save"), {})

    assert response.status_code == 403


def test_a_manager_extends_a_deadline_with_a_reason(client, manager):
    obj = request_in(S.VERIFIED, due_date=timezone.localdate() + timedelta(days=3))
    new_due = obj.due_date + timedelta(days=14)
    while new_due.weekday() >= 5:
        new_due += timedelta(days=1)

    client_for(client, manager).post(
        reverse("admin:requests_app_disclosurerequest_extend", args=[obj.pk]),
        {"expected_state": obj.state, "new_due_date": new_due.isoformat(), "reason": "調査中"},
    )

    obj.refresh_from_db()
    assert obj.due_date == new_due
    assert obj.extensions.get().reason == "調査中"
    assert obj.letters.get().kind == "extension_notice"


def test_staff_cannot_extend_a_deadline(client, staff):
    obj = request_in(S.VERIFIED)

    response = client_for(client, staff).get(
        reverse("admin:requests_app_disclosurerequest_extend", args=[obj.pk])
    )

    assert response.status_code == 403


# --- adding and editing --------------------------------------------------------------------------
def test_adding_a_request_gives_it_a_reference_and_assigns_the_author(client, staff):
    response = client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_add"),
        {
            "request_type": "disclosure",
            "channel": "post",
            "received_at_0": timezone.localdate().isoformat(),
            "received_at_1": "10:00:00",
            "assignee": staff.pk,
            "requester_name": "山田 花子",
            "language": "ja",
            "agent_type": "",
            "disclosure_method_requested": "paper",
            "identity_documents-TOTAL_FORMS": "0",
            "identity_documents-INITIAL_FORMS": "0",
            "corrections-TOTAL_FORMS": "0",
            "corrections-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    obj = DisclosureRequest.objects.get()
    assert obj.reference.startswith(f"PR-{timezone.localdate().year}-")
    assert (obj.assignee, obj.state) == (staff, S.INQUIRY)


ADD_FORM = {
    "channel": "post",
    "received_at_0": "2026-11-02",
    "received_at_1": "10:00:00",
    "requester_name": "山田 花子",
    "language": "ja",
    "agent_type": "",
    "corrections-TOTAL_FORMS": "0",
    "corrections-INITIAL_FORMS": "0",
}


def test_a_fee_on_a_correction_is_refused_on_the_add_form(client, staff):
    """Art. 38: no fee for a correction; the form says so and nothing is created."""
    response = client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_add"),
        # Not the published fee the form offers (1,000 yen by default): a fee staff typed.
        {**ADD_FORM, "request_type": "correction", "fee_amount": "1500"},
    )

    assert response.status_code == 200
    assert (
        message(intake.FEE_NOT_ALLOWED) in response.context["adminform"].form.errors["fee_amount"]
    )
    assert not DisclosureRequest.objects.exists()


def test_the_change_page_shows_only_the_fields_of_the_type(client, staff):
    correction = request_in(S.VERIFIED, request_type="correction", disclosure_method_requested="")

    form = client_for(client, staff).get(change_url(correction)).context["adminform"].form

    assert "request_grounds" in form.fields
    assert "fee_amount" not in form.fields
    assert "disclosure_method_requested" not in form.fields


def test_requests_are_never_deleted(client, superuser):
    obj = request_in(S.INQUIRY)

    response = client_for(client, superuser).post(
        reverse("admin:requests_app_disclosurerequest_delete", args=[obj.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert DisclosureRequest.objects.filter(pk=obj.pk).exists()


# --- bulk actions --------------------------------------------------------------------------------
def test_bulk_assign_assigns_open_requests_and_skips_ended_ones(client, manager, other_staff):
    open_one, ended = request_in(S.INQUIRY), request_in(S.CLOSED)

    response = client_for(client, manager).post(
        CHANGELIST + "?queue=all",
        {
            "action": "bulk_assign",
            "_selected_action": [open_one.pk, ended.pk],
            "assignee": other_staff.pk,
            "apply": "1",
        },
        follow=True,
    )

    open_one.refresh_from_db()
    ended.refresh_from_db()
    assert (open_one.assignee, ended.assignee) == (other_staff, None)
    assert any("1" in m for m in flash(response))


def test_bulk_assign_first_asks_to_whom(client, manager):
    obj = request_in(S.INQUIRY)

    response = client_for(client, manager).post(
        CHANGELIST, {"action": "bulk_assign", "_selected_action": [obj.pk]}
    )

    assert response.status_code == 200
    assert "assignee" in response.context["form"].fields


def test_bulk_lapse_lapses_only_requests_past_the_period(client, staff, settings):
    settings.REQUEST_LAPSE_DAYS = 60
    old = request_in(S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=61), assignee=staff)
    recent = request_in(
        S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=10), assignee=staff
    )

    response = client_for(client, staff).post(
        CHANGELIST,
        {"action": "bulk_lapse", "_selected_action": [old.pk, recent.pk], "apply": "1"},
        follow=True,
    )

    assert DisclosureRequest.objects.get(pk=old.pk).state == S.LAPSED
    assert DisclosureRequest.objects.get(pk=recent.pk).state == S.FORM_SENT
    lapsable_on = date_format(timezone.localtime(recent.lapsable_from()).date())
    refusal = message(conditions.LAPSE_TOO_EARLY, days=60, date=lapsable_on)
    assert f"{recent.reference}: {refusal}" in flash(response)


def test_the_lapsable_filter_lists_requests_with_no_documents_back(client, staff, settings):
    settings.REQUEST_LAPSE_DAYS = 60
    old = request_in(S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=61))
    request_in(S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=10))

    response = client_for(client, staff).get(CHANGELIST, {"due": "lapsable"})

    assert listed(response) == {old.reference}


# --- comments, documents -------------------------------------------------------------------------
def test_staff_add_an_internal_comment(client, staff):
    obj = request_in(S.INQUIRY)

    client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_comment", args=[obj.pk]), {"body": "折返し"}
    )

    assert RequestComment.objects.get(request=obj).author == staff


def test_an_empty_comment_is_refused_with_a_message(client, staff):
    obj = request_in(S.INQUIRY)

    response = client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_comment", args=[obj.pk]),
        {"body": "  "},
        follow=True,
    )

    assert not RequestComment.objects.exists()
    assert flash(response)


def test_an_auditor_cannot_comment(client, auditor):
    obj = request_in(S.INQUIRY)

    client_for(client, auditor).post(
        reverse("admin:requests_app_disclosurerequest_comment", args=[obj.pk]), {"body": "x"}
    )

    assert not RequestComment.objects.exists()


def test_uploading_through_the_screen_stores_a_checked_document(client, staff):
    obj = request_in(S.FORM_SENT)

    response = client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_upload", args=[obj.pk]),
        {"document_type": "passport", "file": upload("pass.png", png_bytes())},
    )

    assert response.status_code == 302
    assert IdentityDocument.objects.get(request=obj).content_type == "image/png"


def test_a_renamed_executable_is_refused_on_the_upload_screen(client, staff):
    obj = request_in(S.FORM_SENT)

    response = client_for(client, staff).post(
        reverse("admin:requests_app_disclosurerequest_upload", args=[obj.pk]),
        {"document_type": "passport", "file": upload("pass.png", EXE_BYTES)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message(docs.DOCUMENT_BAD_TYPE)]
    assert not IdentityDocument.objects.filter(request=obj).exists()


def document_url(document) -> str:
    return reverse("admin:requests_app_identitydocument_file", args=[document.pk])


def test_a_document_is_served_as_an_attachment_and_the_viewing_logged(client, staff):
    document = services.identity_document_upload(
        request=request_in(S.FORM_SENT),
        document_type="passport",
        file=upload("a.png", png_bytes()),
        by=staff,
    )

    response = client_for(client, staff).get(document_url(document))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert DocumentViewing.objects.get(document=document).viewed_by == staff


def test_an_auditor_is_refused_the_image_and_no_viewing_is_logged(client, staff, auditor):
    document = services.identity_document_upload(
        request=request_in(S.FORM_SENT),
        document_type="passport",
        file=upload("a.png", png_bytes()),
        by=staff,
    )

    response = client_for(client, auditor).get(document_url(document))

    assert response.status_code == 403
    assert not DocumentViewing.objects.exists()


def test_an_outsider_is_sent_to_the_login(client, outsider, staff):
    document = IdentityDocumentFactory(uploaded_by=staff)

    response = client_for(client, outsider).get(document_url(document))

    assert response.status_code == 302
    assert not DocumentViewing.objects.exists()


# --- append-only records in the admin ------------------------------------------------------------
@pytest.mark.parametrize("model", ["documentviewing", "statelog"])
def test_append_only_records_cannot_be_changed_or_deleted_in_the_admin(
    client, superuser, staff, model
):
    obj = request_in(S.INQUIRY)
    services.request_send_form(request=obj, by=staff)
    viewing = DocumentViewing.objects.create(
        document=IdentityDocumentFactory(request=obj), viewed_by=staff
    )
    log = StateLog.objects.get(
        object_id=obj.pk, content_type=ContentType.objects.get_for_model(DisclosureRequest)
    )
    app = "django_fsm_log" if model == "statelog" else "requests_app"
    pk = log.pk if model == "statelog" else viewing.pk
    browser = client_for(client, superuser)

    delete = browser.post(reverse(f"admin:{app}_{model}_delete", args=[pk]), {"post": "yes"})
    change = browser.post(reverse(f"admin:{app}_{model}_change", args=[pk]), {})

    assert delete.status_code == 403
    assert change.status_code == 403
    assert StateLog.objects.filter(pk=log.pk).exists()
    assert DocumentViewing.objects.filter(pk=viewing.pk).exists()


def test_the_compilation_page_shows_the_persons_data(client, staff, customer):
    obj = request_in(S.VERIFIED, customer=customer)

    response = client_for(client, staff).get(
        reverse("admin:requests_app_disclosurerequest_compilation", args=[obj.pk])
    )

    assert customer.address in response.content.decode()
