"""File-serving views of the request screens, mounted in the admin (admin_request_views.get_urls).

Identity documents and electronic copies never live under a public URL: they are streamed here,
after a permission check, as attachments the browser must not sniff or cache.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import DisclosureRequest, IdentityDocument
from .services import identity_document_open

logger = logging.getLogger(__name__)


def _private_attachment(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def identity_document_file(request: HttpRequest, pk: int) -> FileResponse:
    """Hand out an identity document's file to staff or managers, logging the viewing.

    Auditors (no `view_document_file`) get 403 and no viewing is logged; a purged file is a 404
    (its record stays, and says when it was purged).
    """
    document = get_object_or_404(IdentityDocument.objects.select_related("request"), pk=pk)
    try:
        handle = identity_document_open(document=document, user=request.user)
    except PermissionDenied:
        logger.warning("user %s refused identity document %s", request.user.pk, pk)
        raise
    except (ValidationError, FileNotFoundError):
        raise Http404("No file") from None
    extension = document.file.name.rsplit(".", 1)[-1]
    filename = f"{document.request.reference}-{document.pk}.{extension}"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=document.content_type
    )
    return _private_attachment(response)


def electronic_copy_file(request: HttpRequest, pk: int) -> FileResponse:
    """The electronic copy sent to the person (Art. 33(1)), for staff who mail or hand it over."""
    if not request.user.has_perm("requests_app.work_request"):
        raise PermissionDenied
    obj = get_object_or_404(DisclosureRequest, pk=pk)
    if not obj.electronic_copy:
        raise Http404("No electronic copy")
    handle = obj.electronic_copy.open("rb")
    logger.info("electronic copy of request %s downloaded by user %s", obj.pk, request.user.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{obj.reference}.csv",
        content_type="text/csv; charset=utf-8",
    )
    return _private_attachment(response)
