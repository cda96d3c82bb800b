"""The four browser scenarios of issue 9, in Debian's Chromium on the live server (PostgreSQL) with
a real Celery worker over Redis where letters are rendered.

1. privacy staff logs an e-mailed correction request and takes it to a drafted response through
   the request page (form sent, returned form with an uploaded ID document, identity verified
   against the customer offered as candidate, address correction entered); the worker renders
   the request-form letter and its PDF downloads from the request page;
2. a manager approves and sends it: the customer's address changes, its history keeps the old
   one, and the request's timeline names the right user at every step;
3. an auditor reads the dashboard (the chart is drawn), exports the request register for Excel
   and finds the request in it, and meets no change or delete button and no ID document;
4. privacy staff trying a manager-only step is refused with a message on the page.

Scenarios 2-4 start from the state the earlier ones reach, built through the same services the
admin calls (so each scenario runs, and fails, on its own). The UI is Japanese, as the staff's
browsers are: expected texts are the catalogue's Japanese, never copied by hand. Each step saves
a screenshot to var/e2e/.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from consent_app.models import Customer
from consent_app.services import customer_create
from privacyoffice.reports.definitions import REPORTS
from requests_app import services
from requests_app.models import (
    CorrectionItem,
    DisclosureRequest,
    IdentityDocument,
    Letter,
    LetterDraft,
    LetterKind,
    LetterTemplate,
    RequestState,
)
from requests_app.services import documents as documents_service
from tests.conftest import wait_for

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.postgres]

OLD_ADDRESS = "千代田区丸の内1-1-1"
NEW_ADDRESS = "港区芝公園4-2-8"
# Generous: two cores shared with other engineers' test runs; Playwright waits, never sleeps.
TIMEOUT_MS = 45_000
LETTER_TIMEOUT_S = 180


# The 403 page's sentence and the site's name (templates/403.html).
NOT_OPEN_TO_YOU = gettext_lazy("This page is not open to you.")
PRIVACY_OFFICE = gettext_lazy("Privacy Office")


def ja(message, **params) -> str:
    """The Japanese the UI shows for a (lazy) message of the project."""
    with translation.override("ja"):
        text = str(message)
        return text % params if params else text


def _expect():
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


def _user_page(open_page):
    page = open_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def _seed_letter_templates() -> None:
    # A transactional test before this one may have flushed the migrations' seed rows.
    from requests_app.letters.seed import seed_letter_templates

    seed_letter_templates(LetterTemplate)


def _id_document_png(path: Path) -> Path:
    """A small but real PNG: a card with a photo box and text lines, as a scanner would give."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 309, 189], outline="#1f4e79", width=3)
    draw.rectangle([22, 40, 102, 150], fill="#c9d6e3")
    for row in range(5):
        draw.line([120, 50 + row * 22, 290, 50 + row * 22], fill="#555555", width=3)
    image.save(path, format="PNG")
    return path


def _customer(staff, **extra) -> Customer:
    fields = {
        "number": "C0000123",
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "postal_code": "100-0005",
        "prefecture": "東京都",
        "address": OLD_ADDRESS,
        "phone": "090-1234-5678",
        "email": "taro.yamada@example.jp",
        "date_of_birth": date(1980, 4, 1),
        **extra,
    }
    return customer_create(by=staff, **fields)


def _drafted_correction(staff, customer: Customer) -> DisclosureRequest:
    """Scenario 1's outcome through the services: a drafted address correction."""
    request = services.request_create(
        by=staff,
        request_type="correction",
        requester_name="山田 太郎",
        requester_name_kana="ヤマダ タロウ",
        requester_date_of_birth=customer.date_of_birth,
        requester_postal_code=customer.postal_code,
        requester_address=f"東京都{OLD_ADDRESS}",
        requester_email=customer.email,
        channel="email",
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
    return services.request_draft_response(
        request=request, by=staff, outcome="fulfilled", summary="住所を訂正しました。"
    )


def _id_document_png_bytes(buffer: io.BytesIO) -> None:
    from PIL import Image

    Image.new("RGB", (64, 40), "#c9d6e3").save(buffer, format="PNG")


def _request_url(request: DisclosureRequest) -> str:
    return reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])


def _letter_generated(request: DisclosureRequest, kind: str) -> Letter | None:
    return Letter.objects.filter(request=request, kind=kind, status="generated").first()


