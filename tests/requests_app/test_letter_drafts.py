"""Draft, preview, approve that version (issue 12): the response letter is a draft at
draft_response, staff edit its declared free-text parts (history kept), the approval names the
exact PDF it saw, and the letter sent is those bytes.

The render task body is called directly here (its Celery run is in tests/e2e/test_letter_draft.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consent_app.models import Recipient
from requests_app import services
from requests_app.letters import drafts
from requests_app.letters.tasks import letter_draft_render, letter_render
from requests_app.models import Letter, LetterDraft, RequestState
from tests.conftest import client_for

from .helpers import message, request_in
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
    return tmp_path / "private"


def drafted(customer, staff, **fields) -> tuple:
    """A disclosure drafted by `staff`, its draft rendered."""
    request = request_in(RequestState.VERIFIED, customer=customer, assignee=staff, **fields)
    outcome = fields.pop("outcome", "fulfilled")
    services.request_draft_response(request=request, by=staff, outcome=outcome, method_used="paper")
    request.refresh_from_db()
    draft = drafts.draft_current(request=request)
    letter_draft_render(draft.pk)
    draft.refresh_from_db()
    assert draft.status == LetterDraft.Status.RENDERED, draft.error
    return request, draft


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def test_draft_response_renders_a_watermarked_draft_and_the_final_bytes(customer, staff):
    request, draft = drafted(customer, staff)
    assert (draft.round, draft.revision, draft.created_by) == (draft.round, 1, staff)
    final, preview = read(draft.file), read(draft.preview_file)
    write_sample("draft-disclosure-ja-preview", preview)
    write_sample("draft-disclosure-ja-final", final)
    assert hashlib.sha256(final).hexdigest() == draft.sha256
    final_text, preview_text = flat(pdf_text(final)), flat(pdf_text(preview))
    assert "下書き" in preview_text and "下書き" not in final_text
    # Nothing but the watermark differs.
    assert preview_text.replace("下書き", "") == final_text
    assert f"{request.reference}-R{draft.round}" in final_text


def test_an_english_draft_is_watermarked_draft(make_customer, staff):
    customer = make_customer(preferred_language="en")
    _request, draft = drafted(customer, staff)
    assert "DRAFT" in pdf_text(read(draft.preview_file))
    assert "DRAFT" not in pdf_text(read(draft.file))


def test_the_template_declares_its_parts_with_defaults(customer, staff):
    _request, draft = drafted(customer, staff)
    parts = {item["name"]: item for item in drafts.draft_parts(draft=draft)}
    assert list(parts) == ["opening", "explanation", "closing"]
    assert parts["opening"]["label"] == "前文"
    assert parts["opening"]["text"].startswith("拝啓")
    assert "別紙のとおり開示いたします" in parts["explanation"]["text"]
    assert "<p" not in parts["explanation"]["text"]  # plain text, never template HTML
    assert parts["closing"]["text"] == ""
    assert not any(item["edited"] for item in parts.values())


def test_an_edit_is_a_new_revision_with_who_and_when_and_prints_as_text(
    customer, staff, other_staff
):
    request, first = drafted(customer, staff)
    text = "ご請求の内容を確認いたしました。\n\n<b>太字</b>は使えません。"
    second = drafts.draft_edit(
        request=request, by=other_staff, part="explanation", text=text, base_id=first.pk
    )
    assert (second.revision, second.part, second.created_by) == (2, "explanation", other_staff)
    letter_draft_render(second.pk)
    second.refresh_from_db()
    final = flat(pdf_text(read(second.file)))
    assert "ご請求の内容を確認いたしました。" in final
    assert "<b>太字</b>は使えません。" in final  # escaped: printed, not interpreted
    assert "別紙のとおり開示いたします" not in final  # the default is replaced
    history = drafts.draft_history(draft=second)
    assert [(h.revision, h.created_by) for h in history] == [(1, staff), (2, other_staff)]
    # The history is append-only in the database itself.
    with pytest.raises(Exception, match="pgtrigger"):
        LetterDraft.objects.filter(pk=first.pk).update(texts={"opening": "x"})


def test_an_edit_over_a_newer_revision_is_refused_and_saves_nothing(customer, staff):
    request, first = drafted(customer, staff)
    drafts.draft_edit(request=request, by=staff, part="closing", text="以上", base_id=first.pk)
    with pytest.raises(ValidationError) as exc:
        drafts.draft_edit(request=request, by=staff, part="closing", text="別", base_id=first.pk)
    assert exc.value.messages == [message(drafts.DRAFT_CHANGED)]
    assert LetterDraft.objects.filter(request=request).count() == 2


@pytest.mark.parametrize(
    ("part", "text", "expected"),
    [
        ("body", "x", message(drafts.PART_UNKNOWN, part="body")),
        ("closing", "あ" * 4001, message(drafts.TEXT_TOO_LONG, length=4001, limit=4000)),
    ],
)
def test_bad_edits_get_a_clear_message(customer, staff, part, text, expected):
    request, first = drafted(customer, staff)
    with pytest.raises(ValidationError) as exc:
        drafts.draft_edit(request=request, by=staff, part=part, text=text, base_id=first.pk)
    assert exc.value.messages == [expected]
    assert LetterDraft.objects.filter(request=request).count() == 1


def approve(request, by, draft):
    return services.request_approve_and_send(
        request=request, by=by, draft_id=draft.pk, draft_sha256=draft.sha256
    )


def test_the_letter_sent_is_the_approved_pdf_byte_for_byte(customer, staff, other_manager):
    request, first = drafted(customer, staff)
    edited = drafts.draft_edit(
        request=request,
        by=staff,
        part="explanation",
        text="担当者が確認した説明です。",
        base_id=first.pk,
    )
    letter_draft_render(edited.pk)
    edited.refresh_from_db()
    approve(request, other_manager, edited)
    edited.refresh_from_db()
    assert edited.approved_by == other_manager and edited.approved_at is not None
    letter = Letter.objects.get(request=request, draft=edited)
    # A render now would differ (the request is answered); the letter is the approved bytes.
    letter_render(letter.pk)
    letter.refresh_from_db()
    sent = read(letter.file)
    assert letter.status == Letter.Status.GENERATED
    assert hashlib.sha256(sent).hexdigest() == edited.sha256 == letter.sha256
    assert sent == read(edited.file)
    assert "担当者が確認した説明です。" in flat(pdf_text(sent))


def test_an_approval_of_a_draft_that_changed_is_refused_and_changes_nothing(
    customer, staff, other_manager
):
    request, first = drafted(customer, staff)
    shown = (first.pk, first.sha256)  # the approval page was opened here
    newer = drafts.draft_edit(
        request=request,
        by=staff,
        part="closing",
        text="今後ともよろしくお願いいたします。",
        base_id=first.pk,
    )
    letter_draft_render(newer.pk)
    with pytest.raises(ValidationError) as exc:
        services.request_approve_and_send(
            request=request, by=other_manager, draft_id=shown[0], draft_sha256=shown[1]
        )
    assert exc.value.messages == [message(drafts.DRAFT_CHANGED)]
    request.refresh_from_db()
    assert request.state == RequestState.RESPONSE_DRAFTED
    assert not Letter.objects.filter(request=request, kind="response").exists()
    # The same revision with another hash (a re-rendered file) is refused too.
    newer.refresh_from_db()
    with pytest.raises(ValidationError):
        services.request_approve_and_send(
            request=request, by=other_manager, draft_id=newer.pk, draft_sha256="0" * 64
        )


def test_whoever_wrote_part_of_the_letter_cannot_approve_it(
    customer, staff, manager, other_manager
):
    request, first = drafted(customer, staff)
    edited = drafts.draft_edit(
        request=request, by=manager, part="closing", text="敬具の前に一言。", base_id=first.pk
    )
    letter_draft_render(edited.pk)
    edited.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        approve(request, manager, edited)
    assert exc.value.messages == [message(drafts.EDITOR_APPROVES)]
    # Rendering again writes nothing: it does not make the approver an editor.
    again = drafts.draft_rerender(request=request, by=other_manager, base_id=edited.pk)
    letter_draft_render(again.pk)
    again.refresh_from_db()
    approve(request, other_manager, again)
    request.refresh_from_db()
    assert request.state == RequestState.RESPONDED


def test_a_draft_still_rendering_or_dated_yesterday_is_not_approved(customer, staff, other_manager):
    request, first = drafted(customer, staff)
    pending = drafts.draft_rerender(request=request, by=staff, base_id=first.pk)
    with pytest.raises(ValidationError) as exc:
        approve(request, other_manager, pending)
    assert exc.value.messages == [message(drafts.DRAFT_NOT_READY)]
    letter_draft_render(pending.pk)
    pending.refresh_from_db()
    LetterDraft.objects.filter(pk=pending.pk).update(
        letter_date=pending.letter_date - dt.timedelta(days=1)
    )
    pending.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        approve(request, other_manager, pending)
    assert exc.value.code == "draft_out_of_date"


def test_an_erasure_draft_says_what_the_approval_will_have_done(make_customer, staff):
    customer = make_customer()
    request = request_in(
        RequestState.VERIFIED,
        customer=customer,
        request_type="erasure",
        use_measure="erase",
        disclosure_method_requested="",
    )
    request = services.request_draft_response(request=request, by=staff, outcome="fulfilled")
    draft = drafts.draft_current(request=request)
    letter_draft_render(draft.pk)
    draft.refresh_from_db()
    text = flat(pdf_text(read(draft.file)))
    assert "消去いたしました" in text
    actions = drafts.approval_actions(request=request)
    assert actions[0].startswith(f"顧客 {customer.number} を消去し同意")


def test_approval_actions_in_japanese_with_real_values(make_customer, staff):
    customer = make_customer()
    stop_all = request_in(
        RequestState.RESPONSE_DRAFTED,
        customer=customer,
        request_type="provision_stop",
        outcome="fulfilled",
    )
    assert drafts.approval_actions(request=stop_all)[0] == "全提供先への第三者提供を停止します"
    recipient = Recipient.objects.order_by("pk").first()
    if recipient is not None:
        stop_one = request_in(
            RequestState.RESPONSE_DRAFTED,
            customer=customer,
            request_type="provision_stop",
            outcome="fulfilled",
            suspension_recipient=recipient,
        )
        assert drafts.approval_actions(request=stop_one)[0] == (
            f"{recipient.name}への第三者提供を停止します"
        )
    electronic = request_in(
        RequestState.RESPONSE_DRAFTED,
        customer=customer,
        outcome="fulfilled",
        disclosure_method_requested="electronic",
        disclosure_method_used="electronic",
    )
    assert "電磁的記録の写しを作成します" in drafts.approval_actions(request=electronic)


def test_a_correction_lists_each_field_and_value(make_customer, staff):
    from tests.factories import CorrectionItemFactory

    customer = make_customer()
    request = request_in(
        RequestState.RESPONSE_DRAFTED,
        customer=customer,
        request_type="correction",
        outcome="fulfilled",
        disclosure_method_requested="",
    )
    CorrectionItemFactory(
        request=request, field_name="address", requested_value="東京都千代田区丸の内1-1-1"
    )
    assert drafts.approval_actions(request=request)[0] == (
        "住所を「東京都千代田区丸の内1-1-1」に訂正します"
    )


# --- the pages ---------------------------------------------------------------------------------
def test_the_request_page_shows_the_draft_its_parts_and_history(client, customer, staff):
    request, draft = drafted(customer, staff)
    client_for(client, staff)
    page = client.get(reverse("admin:requests_app_disclosurerequest_change", args=[request.pk]))
    html = page.content.decode()
    assert 'id="letter-draft"' in html
    assert "前文" in html and "本文" in html and "結び" in html
    preview = reverse(
        "admin:requests_app_disclosurerequest_draft_pdf", args=[request.pk, draft.pk, "draft"]
    )
    assert preview in html
    response = client.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == read(draft.preview_file)


def test_the_pdfs_are_permission_checked(client, customer, staff, outsider, other_manager):
    request, draft = drafted(customer, staff)

    def url(which):
        return reverse(
            "admin:requests_app_disclosurerequest_draft_pdf", args=[request.pk, draft.pk, which]
        )

    client_for(client, staff)
    assert client.get(url("final")).status_code == 403  # the final PDF is for the approver
    client_for(client, outsider)
    assert client.get(url("draft")).status_code in (302, 403)
    client_for(client, other_manager)
    final = client.get(url("final"))
    assert final.status_code == 200
    assert hashlib.sha256(b"".join(final.streaming_content)).hexdigest() == draft.sha256
    assert client.get(url("other")).status_code == 404


def test_editing_through_the_page(client, customer, staff):
    request, draft = drafted(customer, staff)
    client_for(client, staff)
    edit = reverse(
        "admin:requests_app_disclosurerequest_draft_edit", args=[request.pk, "explanation"]
    )
    form = client.get(edit)
    assert "別紙のとおり開示いたします" in form.content.decode()
    with mock.patch.object(letter_draft_render, "delay"):
        done = client.post(edit, {"base_id": draft.pk, "text": "新しい説明。"})
    assert done.status_code == 302
    current = drafts.draft_current(request=request)
    assert current.texts == {"explanation": "新しい説明。"} and current.created_by == staff
    stale = client.post(edit, {"base_id": draft.pk, "text": "古いページから。"})
    assert message(drafts.DRAFT_CHANGED) in stale.content.decode()
    assert drafts.draft_current(request=request).pk == current.pk
    assert (
        client.get(
            reverse("admin:requests_app_disclosurerequest_draft_edit", args=[request.pk, "nope"])
        ).status_code
        == 404
    )


def test_the_approval_page_shows_the_letter_and_what_approving_does(
    client, customer, staff, other_manager
):
    request, draft = drafted(customer, staff)
    client_for(client, other_manager)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[request.pk, "approve_and_send"]
    )
    html = client.get(url).content.decode()
    assert draft.sha256 in html
    assert (
        reverse(
            "admin:requests_app_disclosurerequest_draft_pdf", args=[request.pk, draft.pk, "final"]
        )
        in html
    )
    assert "承認すると行われること" in html
    # The draft changes while the page is open: the approval is refused, nothing changes.
    drafts.draft_edit(request=request, by=staff, part="closing", text="追記。", base_id=draft.pk)
    refused = client.post(
        url,
        {
            "expected_state": request.state,
            "confirm": "on",
            "draft_id": draft.pk,
            "draft_sha256": draft.sha256,
        },
        follow=True,
    )
    assert message(drafts.DRAFT_CHANGED) in refused.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.RESPONSE_DRAFTED
