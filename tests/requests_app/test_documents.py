"""Identity documents: checked uploads, private storage, logged viewing, purge, append-only log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from requests_app import services
from requests_app.models import DocumentViewing, IdentityDocument
from requests_app.models import RequestState as S
from requests_app.services import documents as docs
from requests_app.workflow_tasks import purge_identity_documents
from tests.factories import IdentityDocumentFactory

from .files import (
    ELF_BYTES,
    EXE_BYTES,
    jpeg_bytes,
    pdf_bytes,
    pdf_with_broken_xref,
    pdf_with_javascript_in_object_stream,
    png_bytes,
    png_header_only,
    upload,
)
from .helpers import message, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def do_upload(request, by, name, data, **kwargs):
    return services.identity_document_upload(
        request=request,
        document_type=kwargs.pop("document_type", "drivers_licence"),
        file=upload(name, data),
        by=by,
        **kwargs,
    )


# --- accepted files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("licence.png", png_bytes(), "image/png"),
        ("licence.jpg", jpeg_bytes(), "image/jpeg"),
        ("juminhyo.pdf", pdf_bytes(), "application/pdf"),
    ],
)
def test_a_scan_is_stored_under_a_random_name_with_its_sniffed_type(
    name, data, content_type, staff
):
    request = request_in(S.FORM_SENT)

    document = do_upload(request, staff, "山田太郎_" + name, data)

    assert document.content_type == content_type
    assert document.size == len(data)
    assert "山田" not in document.file.name
    assert document.file.name.startswith("identity/")
    assert document.file.read() == data


def test_the_type_comes_from_the_content_not_the_name(staff):
    request = request_in(S.FORM_SENT)

    document = do_upload(request, staff, "scan.pdf", png_bytes())

    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")


# --- refused files -------------------------------------------------------------------------------
def refused(request, by, name, data):
    before = IdentityDocument.objects.filter(request=request).count()
    with pytest.raises(ValidationError) as exc:
        do_upload(request, by, name, data)
    assert IdentityDocument.objects.filter(request=request).count() == before
    return exc.value.messages


@pytest.mark.parametrize("data", [EXE_BYTES, ELF_BYTES, b"GIF89a" + b"\x00" * 20])
def test_a_renamed_executable_or_other_format_is_refused(data, staff):
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "licence.jpg", data) == [message(docs.DOCUMENT_BAD_TYPE)]


def test_an_empty_file_is_refused(staff):
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "licence.png", b"") == [message(docs.DOCUMENT_EMPTY)]


def test_an_oversize_file_is_refused(staff, settings):
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 1024 * 1024
    request = request_in(S.FORM_SENT)
    data = png_bytes() + b"\x00" * (1024 * 1024)

    assert refused(request, staff, "licence.png", data) == [message(docs.DOCUMENT_TOO_LARGE, mb=1)]


def test_a_file_at_the_limit_is_accepted(staff, settings):
    data = pdf_bytes()
    settings.IDENTITY_DOCUMENT_MAX_BYTES = len(data)
    request = request_in(S.FORM_SENT)

    assert do_upload(request, staff, "a.pdf", data).size == len(data)


def test_a_pdf_with_javascript_is_refused(staff):
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", pdf_bytes(javascript="app.alert(1)")) == [
        message(docs.DOCUMENT_PDF_ACTIVE)
    ]


def test_a_pdf_hiding_javascript_behind_name_escapes_is_refused(staff):
    data = pdf_bytes(javascript="app.alert(1)")
    data = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", data) == [message(docs.DOCUMENT_PDF_ACTIVE)]


def test_a_pdf_with_javascript_compressed_in_an_object_stream_is_refused(staff):
    data = pdf_with_javascript_in_object_stream()
    assert b"JavaScript" not in data  # invisible to a byte scan
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", data) == [message(docs.DOCUMENT_PDF_ACTIVE)]


def test_a_pdf_with_a_launch_action_is_refused(staff):
    data = pdf_bytes().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >>"
    )
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", data) == [message(docs.DOCUMENT_PDF_ACTIVE)]


def test_a_pdf_whose_xref_stream_understates_its_size_is_refused(staff):
    """The issue's file: /OpenAction -> /S /JavaScript in a FlateDecode object stream, and an
    xref stream whose /Size (4) leaves the action and its object stream out of the count."""
    data = pdf_with_javascript_in_object_stream(xref_size=4)
    assert b"JavaScript" not in data
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", data) == [message(docs.DOCUMENT_PDF_ACTIVE)]


@pytest.mark.parametrize(
    "entry",
    [
        b"/AA << /O << /S /JavaScript /JS (x) >> >>",
        b"/Names << /EmbeddedFiles << /Names [] >> >>",
        b"/AcroForm << /Fields [] /XFA 9 0 R >>",
        b"/OpenAction << /S /RichMediaExecute >>",
    ],
    ids=["additional-action", "embedded-files", "xfa", "richmedia"],
)
def test_a_pdf_with_other_active_content_is_refused(staff, entry):
    data = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog " + entry)
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", data) == [message(docs.DOCUMENT_PDF_ACTIVE)]


def test_a_pdf_that_opens_only_after_repair_is_refused(staff):
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.pdf", pdf_with_broken_xref()) == [
        message(docs.DOCUMENT_PDF_REPAIRED)
    ]


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(staff):
    data = png_header_only(10_000, 10_000)
    assert len(data) < 1000
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.png", data) == [
        message(docs.DOCUMENT_TOO_MANY_PIXELS, megapixels="40")
    ]


def test_an_image_at_the_pixel_limit_is_accepted(staff, settings):
    settings.IDENTITY_DOCUMENT_MAX_PIXELS = 64
    request = request_in(S.FORM_SENT)

    assert do_upload(request, staff, "a.png", png_bytes((8, 8))).content_type == "image/png"
    assert refused(request, staff, "b.png", png_bytes((8, 9))) == [
        message(docs.DOCUMENT_TOO_MANY_PIXELS, megapixels="6.4e-05")
    ]


def test_a_truncated_image_is_refused(staff):
    request = request_in(S.FORM_SENT)

    assert refused(request, staff, "a.png", png_bytes()[:30]) == [
        message(docs.DOCUMENT_DAMAGED, kind="PNG")
    ]


def test_documents_cannot_be_added_to_an_ended_request(staff):
    request = request_in(S.CLOSED)

    assert refused(request, staff, "a.png", png_bytes()) == [
        message(docs.DOCUMENT_REQUEST_NOT_OPEN)
    ]


def test_an_auditor_cannot_upload(auditor):
    request = request_in(S.FORM_SENT)

    with pytest.raises(PermissionDenied):
        do_upload(request, auditor, "a.png", png_bytes())


def test_the_validator_gives_forms_the_same_answer():
    with pytest.raises(ValidationError) as exc:
        services.validate_identity_document_file(upload("a.png", EXE_BYTES))

    assert exc.value.messages == [message(docs.DOCUMENT_BAD_TYPE)]


# --- viewing -------------------------------------------------------------------------------------
def test_opening_a_document_logs_the_viewing(staff):
    document = do_upload(request_in(S.FORM_SENT), staff, "a.png", png_bytes())

    with services.identity_document_open(document=document, user=staff) as handle:
        assert handle.read() == png_bytes()

    viewing = DocumentViewing.objects.get(document=document)
    assert viewing.viewed_by == staff


def test_an_auditor_never_opens_an_image_and_nothing_is_logged(staff, auditor):
    document = do_upload(request_in(S.FORM_SENT), staff, "a.png", png_bytes())

    with pytest.raises(PermissionDenied):
        services.identity_document_open(document=document, user=auditor)

    assert not DocumentViewing.objects.exists()


def test_a_purged_document_cannot_be_opened(staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    document = ended_request_with_document(staff, ended_days_ago=40)
    purge_identity_documents()
    document.refresh_from_db()

    with pytest.raises(ValidationError) as exc:
        services.identity_document_open(document=document, user=staff)

    assert exc.value.code == "purged"


# --- purge ---------------------------------------------------------------------------------------
def ended_request_with_document(staff, *, ended_days_ago: int, state=S.CLOSED):
    request = request_in(state, closed_at=timezone.now() - timedelta(days=ended_days_ago))
    request.identity_documents.all().delete()
    return do_upload_direct(request, staff)


def do_upload_direct(request, staff):
    # Uploads go to open requests only; the record of one that has since ended.
    document = IdentityDocumentFactory(request=request, uploaded_by=staff)
    return document


@pytest.mark.parametrize("state", [S.CLOSED, S.WITHDRAWN, S.LAPSED])
def test_the_purge_removes_files_of_requests_ended_long_enough_ago(state, staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    document = ended_request_with_document(staff, ended_days_ago=31, state=state)
    path = document.file.path

    assert purge_identity_documents() == 1

    document.refresh_from_db()
    assert document.purged_at is not None
    assert not document.file
    import os

    assert not os.path.exists(path)


def test_the_purge_keeps_files_inside_the_period(staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    document = ended_request_with_document(staff, ended_days_ago=29)

    assert purge_identity_documents() == 0
    document.refresh_from_db()
    assert document.file


def test_the_purge_never_touches_open_requests(staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 0
    do_upload(request_in(S.FORM_SENT, closed_at=None), staff, "a.png", png_bytes())

    assert purge_identity_documents() == 0


def test_the_purge_keeps_the_record_and_its_viewings_and_runs_idempotently(staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    document = ended_request_with_document(staff, ended_days_ago=40)
    DocumentViewing.objects.create(document=document, viewed_by=staff)

    assert purge_identity_documents() == 1
    assert purge_identity_documents() == 0

    assert IdentityDocument.objects.filter(pk=document.pk).exists()
    assert DocumentViewing.objects.filter(document=document).count() == 1


@pytest.mark.postgres
@pytest.mark.security
def test_the_database_refuses_to_purge_the_file_of_an_open_request_that_erased_nothing(staff):
    """Issue 20: the purge's rule is the database's; the caller cannot widen it."""
    document = do_upload(request_in(S.FORM_SENT), staff, "a.png", png_bytes())

    assert services.identity_documents_purge_for_request(request=document.request) == 0

    document.refresh_from_db()
    assert document.purged_at is None
    assert document.file and document.file.storage.exists(document.file.name)


# --- append-only viewings ------------------------------------------------------------------------
@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_viewing(staff):
    document = IdentityDocumentFactory(uploaded_by=staff)
    viewing = DocumentViewing.objects.create(document=document, viewed_by=staff)

    for statement in (
        f"UPDATE requests_app_documentviewing SET viewed_at = now() WHERE id = {viewing.pk}",
        f"DELETE FROM requests_app_documentviewing WHERE id = {viewing.pk}",
    ):
        with (
            pytest.raises(Exception, match="documentviewing_append_only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    assert DocumentViewing.objects.filter(pk=viewing.pk).exists()