def _letter_link(page, letter: Letter):
    return page.locator(
        f"a[href='{reverse('admin:requests_app_letter_download', args=[letter.pk])}']"
    )


def _expect_success(page, message: str) -> None:
    _expect()(page.locator("ul.messagelist li.success").first).to_contain_text(message)


def _download_pdf(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


# --- 1. staff: from the e-mail to the drafted response -------------------------------------------
def test_staff_takes_an_emailed_correction_request_to_a_drafted_response(
    live_worker, open_page, shot, staff, tmp_path
):
    """GIVEN a customer on file and a live worker
    WHEN privacy staff logs in through the login form, logs the e-mailed correction request,
         sends the form, receives the returned form, uploads the ID document, verifies identity
         against the customer offered as candidate, enters the address correction and drafts
         the response
    THEN every step says it is done, the request is drafted with the customer linked, and the
         request-form letter rendered by the worker downloads from the request page as a PDF."""
    expect = _expect()
    _seed_letter_templates()
    customer = _customer(staff)
    # A namesake's relative at the same postal code: the candidates list must rank, staff choose.
    _customer(
        staff,
        number="C0000456",
        given_name="花子",
        given_name_kana="ハナコ",
        date_of_birth=date(1952, 9, 9),
        email="hanako.yamada@example.jp",
        phone="090-8765-4321",
    )
    page = _user_page(open_page)

    page.goto("/admin/login/?next=/admin/")
    shot("login", page=page)
    log_in(page, "alice")
    expect(page.locator("#user-tools")).to_contain_text("alice")
    shot("home", page=page)

    # The inquiry, as the e-mail gave it.
    page.goto(reverse("admin:requests_app_disclosurerequest_add"))
    page.select_option("#id_request_type", "correction")
    page.select_option("#id_channel", "email")
    page.fill("#id_requester_name", "山田 太郎")
    page.fill("#id_requester_name_kana", "ヤマダ タロウ")
    page.fill("#id_requester_date_of_birth", "1980-04-01")
    page.fill("#id_requester_postal_code", "100-0005")
    page.fill("#id_requester_address", f"東京都{OLD_ADDRESS}")
    page.fill("#id_requester_email", "taro.yamada@example.jp")
    page.fill("#id_request_grounds", f"引っ越したので住所を{NEW_ADDRESS}に直してほしい（メール）")
    shot("inquiry-form", page=page)
    page.click("input[name=_continue]")
    page.wait_for_url("**/change/")
    request = DisclosureRequest.objects.get()
    assert request.state == RequestState.INQUIRY
    assert request.channel == "email" and request.assignee == staff
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.INQUIRY.label))
    expect(page.locator("#content")).to_contain_text(request.reference)
    shot("inquiry-logged", page=page)

    # Send the request form (one click).
    page.click("#workflow button[value=send_form]")
    _expect_success(page, ja(services.transition_label("send_form")))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.FORM_SENT.label))
    shot("form-sent", page=page)

    # The completed form comes back: received today, the clock starts.
    page.click("#workflow a[href$='/transition/receive_documents/']")
    expect(page.locator("#id_received_on")).to_be_visible()
    shot("receive-form", page=page)
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("receive_documents")))
    expect(page.locator("#workflow .request-due-date")).to_be_visible()
    shot("documents-received", page=page)

    # The ID document that came with it, through the real file input.
    page.click("#workflow a[href$='/documents/upload/']")
    page.select_option("#id_document_type", IdentityDocument.DocumentType.DRIVERS_LICENCE)
    page.set_input_files("input[type=file][name=file]", str(_id_document_png(tmp_path / "id.png")))
    shot("upload-form", page=page)
    page.click("#content-main input[type=submit]")
    with translation.override("ja"):
        expect(page.locator("ul.messagelist li.success")).to_contain_text(
            translation.gettext("Document stored.")
        )
    document = IdentityDocument.objects.get(request=request)
    assert document.content_type == "image/png" and document.size > 0
    expect(page.locator(".inline-group").first).to_contain_text(
        ja(IdentityDocument.DocumentType.DRIVERS_LICENCE.label)
    )
    shot("document-stored", page=page)

    # Verify identity: the customer on file is offered as a candidate.
    page.click("#workflow a[href$='/transition/verify_identity/']")
    candidate = page.locator(f"input[name=candidate][value='{customer.pk}']")
    expect(candidate).to_be_visible()
    expect(page.locator(".field-candidate")).to_contain_text(customer.number)
    shot("verify-candidates", page=page)
    candidate.check()
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("verify_identity")))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.VERIFIED.label))
    shot("verified", page=page)

    # The address correction, on the request page's corrections table.
    page.click("#corrections-group .add-row a")
    page.select_option("#id_corrections-0-field_name", "address")
    page.fill("#id_corrections-0-current_value", OLD_ADDRESS)
    page.fill("#id_corrections-0-requested_value", NEW_ADDRESS)
    shot("correction-entered", page=page)
    with page.expect_navigation():  # the same address again: wait for the saved page
        page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    expect(page.locator("#id_corrections-0-id")).not_to_have_value("")
    expect(page.locator("#id_corrections-0-requested_value")).to_have_value(NEW_ADDRESS)
    shot("correction-saved", page=page)

    # Draft the response.
    page.click("#workflow a[href$='/transition/draft_response/']")
    page.select_option("#id_outcome", "fulfilled")
    page.fill("#id_response_summary", f"ご登録の住所を{NEW_ADDRESS}に訂正しました。")
    shot("draft-form", page=page)
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("draft_response")))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.RESPONSE_DRAFTED.label))
    request.refresh_from_db()
    assert request.state == RequestState.RESPONSE_DRAFTED
    assert request.customer == customer and request.drafted_by == staff
    shot("drafted", page=page)

    # The worker renders the request-form letter; its PDF appears on the request and downloads.
    letter = wait_for(
        lambda: _letter_generated(request, LetterKind.REQUEST_FORM), timeout=LETTER_TIMEOUT_S
    )
    page.reload()
    link = page.locator(
        f"a[href='{reverse('admin:requests_app_letter_download', args=[letter.pk])}']"
    )
    expect(link).to_be_visible()
    shot("letter-on-request", page=page)
    pdf = _download_pdf(page, link)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256


