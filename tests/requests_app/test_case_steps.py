"""A case's steps taken once for all its rights (issue 13): one set of identity documents and one
verification, one due date, one response letter answering each right with its own outcome,
ground and fee. Each right keeps its own rules; a one-right case works exactly as before."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from requests_app import services
from requests_app.letters import drafts
from requests_app.letters.context import letter_context
from requests_app.letters.drafts import draft_context
from requests_app.letters.tasks import letter_render
from requests_app.models import DisclosureRequest, IdentityDocument, Letter, LetterKind
from requests_app.models import RequestState as S
from requests_app.selectors import identity_documents_due_for_purge
from requests_app.services import case_letters, case_steps, cases, workflow
from requests_app.summary import request_summary

from .letters_helpers import flat, pdf_text, write_sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def _png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), "#c9d6e3").save(buffer, format="PNG")
    return SimpleUploadedFile("licence.png", buffer.getvalue(), content_type="image/png")


def two_right_case(staff, *, documents=True):
    """A postal letter asking for disclosure and for provision to third parties to stop: two
    rights of one case, its one form sent and returned with the ID document."""
    first = services.request_create(
        by=staff,
        request_type="disclosure",
        requester_name="佐藤 花子",
        requester_address="東京都千代田区丸の内1-1-1",
        disclosure_method_requested="paper",
        assignee=staff,
    )
    second = cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="provision_stop",
        reason="同じ請求書で第三者提供の停止にもチェック",
        legal_ground="rights_harm",
        received_at=first.received_at,
    )
    first = services.request_send_form(request=first, by=staff)
    if documents:
        services.identity_document_upload(
            request=first,
            document_type=IdentityDocument.DocumentType.DRIVERS_LICENCE,
            file=_png(),
            by=staff,
        )
    first = services.request_receive_documents(request=first, by=staff)
    second.refresh_from_db()
    return [first, second]


def _answers(case):
    """The case's letters beyond its request forms: its answers."""
    return Letter.objects.filter(request__case=case).exclude(kind=LetterKind.REQUEST_FORM)


def _logs(right, transition):
    return StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest),
        object_id=str(right.pk),
        transition=transition,
    )


# --- one form, one return -----------------------------------------------------------------------
def test_one_form_and_one_return_move_every_right_of_the_case_each_on_its_own_clock(staff):
    first, second = two_right_case(staff)
    assert first.state == second.state == S.DOCUMENTS_RECEIVED
    assert first.documents_received_on == second.documents_received_on
    assert second.due_date is not None  # its own type's rule
    # One request form for the case, ticking both rights.
    [form] = Letter.objects.filter(request__case=first.case, kind=LetterKind.REQUEST_FORM)
    ticked = [t["code"] for t in letter_context(letter=form)["request_types"] if t["checked"]]
    assert ticked == ["disclosure", "provision_stop"]
    for transition in ("send_form", "receive_documents"):
        [covered] = _logs(second, transition)
        assert covered.by == staff and first.reference in covered.description


def test_more_documents_asked_for_once_stop_every_right_waiting_on_them(staff):
    first, second = two_right_case(staff, documents=False)
    services.request_more_documents(request=second, by=staff, reason="本人確認書類が未同封")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == S.FORM_SENT
    assert first.due_date is None and second.due_date is None
    [letter] = Letter.objects.filter(request__case=first.case, kind=LetterKind.MORE_DOCUMENTS)
    assert letter.request_id == second.pk
    [covered] = _logs(first, "request_more_documents")
    assert second.reference in covered.description


def test_a_right_asked_for_after_the_form_went_out_waits_for_its_own_form(staff):
    first = services.request_create(
        by=staff, request_type="disclosure", requester_name="佐藤 花子", assignee=staff
    )
    first = services.request_send_form(request=first, by=staff)
    later = cases.case_add_right(
        case=first.case, by=staff, request_type="correction", reason="追って訂正の請求"
    )
    services.request_receive_documents(request=first, by=staff)
    later.refresh_from_db()
    assert later.state == S.INQUIRY and later.due_date is None


# --- one set of documents, one verification -----------------------------------------------------
def test_the_documents_uploaded_on_one_right_count_for_every_right_of_the_case(staff):
    first, second = two_right_case(staff)
    assert first.missing_documents() == second.missing_documents() == []
    with translation.override("ja"):
        summary = request_summary(request=second)
    assert summary.documents == [f"運転免許証 ({first.reference})"]


