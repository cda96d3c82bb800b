"""One case, two rights, one verification, one letter (issue 13), in Debian's Chromium on the live
server with a real Celery worker over Redis rendering the letters.

A postal letter asks for disclosure of the person's data and for provision to third parties to
stop. Privacy staff (alice, logged in through the login form) logs it, adds the second right to
the case, sends the one request form (both boxes ticked), receives it back with the ID document
and verifies identity once, from the second right's page: both rights are verified, each right's
timeline saying so. Staff draft a partial refusal of the disclosure (internal notes withheld,
Art. 33(2)(ii)) and the fulfilment of the suspension; the case's one letter is then drafted and
rendered by the worker. A manager (maria, another user) reads it on the approval page of the
second right (which names the first right it approves too) and approves the case once: the
letter sent is that PDF, byte for byte, answering both rights, each with its own outcome,
ground and fee, in Japanese. The PDF
is kept in var/e2e/ with its pages as PNG (pdftoppm -r 80) for a person to look at.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_app import services
from requests_app.models import DisclosureRequest, Letter, LetterDraft, LetterKind, RequestState
from requests_app.services import case_letters
from tests.conftest import wait_for
from tests.requests_app.letters_helpers import flat, pdf_text

from .conftest import SCREENSHOT_DIR, log_in
from .test_scenarios import (
    _customer,
    _expect,
    _expect_success,
    _id_document_png,
    _request_url,
    _seed_letter_templates,
    _user_page,
    ja,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.postgres]

LETTER_TIMEOUT_S = 180
EXPLANATION = (
    "社内の検討記録は、開示すると当社の業務の適正な実施に著しい支障を及ぼすおそれがあります。"
)


def _keep(pdf: bytes) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / "case-letter-two-rights.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(path), str(path.with_suffix(""))],
            check=True,
            timeout=120,
        )
    return path


def _step(page, right: DisclosureRequest, name: str) -> None:
    page.goto(_request_url(right))
    page.click(f"#workflow a[href$='/transition/{name}/']")


def test_a_letter_asking_for_two_rights_gets_one_verification_and_one_answer(
    live_worker, open_page, shot, staff, manager, tmp_path
):
    expect = _expect()
    _seed_letter_templates()
    customer = _customer(staff)
    page = _user_page(open_page)
    log_in(page, "alice")

    # --- the postal letter: disclosure, and a second box ticked --------------------------------
    page.goto(reverse("admin:requests_app_disclosurerequest_add"))
    page.select_option("#id_request_type", "disclosure")
    page.select_option("#id_channel", "post")
    page.fill("#id_requester_name", "山田 太郎")
    page.fill("#id_requester_name_kana", "ヤマダ タロウ")
    page.fill("#id_requester_date_of_birth", "1980-04-01")
    page.fill("#id_requester_postal_code", "100-0005")
    page.fill("#id_requester_address", "東京都千代田区丸の内1-1-1")
    page.click("input[name=_continue]")
    page.wait_for_url("**/change/")
    first = DisclosureRequest.objects.get()

    page.click("a[href$='/case/add-right/']")
    page.select_option("#id_request_type", "provision_stop")
    page.select_option("#id_legal_ground", "rights_harm")
    page.fill("#id_reason", "同じ請求書で「第三者提供の停止」にもチェックがあった")
    page.click("#content-main input[type=submit]")
    page.wait_for_url("**/change/")
    second = DisclosureRequest.objects.exclude(pk=first.pk).get()
    assert second.case_id == first.case_id
    expect(page.locator("#summary-case")).to_contain_text(first.reference)
    shot("second-right-added", page=page)

    # --- one form, one return, one set of documents ----------------------------------------------
    page.goto(_request_url(first))
    page.click("#workflow button[value=send_form]")
    _expect_success(page, ja(services.transition_label("send_form")))
    _step(page, first, "receive_documents")
    # The disclosure's fee came with the form (Art. 38: the suspension bears none).
    page.fill("#id_fee_amount", "1000")
    page.select_option("#id_fee_payment_method", "postal_money_order")
    page.fill("#id_fee_received_on", timezone.localdate().isoformat())
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("receive_documents")))
    page.click("#workflow a[href$='/documents/upload/']")
    page.select_option("#id_document_type", "drivers_licence")
    page.set_input_files("input[type=file][name=file]", str(_id_document_png(tmp_path / "id.png")))
    page.click("#content-main input[type=submit]")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    # Only one request form went out, for the whole case.
    forms = Letter.objects.filter(request__case=first.case, kind=LetterKind.REQUEST_FORM)
    assert forms.count() == 1

    # --- the second right: its documents are the case's; verify once, there -------------------
    page.goto(_request_url(second))
    summary = page.locator("#request-summary")
    expect(summary).to_contain_text(ja(RequestState.DOCUMENTS_RECEIVED.label))
    expect(summary).to_contain_text(first.reference)  # the document uploaded on the first right
    shot("second-right-sees-the-case-documents", page=page)
    _step(page, second, "verify_identity")
    page.check(f"input[name=candidate][value='{customer.pk}']")
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("verify_identity")))
    page.goto(_request_url(first))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.VERIFIED.label))
    covered = page.locator("#timeline tr.timeline-transition").first
    expect(covered).to_contain_text(ja(services.transition_label("verify_identity")))
    expect(covered).to_contain_text("alice")
    expect(covered).to_contain_text(first.case.reference)
    shot("first-right-verified-by-the-case", page=page)

    # --- staff draft: a partial refusal beside a fulfilment -------------------------------------
    _step(page, first, "draft_response")
    page.select_option("#id_outcome", "partly_fulfilled")
    page.select_option("#id_refusal_ground", "business_hindrance")
    page.fill("#id_outcome_explanation", EXPLANATION)
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("draft_response")))
    _step(page, second, "draft_response")
    page.select_option("#id_outcome", "fulfilled")
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("draft_response")))

    # The case's one letter is drafted once both are: the worker renders it on the first right.
    draft = wait_for(
        lambda: LetterDraft.objects.filter(
            request=first, kind=LetterKind.CASE_RESPONSE, status="rendered"
        ).first(),
        timeout=LETTER_TIMEOUT_S,
    )

    # --- a manager reads the case letter and approves the case once -----------------------------
    approver = _user_page(open_page)
    log_in(approver, "maria")
    _step(approver, second, "approve_and_send")  # from either right's page
    actions = approver.locator("ul.approval-actions")
    expect(actions).to_contain_text(first.reference)  # approved with it
    expect(actions).to_contain_text(ja(case_letters.CASE_LETTER_SENT))
    shown_sha = approver.locator("#approval-sha256").inner_text().strip()
    assert shown_sha == draft.sha256
    final = approver.request.get(approver.locator("#approval-final-pdf").get_attribute("href"))
    assert final.ok and hashlib.sha256(final.body()).hexdigest() == shown_sha
    shot("one-approval-for-the-case", page=approver)
    approver.check("#id_confirm")
    approver.click("#content-main input[type=submit]")
    _expect_success(approver, ja(services.transition_label("approve_and_send")))
    approver.goto(_request_url(first))
    expect(approver.locator("#workflow")).to_contain_text(ja(RequestState.RESPONDED.label))
    covered = approver.locator("#timeline tr.timeline-transition").first
    expect(covered).to_contain_text(ja(services.transition_label("approve_and_send")))
    expect(covered).to_contain_text("maria")
    expect(covered).to_contain_text(second.reference)

    letter = wait_for(
        lambda: Letter.objects.filter(
            request__case=first.case, kind=LetterKind.CASE_RESPONSE, status="generated"
        ).first(),
        timeout=LETTER_TIMEOUT_S,
    )
    answers = Letter.objects.filter(request__case=first.case).exclude(kind=LetterKind.REQUEST_FORM)
    assert list(answers) == [letter]
    approver.goto(_request_url(first))
    link = approver.locator(
        f"a[href='{reverse('admin:requests_app_letter_download', args=[letter.pk])}']"
    )
    expect(link).to_be_visible()
    # The other right's page names the case's letter too.
    approver.goto(_request_url(second))
    expect(approver.locator("#request-summary")).to_contain_text(ja(LetterKind.CASE_RESPONSE.label))
    approver.goto(_request_url(first))
    with approver.expect_download() as info:
        link.click()
    pdf = Path(info.value.path()).read_bytes()
    # The letter sent is the draft the manager read, byte for byte.
    assert hashlib.sha256(pdf).hexdigest() == shown_sha == letter.sha256
    shot("case-letter-on-the-first-right", page=approver)
    _keep(pdf)
    text = flat(pdf_text(pdf))
    for expected in (
        first.case.reference,
        "山田 太郎",
        "保有個人データの開示",
        "保有個人データの第三者への提供の停止",
        "一部について対応いたしました",
        "ご請求のとおり対応いたしました",
        "第33条第2項第2号",
        EXPLANATION,
        "すべての第三者へのお客様の個人情報の提供を停止いたしました",
        "1,000円",
        "定額小為替",
    ):
        assert flat(expected) in text, expected
    for code in ("partly_fulfilled", "business_hindrance", "provision_stop"):
        assert code not in text