# --- 2. a manager approves and sends -------------------------------------------------------------
def test_a_manager_approves_and_sends_and_the_correction_is_made_with_history(
    live_worker, open_page, shot, staff, manager
):
    """GIVEN a correction drafted by privacy staff
    WHEN a manager (another user) approves and sends it in the browser
    THEN the customer's address is the new one and its history page shows the old one, the
         request's timeline shows every step with the user who took it, and the worker's
         response letter appears on the request."""
    expect = _expect()
    _seed_letter_templates()
    customer = _customer(staff)
    request = _drafted_correction(staff, customer)
    # The approval shows the draft letter the worker renders (issue 12): a manager reads it first.
    wait_for(
        lambda: LetterDraft.objects.filter(request=request, status="rendered").exists(),
        timeout=LETTER_TIMEOUT_S,
    )
    page = _user_page(open_page)

    log_in(page, "maria")
    page.goto(_request_url(request))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.RESPONSE_DRAFTED.label))
    shot("drafted-request", page=page)

    page.click("#workflow a[href$='/transition/approve_and_send/']")
    page.check("#id_confirm")
    shot("approve-form", page=page)
    page.click("#content-main input[type=submit]")
    _expect_success(page, ja(services.transition_label("approve_and_send")))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.RESPONDED.label))
    shot("responded", page=page)
    request.refresh_from_db()
    assert request.approved_by == manager

    # The transition log: every step, oldest first, with who took it.
    steps = [
        ("send_form", "alice"),
        ("receive_documents", "alice"),
        ("verify_identity", "alice"),
        ("draft_response", "alice"),
        ("approve_and_send", "maria"),
    ]
    rows = page.locator("#timeline tr.timeline-transition")
    expect(rows).to_have_count(len(steps))
    for row, (transition, user) in zip(
        reversed(rows.all()), steps, strict=True
    ):  # newest first on the page
        cells = row.locator("td")
        expect(cells.nth(1)).to_have_text(user)
        expect(cells.nth(2)).to_contain_text(ja(services.transition_label(transition)))
    page.locator("#timeline").scroll_into_view_if_needed()
    shot("timeline", page=page)
    # The applied correction reads as the customer field's name, not its code.
    corrections = page.locator("#corrections-group")
    expect(corrections).to_contain_text(ja(Customer._meta.get_field("address").verbose_name))
    expect(corrections.locator("td.field-field_label")).to_have_text(
        ja(Customer._meta.get_field("address").verbose_name)
    )

    # The customer: the new address, and the old one in its history.
    page.goto(reverse("admin:consent_app_customer_change", args=[customer.pk]))
    expect(page.locator("#id_address")).to_have_value(NEW_ADDRESS)
    shot("customer-corrected", page=page)
    page.click("a.historylink")
    page.wait_for_url("**/history/")
    history = page.locator("#content")
    expect(history).to_contain_text(OLD_ADDRESS)
    expect(history).to_contain_text(NEW_ADDRESS)
    expect(history).to_contain_text(request.reference)  # the reason: the request behind it
    expect(history).to_contain_text("maria")
    expect(history.locator("#change-history td", has_text="None")).to_have_count(0)
    shot("customer-history", page=page)

    # The response letter, rendered by the worker.
    letter = wait_for(
        lambda: _letter_generated(request, LetterKind.RESPONSE), timeout=LETTER_TIMEOUT_S
    )
    page.goto(_request_url(request))
    link = page.locator(
        f"a[href='{reverse('admin:requests_app_letter_download', args=[letter.pk])}']"
    )
    expect(link).to_be_visible()
    assert _download_pdf(page, link).startswith(b"%PDF-")
    shot("response-letter", page=page)