def _form_data(response) -> dict:
    """What the change page would post back unchanged: the form and its inlines as shown."""
    data: dict = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_every_right_page_lists_the_case_documents_and_saves_without_touching_them(client, staff):
    first, second = two_right_case(staff)
    document = IdentityDocument.objects.get()
    client.force_login(staff)
    url = reverse("admin:requests_app_disclosurerequest_change", args=[second.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert reverse("admin:requests_app_identitydocument_file", args=[document.pk]) in html
    assert first.reference in html
    # Saving the other right's page leaves the document where it was uploaded.
    response = client.post(url, {**_form_data(page), "_continue": "1"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 302, response.context["adminform"].form.errors
    document.refresh_from_db()
    assert document.request_id == first.pk


def test_verifying_one_right_verifies_every_right_of_the_case_each_logged(staff, customer):
    first, second = two_right_case(staff)
    services.request_verify_identity(request=second, by=staff, customer=customer, comment="確認")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == S.VERIFIED
    assert first.customer == second.customer == customer
    # Its siblings are the same letter, not possible duplicates of it.
    assert first.possible_duplicate_of is None and second.possible_duplicate_of is None
    [own] = _logs(second, "verify_identity")
    [covered] = _logs(first, "verify_identity")
    assert own.by == covered.by == staff
    assert own.description == "確認"
    assert first.case.reference in covered.description
    assert second.reference in covered.description
    assert covered.timestamp >= own.timestamp


def test_the_case_verifies_from_the_case_and_leaves_a_right_still_waiting_for_its_form(
    staff, customer
):
    first, second = two_right_case(staff)
    third = cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="correction",
        reason="追って訂正の請求",
    )
    verified = case_steps.case_verify_identity(case=first.case, by=staff, customer=customer)
    assert [r.pk for r in verified] == [first.pk, second.pk]
    third.refresh_from_db()
    assert third.state == S.INQUIRY


def test_without_a_document_on_any_right_no_right_is_verified(staff, customer):
    first, _second = two_right_case(staff, documents=False)
    with pytest.raises(ValidationError):
        services.request_verify_identity(request=first, by=staff, customer=customer)
    assert set(DisclosureRequest.objects.values_list("state", flat=True)) == {S.DOCUMENTS_RECEIVED}


def test_a_stale_page_of_the_other_right_gets_the_request_changed_under_you(staff, customer):
    first, second = two_right_case(staff)
    services.request_verify_identity(request=first, by=staff, customer=customer)
    with pytest.raises(ValidationError) as caught:
        services.request_verify_identity(request=second, by=staff, customer=customer)
    assert caught.value.code == "conflict"


def test_the_case_documents_wait_for_the_purge_until_every_right_has_ended(staff, settings):
    first, second = two_right_case(staff)
    later = timezone.now() + timedelta(days=settings.IDENTITY_DOCUMENT_PURGE_DAYS + 1)
    services.request_withdraw(request=first, by=staff, reason="開示は不要になった")
    assert not identity_documents_due_for_purge(now=later).exists()
    services.request_withdraw(request=second, by=staff, reason="停止も不要")
    assert identity_documents_due_for_purge(now=later).count() == 1


# --- one due date -------------------------------------------------------------------------------
def test_the_summary_and_the_list_show_the_case_due_on_its_earliest_open_right(
    client, staff, manager
):
    first, second = two_right_case(staff)
    today = timezone.localdate()
    DisclosureRequest.objects.filter(pk=first.pk).update(due_date=today + timedelta(days=9))
    DisclosureRequest.objects.filter(pk=second.pk).update(due_date=today + timedelta(days=3))
    with translation.override("ja"):
        summary = request_summary(request=first)
    assert summary.case_due_date == today + timedelta(days=3)
    assert summary.case_reference == first.reference
    assert len(summary.case_rights) == 2

    client.force_login(manager)
    html = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[first.pk]),
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert 'id="summary-case"' in html
    listing = client.get(
        reverse("admin:requests_app_disclosurerequest_changelist") + "?queue=all",
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert listing.count('class="case-due"') == 2


# --- one response letter ------------------------------------------------------------------------
def _answer_both(staff, manager, customer, *, draft_second=True, second_drafter=None):
    """A partial refusal of the disclosure (internal notes withheld) and, unless told otherwise,
    the suspension fulfilled, both drafted."""
    first, second = two_right_case(staff)
    services.request_verify_identity(request=first, by=staff, customer=customer)
    first.refresh_from_db()
    second.refresh_from_db()
    first = services.request_draft_response(
        request=first,
        by=staff,
        outcome="partly_fulfilled",
        refusal_ground="business_hindrance",
        explanation="社内の検討記録は業務の適正な実施に著しい支障を及ぼすため開示できません。",
        method_used="paper",
        withheld_sections=["comments"],
    )
    if draft_second:
        second = services.request_draft_response(
            request=second, by=second_drafter or staff, outcome="fulfilled"
        )
    return first, second


def test_one_approval_answers_every_drafted_right_of_the_case_in_one_letter(
    staff, manager, customer
):
    first, second = _answer_both(staff, manager, customer)
    # No draft of a letter of its own: the case's one letter is drafted, on its first right,
    # once both are drafted, and answers both.
    assert not second.letter_drafts.exists()
    [draft] = first.letter_drafts.all()
    assert draft.kind == LetterKind.CASE_RESPONSE and draft.created_by == staff
    assert [r["reference"] for r in draft_context(draft=draft)["case"]["answered"]] == [
        first.reference,
        second.reference,
    ]
    services.request_approve_and_send(request=first, by=manager, comment="確認済み")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == S.RESPONDED
    assert first.approved_by == second.approved_by == manager
    [own] = _logs(first, "approve_and_send")
    [covered] = _logs(second, "approve_and_send")
    assert own.by == covered.by == manager and own.description == "確認済み"
    assert first.reference in covered.description
    [letter] = _answers(first.case)
    assert (letter.request_id, letter.kind) == (first.pk, LetterKind.CASE_RESPONSE)
    assert letter.draft == draft  # the approved draft is the letter
    draft.refresh_from_db()
    assert draft.approved_by == manager
    # Idempotent: asked again, the case keeps its one letter.
    assert case_letters.case_response_queue(case_id=first.case_id, by=manager) == letter
    assert _answers(first.case).count() == 1


def test_a_right_still_being_worked_on_makes_the_case_letter_wait(staff, manager, customer):
    first, second = _answer_both(staff, manager, customer, draft_second=False)
    assert case_letters.case_letter_action(first) == str(case_letters.CASE_LETTER_WAITS)
    services.request_approve_and_send(request=first, by=manager)
    assert not _answers(first.case).exists()
    second.refresh_from_db()
    second = services.request_draft_response(request=second, by=staff, outcome="fulfilled")
    assert case_letters.case_letter_action(second) == str(case_letters.CASE_LETTER_SENT)
    services.request_approve_and_send(request=second, by=manager)
    [letter] = _answers(first.case)
    assert (letter.request_id, letter.kind) == (first.pk, LetterKind.CASE_RESPONSE)
    # Idempotent: asked again, the case keeps its one letter.
    assert case_letters.case_response_queue(case_id=first.case_id, by=manager) == letter
    assert _answers(first.case).count() == 1


def test_the_case_letter_answers_each_right_with_its_own_outcome_ground_and_fee(
    staff, manager, customer
):
    first, _second = _answer_both(staff, manager, customer)
    DisclosureRequest.objects.filter(pk=first.pk).update(
        fee_amount=1000,
        fee_payment_method="postal_money_order",
        fee_received_on=timezone.localdate(),
    )
    services.request_approve_and_send(request=first, by=manager)
    letter = _answers(first.case).get()
    context = letter_context(letter=letter)
    # Its number is never read as the second right's reference (PR-2026-000001-2).
    assert context["letter"]["number"] == f"{first.reference}-L{letter.pk}"
    answered = context["case"]["answered"]
    assert [r["type_title"] for r in answered] == [
        "保有個人データの開示",
        "保有個人データの第三者への提供の停止",
    ]
    assert [r["outcome_text"] for r in answered] == [
        "一部について対応いたしました",
        "ご請求のとおり対応いたしました",
    ]
    assert "第33条第2項第2号" in answered[0]["withheld_parts"][0]["ground"]
    assert answered[0]["fee_amount"] == 1000 and answered[1]["fee_amount"] is None

    letter_render(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        pdf = handle.read()
    write_sample("case_response.two_rights.ja", pdf)
    text = flat(pdf_text(pdf))
    for expected in (
        first.case.reference,
        "保有個人データの開示",
        "第三者への提供の停止",
        "一部について対応いたしました",
        "ご請求のとおり対応いたしました",
        "業務の適正な実施に著しい支障",
        "1,000円",
        "定額小為替",
    ):
        assert flat(expected) in text, expected
    for code in ("partly_fulfilled", "business_hindrance", "provision_stop", "fulfilled"):
        assert code not in text


def test_the_last_open_right_withdrawn_sends_the_letter_answering_the_other(
    staff, manager, customer
):
    first, second = _answer_both(staff, manager, customer, draft_second=False)
    services.request_approve_and_send(request=first, by=manager)
    second.refresh_from_db()
    services.request_withdraw(request=second, by=staff, reason="停止の請求は取り下げ")
    letter = _answers(first.case).get()
    assert [r["reference"] for r in letter_context(letter=letter)["case"]["answered"]] == [
        first.reference
    ]


def test_the_last_open_right_split_off_sends_the_letter_answering_the_old_case(
    staff, manager, customer
):
    first, second = _answer_both(staff, manager, customer, draft_second=False)
    services.request_approve_and_send(request=first, by=manager)
    second.refresh_from_db()
    cases.case_split_right(right=second, by=staff, reason="停止の調査に延長が必要")
    assert Letter.objects.filter(request=first, kind=LetterKind.CASE_RESPONSE).count() == 1
    assert not _answers(second.case).exists()


def test_every_right_withdrawn_owes_no_letter(staff):
    first, second = two_right_case(staff)
    services.request_withdraw(request=first, by=staff, reason="取り下げ")
    services.request_withdraw(request=second, by=staff, reason="取り下げ")
    assert not _answers(first.case).exists()


def test_four_eyes_still_holds_for_each_right_of_the_case(staff, manager, customer):
    first, _second = _answer_both(staff, manager, customer)
    with pytest.raises(ValidationError):
        services.request_approve_and_send(request=first, by=staff)
    assert not Letter.objects.filter(kind=LetterKind.CASE_RESPONSE).exists()


def test_a_manager_who_drafted_one_right_cannot_approve_the_case(staff, manager, customer):
    first, second = two_right_case(staff)
    services.request_verify_identity(request=first, by=staff, customer=customer)
    second.refresh_from_db()
    services.request_draft_response(request=second, by=manager, outcome="fulfilled")
    first.refresh_from_db()
    first = services.request_draft_response(
        request=first, by=staff, outcome="fulfilled", method_used="paper", withheld_sections=[]
    )
    with pytest.raises(ValidationError) as caught:
        services.request_approve_and_send(request=first, by=manager)
    [text] = caught.value.messages
    assert second.reference in text and str(workflow.FOUR_EYES) in text
    assert set(DisclosureRequest.objects.values_list("state", flat=True)) == {S.RESPONSE_DRAFTED}
    assert not _answers(first.case).exists()


def test_the_manager_who_wrote_the_case_letter_cannot_approve_it(staff, manager, customer):
    first, _second = _answer_both(staff, manager, customer, second_drafter=manager)
    with pytest.raises(ValidationError) as caught:
        services.request_approve_and_send(request=first, by=manager)
    assert caught.value.messages == [str(drafts.EDITOR_APPROVES)]
    assert not _answers(first.case).exists()


def test_a_case_letter_draft_no_longer_answering_the_case_is_not_sent(staff, manager, customer):
    first, second = _answer_both(staff, manager, customer)
    draft = first.letter_drafts.get()
    # A right changes after the letter was drafted: the draft no longer answers the case.
    services.request_update(request=second, by=staff, changes={"notes": "電話で補足あり"})
    assert case_letters.case_draft_current(first.case_id) is None
    assert case_letters.case_letter_action(first) == str(case_letters.CASE_LETTER_RENDERED_AFTER)
    with pytest.raises(ValidationError) as caught:  # the page showed that draft
        services.request_approve_and_send(request=first, by=manager, draft_id=draft.pk)
    assert caught.value.code == "draft_changed"
    services.request_approve_and_send(request=first, by=manager)  # no page: rendered after
    assert _answers(first.case).get().draft is None


def test_a_right_withdrawn_among_drafted_ones_redrafts_the_case_letter_without_it(
    staff, manager, customer
):
    first, second = _answer_both(staff, manager, customer, draft_second=False)
    third = cases.case_add_right(
        case=first.case, by=staff, request_type="correction", reason="同じ書面で訂正も"
    )
    second.refresh_from_db()
    services.request_draft_response(request=second, by=staff, outcome="fulfilled")
    assert not first.letter_drafts.exists()  # the correction is still open
    services.request_withdraw(request=third, by=staff, reason="訂正は不要")
    draft = case_letters.case_draft_current(first.case_id)
    assert draft is not None and draft.request_id == first.pk
    assert [r["reference"] for r in draft_context(draft=draft)["case"]["answered"]] == [
        first.reference,
        second.reference,
    ]


def test_the_approval_page_says_which_rights_it_approves_and_the_case_letter(
    client, staff, manager, customer
):
    first, second = _answer_both(staff, manager, customer)
    client.force_login(manager)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[first.pk, "approve_and_send"]
    )
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert second.reference in html
    with translation.override("ja"):
        assert str(case_letters.CASE_LETTER_SENT) in html


def test_a_right_whose_siblings_were_withdrawn_is_answered_alone_as_before(
    staff, manager, customer
):
    first, second = two_right_case(staff)
    services.request_withdraw(request=second, by=staff, reason="停止は不要")
    first.refresh_from_db()
    first = services.request_verify_identity(request=first, by=staff, customer=customer)
    first = services.request_draft_response(
        request=first, by=staff, outcome="fulfilled", method_used="paper"
    )
    assert first.letter_drafts.count() == 1
    services.request_approve_and_send(request=first, by=manager)
    assert list(_answers(first.case).values_list("kind", flat=True)) == [LetterKind.RESPONSE]


def test_the_case_letter_reads_in_english_for_a_customer_who_prefers_it(
    staff, manager, make_customer
):
    customer = make_customer(preferred_language="en")
    first, _second = _answer_both(staff, manager, customer)
    services.request_approve_and_send(request=first, by=manager)
    letter = _answers(first.case).get()
    assert letter.language == "en"
    letter_render(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        pdf = handle.read()
    write_sample("case_response.two_rights.en", pdf)
    text = flat(pdf_text(pdf))
    for expected in (
        "Partly fulfilled",
        "Fulfilled in full",
        "Article 33(2)(ii)",
        "We have stopped providing your personal information to any third party",
    ):
        assert flat(expected) in text, expected


def test_the_approval_page_warns_of_an_erasure_approved_with_the_right(
    client, staff, manager, customer
):
    first = services.request_create(
        by=staff, request_type="disclosure", requester_name="佐藤 花子", assignee=staff
    )
    erasure = cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="erasure",
        reason="同じ書面で消去も",
        legal_ground="no_longer_needed",
        use_measure="erase",
    )
    first = services.request_send_form(request=first, by=staff)
    services.identity_document_upload(
        request=first,
        document_type=IdentityDocument.DocumentType.DRIVERS_LICENCE,
        file=_png(),
        by=staff,
    )
    first = services.request_receive_documents(request=first, by=staff)
    first = services.request_verify_identity(request=first, by=staff, customer=customer)
    first = services.request_draft_response(
        request=first, by=staff, outcome="fulfilled", method_used="paper", withheld_sections=[]
    )
    erasure.refresh_from_db()
    services.request_draft_response(request=erasure, by=staff, outcome="fulfilled")
    client.force_login(manager)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[first.pk, "approve_and_send"]
    )
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'class="errornote"' in html  # the erasure warning, on the disclosure's page
    assert erasure.reference in html


def test_the_list_costs_no_more_queries_with_cases_of_several_rights(
    client, staff, manager, django_assert_max_num_queries
):
    two_right_case(staff)
    client.force_login(manager)
    url = reverse("admin:requests_app_disclosurerequest_changelist") + "?queue=all"
    client.get(url)  # warm caches
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(5):
        two_right_case(staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('class="case-due"') == 12
