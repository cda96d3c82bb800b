"""Hostile identity documents, uploaded as staff through the admin's upload page over HTTP.

Each file is made by hand to defeat a weaker checker: JavaScript compressed in an object stream
behind an xref stream whose /Size understates the object count (issue 20), active content of
every kind, a PDF that opens only after repair, and a PNG whose header declares 10000x10000
pixels in a few hundred bytes. Each is refused with its message on the page, and nothing is
stored: no row, no file.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from requests_app.models import IdentityDocument
from requests_app.models import RequestState as S
from requests_app.services import documents as docs
from tests.requests_app.files import (
    pdf_bytes,
    pdf_with_broken_xref,
    pdf_with_javascript_in_object_stream,
    png_bytes,
    png_header_only,
)
from tests.requests_app.helpers import request_in

from .http import browser_for

pytestmark = [pytest.mark.security, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_storage(settings, tmp_path):
    folder = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(browser, obj, name: str, data: bytes, content_type: str):
    path = reverse("admin:requests_app_disclosurerequest_upload", args=[obj.pk])
    return browser.post(
        path,
        {"document_type": "drivers_licence"},
        files={"file": (name, data, content_type)},
    )


def ja(message, **params) -> str:
    with translation.override("ja"):
        text = str(message) % params if params else str(message)
    return html.escape(text, quote=False)


HOSTILE = [
    pytest.param(
        "licence.pdf",
        pdf_with_javascript_in_object_stream(xref_size=4),
        "application/pdf",
        docs.DOCUMENT_PDF_ACTIVE,
        {},
        id="js-in-object-stream-lying-xref-size",
    ),
    pytest.param(
        "licence.pdf",
        pdf_with_javascript_in_object_stream(),
        "application/pdf",
        docs.DOCUMENT_PDF_ACTIVE,
        {},
        id="js-in-object-stream",
    ),
    pytest.param(
        "licence.pdf",
        pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /AA << /O 1 0 R >>"),
        "application/pdf",
        docs.DOCUMENT_PDF_ACTIVE,
        {},
        id="additional-action",
    ),
    pytest.param(
        "licence.pdf",
        pdf_with_broken_xref(),
        "application/pdf",
        docs.DOCUMENT_PDF_REPAIRED,
        {},
        id="needs-repair",
    ),
    pytest.param(
        "licence.png",
        png_header_only(10_000, 10_000),
        "image/png",
        docs.DOCUMENT_TOO_MANY_PIXELS,
        {"megapixels": "40"},
        id="10000x10000-png",
    ),
]


@pytest.mark.parametrize(("name", "data", "content_type", "error", "params"), HOSTILE)
def test_a_hostile_document_uploaded_by_staff_is_refused_and_nothing_is_stored(
    live_server, private_storage, staff, name, data, content_type, error, params
):
    """GIVEN staff logged in through the login form WHEN they upload a hand-made hostile file
    on a request's upload page THEN the page says why it is refused, and no row nor file is kept."""
    obj = request_in(S.FORM_SENT)
    browser = browser_for(live_server.url, staff)

    response = upload(browser, obj, name, data, content_type)

    assert response.status_code == 200
    assert ja(error, **params) in response.text
    assert not IdentityDocument.objects.filter(request=obj).exists()
    assert stored_files(private_storage) == []


def test_a_plain_scan_uploaded_by_staff_is_stored(live_server, private_storage, staff):
    """The control: the same page and path store an ordinary scan."""
    obj = request_in(S.FORM_SENT)
    browser = browser_for(live_server.url, staff)

    response = upload(browser, obj, "licence.png", png_bytes((600, 400)), "image/png")

    assert response.status_code == 200
    assert urlsplit(response.url).path == reverse(
        "admin:requests_app_disclosurerequest_change", args=[obj.pk]
    )
    document = IdentityDocument.objects.get(request=obj)
    assert stored_files(private_storage) == [document.file.name.rsplit("/", 1)[-1]]