# --- 3. the auditor reads and exports, and changes nothing ---------------------------------------
def _assert_nothing_to_change(page) -> None:
    """No visible save, add, delete or workflow control in the page's content (the header's
    language switch and log-out are not the record's; the inlines' "add another" links exist,
    hidden, on a read-only page). Called once the page has loaded."""
    content = page.locator("#content")
    for selector in (
        "input[type=submit]",
        "button[type=submit]",
        "input[name=_save]",
        "a.deletelink",
        "a.addlink",
        "a[href$='/delete/']",
        "a[href$='/add/']",
        ".request-transition",
        "a[href*='/transition/']",
        "a[href*='/documents/upload/']",
        "a[href$='/extend/']",
        "input[type=text]:not([disabled]):not([readonly])",
        "textarea:not([disabled]):not([readonly])",
        "select:not([disabled])",
    ):
        found = content.locator(selector).evaluate_all(
            "els => els.filter(e => e.checkVisibility()).map(e => e.outerHTML)"
        )
        assert not found, f"{page.url}: {selector}: {found}"


def test_an_auditor_reads_the_dashboard_exports_the_register_and_changes_nothing(
    open_page, shot, staff, manager, auditor
):
    """GIVEN a responded correction request (with an ID document) for a customer
    WHEN the auditor opens the dashboard, exports the request register for Japanese Excel
         (CP932) and opens the request, the customer and its history
    THEN the chart is drawn (bars of non-zero size), the downloaded CSV holds the request's
         reference, and no page offers a change, a delete or a workflow step, nor the ID image
         (no link to it, and its address refused)."""
    expect = _expect()
    customer = _customer(staff)
    request = services.request_approve_and_send(
        request=_drafted_correction(staff, customer), by=manager
    )
    document = IdentityDocument.objects.get(request=request)
    page = _user_page(open_page)
    log_in(page, "audrey")
    shot("home", page=page)

    # The dashboard, from the home page: the monthly chart has drawn bars.
    page.click(f"#content a[href='{reverse('admin:privacyoffice_dashboard')}']")
    chart = page.locator("svg.po-chart-svg")
    expect(chart).to_be_visible()
    bars = chart.locator("rect")
    expect(bars.first).to_be_visible()
    sizes = [bars.nth(i).bounding_box() for i in range(bars.count())]
    assert sizes and all(box and box["width"] > 0 and box["height"] > 0 for box in sizes)
    assert chart.bounding_box()["height"] > 100
    # One request this month: its bar reaches the axis label "1", and no label runs above it.
    labels = chart.locator("text.po-axis-y")
    expect(labels.last).to_have_text("1")
    assert float(labels.last.get_attribute("y")) == float(bars.first.get_attribute("y"))
    shot("dashboard", page=page)

    # The request register, for Japanese Excel, through the export form.
    page.click(f"#content a[href='{reverse('admin:privacyoffice_reports')}']")
    page.click(
        f"#content a[href='{reverse('admin:privacyoffice_report', args=['request-register'])}']"
    )
    page.check("input[name=encoding][value=cp932]")
    page.check("input[name=header][value=ja]")
    shot("export-form", page=page)
    with page.expect_download() as info:
        page.click("#content-main input[type=submit]")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("cp932")
    rows = list(csv.reader(io.StringIO(text)))
    with translation.override("ja"):
        assert rows[0] == [str(c.ja) for c in REPORTS["request-register"].columns]
    assert [row for row in rows[1:] if row[0] == request.reference], text
    shot("exported", page=page)

    # The request: read-only, the ID document listed without a way to open it.
    # The list opens on open requests; a reference search finds any request.
    page.goto(reverse("admin:requests_app_disclosurerequest_changelist"))
    page.fill("#searchbar", request.reference)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_contain_text(request.reference)
    expect(page.locator("#content a.addlink")).to_have_count(0)
    expect(page.locator("#changelist-form select[name=action]")).to_have_count(0)
    shot("request-list", page=page)
    page.click(f"#changelist a:text-is('{request.reference}')")
    expect(page.locator("#content")).to_contain_text(request.reference)
    expect(page.locator("#timeline")).to_be_visible()
    _assert_nothing_to_change(page)
    documents = page.locator("#identity_documents-group")
    expect(documents).to_contain_text(ja(IdentityDocument.DocumentType.DRIVERS_LICENCE.label))
    file_url = reverse("admin:requests_app_identitydocument_file", args=[document.pk])
    expect(page.locator(f"a[href='{file_url}']")).to_have_count(0)
    # The only images are the admin's own icons (yes/no), never a document's.
    sources = page.locator("#content img").evaluate_all("els => els.map(e => e.src)")
    assert all("/static/admin/img/" in src for src in sources), sources
    shot("request-read-only", page=page)
    refused = page.goto(file_url)
    assert refused.status == 403
    assert not refused.headers.get("content-type", "").startswith("image/")
    expect(page.locator("#content .errornote")).to_contain_text(ja(NOT_OPEN_TO_YOU))
    expect(page.locator("#content .errornote")).to_contain_text(
        ja(documents_service.DOCUMENT_VIEW_FORBIDDEN)
    )
    shot("document-refused", page=page)

    # The customer and its history: read-only too.
    page.goto(reverse("admin:consent_app_customer_change", args=[customer.pk]))
    expect(page.locator("#content")).to_contain_text(NEW_ADDRESS)
    _assert_nothing_to_change(page)
    # Nothing changes here, so no "reason for the change" (it read "Change reason: None").
    expect(page.locator("#content .field-change_reason")).to_have_count(0)
    expect(page.locator("#content")).not_to_contain_text("None")
    shot("customer-read-only", page=page)
    page.click("a.historylink")
    page.wait_for_url("**/history/")
    expect(page.locator("#content")).to_contain_text(OLD_ADDRESS)
    _assert_nothing_to_change(page)
    shot("customer-history", page=page)


