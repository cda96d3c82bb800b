"""Draft, preview, approve that version (issue 12), in Debian's Chromium on the live server with a
real Celery worker over Redis rendering the drafts and the letter.

Privacy staff (alice) drafts the response to an address correction through the request page and
reads the draft (watermarked 下書き), edits its explanation, and sees the edit in the draft's
history; a manager (maria, another user) opens the approval page, reads what approving will do
and the letter to be sent, and approves it. The letter the worker produces is that PDF: the
same SHA-256, with the edited explanation in its text. The draft and the final PDFs are kept in
var/e2e/ (and converted to PNG there when pdftoppm is installed) for a person to look at.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from django.urls import reverse

from requests_app import services
from requests_app.letters import drafts
from requests_app.models import CorrectionItem, Letter, LetterDraft, LetterKind, RequestState
from tests.conftest import wait_for
from tests.requests_app.letters_helpers import flat, pdf_text

from .conftest import SCREENSHOT_DIR, log_in
from .test_scenarios import (
    NEW_ADDRESS,
    OLD_ADDRESS,
    TIMEOUT_MS,
    _customer,
    _expect,
    _expect_success,
    _id_document_png_bytes,
    _request_url,
    _seed_letter_templates,
    _user_page,
    ja,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.postgres]

RENDER_TIMEOUT_S = 180
EXPLANATION = "ご請求のとおり、ご住所を訂正いたしました。担当者が確認のうえ記載しております。"


def _verified_correction(staff, customer):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app.models import IdentityDocument

    request = services.request_create(
        by=staff,
        request_type="correction",
        requester_name="山田 太郎",
        requester_name_kana="ヤマダ タロウ",
        requester_postal_code=customer.postal_code,
        requester_address=f"東京都{OLD_ADDRESS}",
        channel="post",
        assignee=staff,
    )
    request = services.request_send_form(request=request, by=staff)
    png = io.BytesIO()
    _id_document_png_bytes(png)
    services.identity_document_upload(
        request=request,
        document_type=IdentityDocument.DocumentType.DRIVERS_LICENCE,
        file=SimpleUploadedFile("licence.png", png.getvalue(), content_type="image/png"),
        by=staff,
    )
    request = services.request_receive_documents(request=request, by=staff)
    request = services.request_verify_identity(request=request, by=staff, customer=customer)
    CorrectionItem.objects.create(
        request=request,
        kind="amend",
        field_name="address",
        current_value=OLD_ADDRESS,
        requested_value=NEW_ADDRESS,
    )
    return request


def _rendered_draft(request, after: int = 0) -> LetterDraft | None:
    draft = drafts.draft_current(request=request)
    if draft is None or draft.pk <= after:
        return None
    if draft.status == LetterDraft.Status.FAILED:
        pytest.fail(f"draft failed: {draft.error}")
    return draft if draft.status == LetterDraft.Status.RENDERED else None


def _keep(name: str, pdf: bytes) -> None:
    """Save the PDF under var/e2e and its pages as PNG (pdftoppm -r 80), to be looked at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"letter-draft-{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(path), str(path.with_suffix(""))],
            check=True,
            timeout=120,
        )


def test_staff_drafts_and_edits_a_manager_approves_the_very_pdf_that_is_sent(
    live_worker, open_page, shot, staff, manager
):
    expect = _expect()
    _seed_letter_templates()
    customer = _customer(staff)
    request = _verified_correction(staff, customer)

    # --- staff drafts the response in the browser -------------------------------------------
    page = _user_page(open_page)
    log_in(page, "alice")
    page.goto(_request_url(request))
    page.click("#workflow a[href$='/transition/draft_response/']")
    page.select_option("#id_outcome", "fulfilled")
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("draft_response")))

    # The worker renders the draft; the request page offers it.
    first = wait_for(lambda: _rendered_draft(request), timeout=RENDER_TIMEOUT_S)
    page.goto(_request_url(request))
    panel = page.locator("#letter-draft")
    expect(panel.locator("#letter-draft-pdf")).to_be_visible()
    expect(panel.locator("tr.letter-part-explanation")).to_contain_text(
        ja(drafts.PART_LABELS["explanation"])
    )
    panel.scroll_into_view_if_needed()
    shot("draft-on-request-page", page=page)
    preview = page.request.get(panel.locator("#letter-draft-pdf").get_attribute("href"))
    assert preview.ok and preview.headers["content-type"] == "application/pdf"
    preview_text = flat(pdf_text(preview.body()))
    assert "下書き" in preview_text
    _keep("1-draft", preview.body())

    # --- staff edits the explanation ----------------------------------------------------------
    panel.locator("tr.letter-part-explanation a").click()
    expect(page.locator("#id_text")).not_to_be_empty()
    page.fill("#id_text", EXPLANATION)
    shot("edit-explanation", page=page)
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(drafts.PART_LABELS["explanation"]))
    edited = wait_for(lambda: _rendered_draft(request, after=first.pk), timeout=RENDER_TIMEOUT_S)
    assert edited.created_by == staff and edited.part == "explanation"
    page.goto(_request_url(request))
    history = page.locator("#letter-draft table.letter-draft-history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text(ja(drafts.PART_LABELS["explanation"]))
    expect(history.nth(1)).to_contain_text("alice")
    expect(page.locator("#letter-draft tr.letter-part-explanation")).to_contain_text(EXPLANATION)
    shot("edited-draft", page=page)
    edited_preview = page.request.get(
        page.locator("#letter-draft-pdf").get_attribute("href")
    ).body()
    assert EXPLANATION in flat(pdf_text(edited_preview))
    _keep("2-edited-draft", edited_preview)

    # --- another manager approves what they read ---------------------------------------------
    approver = _user_page(open_page)
    log_in(approver, "maria")
    approver.goto(_request_url(request))
    approver.click("#workflow a[href$='/transition/approve_and_send/']")
    actions = approver.locator("ul.approval-actions")
    expect(actions).to_contain_text(f"「{NEW_ADDRESS}」に訂正します")
    shown_sha = approver.locator("#approval-sha256").inner_text().strip()
    assert shown_sha == edited.sha256
    final = approver.request.get(approver.locator("#approval-final-pdf").get_attribute("href"))
    assert final.ok
    assert hashlib.sha256(final.body()).hexdigest() == shown_sha
    final_text = flat(pdf_text(final.body()))
    assert EXPLANATION in final_text and "下書き" not in final_text
    shot("approval-page", page=approver)
    approver.check("#id_confirm")
    approver.click("#content-main input[type=submit]")
    _expect_success(approver, ja(services.transition_label("approve_and_send")))
    request.refresh_from_db()
    assert request.state == RequestState.RESPONDED and request.approved_by == manager
    edited.refresh_from_db()
    assert edited.approved_by == manager and edited.sha256 == shown_sha

    # --- the letter sent is the approved PDF ---------------------------------------------------
    letter = wait_for(
        lambda: Letter.objects.filter(
            request=request, kind=LetterKind.RESPONSE, status="generated"
        ).first(),
        timeout=RENDER_TIMEOUT_S,
    )
    approver.goto(_request_url(request))
    link = approver.locator(
        f"a[href='{reverse('admin:requests_app_letter_download', args=[letter.pk])}']"
    )
    expect(link).to_be_visible(timeout=TIMEOUT_MS)
    with approver.expect_download() as info:
        link.click()
    from pathlib import Path

    sent = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(sent).hexdigest() == shown_sha == letter.sha256
    assert letter.draft_id == edited.pk
    assert EXPLANATION in flat(pdf_text(sent))
    _keep("3-sent", sent)
    shot("responded", page=approver)