# --- 4. staff cannot take a manager's step -------------------------------------------------------
def test_staff_trying_to_approve_a_response_is_refused_with_a_message(
    open_page, shot, staff, other_staff
):
    """GIVEN a response drafted by privacy staff
    WHEN another member of staff (no manager) opens the request, where no approve button is
         offered, and then the approve step's address directly (a forwarded link)
    THEN they are sent back to the request with a message saying they are not allowed, and the
         request is still drafted; the manager-only dashboard refuses them with a message too."""
    expect = _expect()
    customer = _customer(staff)
    request = _drafted_correction(staff, customer)
    page = _user_page(open_page)
    log_in(page, "bob")

    page.goto(_request_url(request))
    expect(page.locator("#workflow")).to_contain_text(ja(RequestState.RESPONSE_DRAFTED.label))
    expect(page.locator("#workflow a[href$='/transition/approve_and_send/']")).to_have_count(0)
    shot("no-approve-button", page=page)

    page.goto(
        reverse(
            "admin:requests_app_disclosurerequest_transition",
            args=[request.pk, "approve_and_send"],
        )
    )
    page.wait_for_url(f"**{_request_url(request)}")
    refusal = ja(
        services.workflow.TRANSITION_FORBIDDEN,
        transition=ja(services.transition_label("approve_and_send")),
    )
    expect(page.locator("ul.messagelist li.error")).to_have_text(refusal)
    shot("approve-refused", page=page)
    request.refresh_from_db()
    assert request.state == RequestState.RESPONSE_DRAFTED and request.approved_by is None

    response = page.goto(reverse("admin:privacyoffice_dashboard"))
    assert response.status == 403
    expect(page.locator("#content .errornote")).to_have_text(ja(NOT_OPEN_TO_YOU))
    expect(page.locator("#site-name")).to_have_text(ja(PRIVACY_OFFICE))
    shot("dashboard-refused", page=page)
