"""Identity documents: checked upload, logged viewing, purge after the request ends.

The copy of a driver's licence or residence certificate is the most sensitive file we hold, so:
- the content decides the type (magic bytes), never the file name: PDF, JPEG or PNG only; a PDF
  with active content (JavaScript, launch actions, embedded files) is refused; images must parse;
- the size is capped by settings.IDENTITY_DOCUMENT_MAX_BYTES (Django's upload memory settings
  are not a size limit) and an empty file is refused;
- the stored name is a random UUID (the original name often carries the person's name), in the
  private storage that no URL serves;
- it is opened only through `identity_document_open`, which checks the permission and logs the
  viewing (DocumentViewing, append-only);
- its file is purged IDENTITY_DOCUMENT_PURGE_DAYS after the request ended; the record stays.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import (
    OPEN_STATES,
    DisclosureRequest,
    DocumentViewing,
    IdentityDocument,
)

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
DOCUMENT_EMPTY = _("The file is empty.")
DOCUMENT_TOO_LARGE = _("The file is larger than %(mb)s MB.")
DOCUMENT_BAD_TYPE = _(
    "Only PDF, JPEG or PNG files are accepted; this file is none of them, whatever its name says."
)
DOCUMENT_PDF_ACTIVE = _(
    "This PDF contains active content (JavaScript, a launch action or an embedded file) and is "
    "refused. Ask for a plain scan."
)
DOCUMENT_PDF_ENCRYPTED = _("This PDF is encrypted and cannot be checked. Ask for a plain scan.")
DOCUMENT_DAMAGED = _("The file is damaged or not a valid %(kind)s.")
DOCUMENT_UNKNOWN_TYPE = _("Choose the type of the document.")
DOCUMENT_REQUEST_NOT_OPEN = _("Documents can only be added to an open request.")
DOCUMENT_NO_PERMISSION = _("You are not allowed to add identity documents.")
DOCUMENT_VIEW_FORBIDDEN = _("You are not allowed to view identity document images.")
DOCUMENT_PURGED = _("The file of this document was purged on %(date)s; only its record remains.")

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
# PDF names that run or carry code. "#xx" escapes in names are decoded before matching, so
# "/J#61vaScript" is caught too.
_PDF_ACTIVE_NAME = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)
_PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"})
# A scan has a few dozen objects; this bounds the walk over a hostile file.
_PDF_MAX_OBJECTS = 20_000


@dataclass(frozen=True)
class SniffedFile:
    data: bytes
    content_type: str
    extension: str


def _read_all(file: File) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data if isinstance(data, bytes) else data.encode()


def _pdf_has_active_content(data: bytes) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import DictionaryObject, NameObject

    if _PDF_ACTIVE_NAME.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data)):
        return True
    # Compressed object streams hide names from the byte scan: walk every object too.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(DOCUMENT_PDF_ENCRYPTED, code="pdf_encrypted")
        size = int(reader.trailer.get("/Size", 0))
        for number in range(1, min(size, _PDF_MAX_OBJECTS)):
            try:
                obj = reader.get_object(number)
            except (PdfReadError, ValueError, KeyError, TypeError):
                continue
            if isinstance(obj, DictionaryObject):
                if _PDF_ACTIVE_KEYS.intersection(obj.keys()):
                    return True
                action = obj.get("/S")
                if isinstance(action, NameObject) and action in _PDF_ACTIVE_ACTIONS:
                    return True
    except ValidationError:
        raise
    except Exception as exc:  # any parser failure means: not a PDF we accept
        raise ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": "PDF"}) from exc
    return False


def _image_is_valid(data: bytes, expected: str) -> bool:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format == expected
    except Exception:  # Pillow raises many types for a broken image
        return False


def sniff_identity_document(file: File) -> SniffedFile:
    """Check an uploaded identity document and tell what it really is; ValidationError if bad."""
    size = getattr(file, "size", None)
    limit = settings.IDENTITY_DOCUMENT_MAX_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            DOCUMENT_TOO_LARGE, code="too_large", params={"mb": limit // (1024 * 1024)}
        )
    data = _read_all(file)
    if not data:
        raise ValidationError(DOCUMENT_EMPTY, code="empty")
    if len(data) > limit:
        raise ValidationError(
            DOCUMENT_TOO_LARGE, code="too_large", params={"mb": limit // (1024 * 1024)}
        )
    found = next((m for m in _MAGIC if data.startswith(m[0])), None)
    if found is None:
        raise ValidationError(DOCUMENT_BAD_TYPE, code="bad_type")
    _magic, content_type, extension = found
    if content_type == "application/pdf":
        if _pdf_has_active_content(data):
            raise ValidationError(DOCUMENT_PDF_ACTIVE, code="pdf_active")
    elif not _image_is_valid(data, "JPEG" if extension == "jpg" else "PNG"):
        raise ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": extension.upper()})
    return SniffedFile(data=data, content_type=content_type, extension=extension)


def validate_identity_document_file(file: File) -> None:
    """Form-field validator: the same checks as the upload service."""
    sniff_identity_document(file)


def identity_document_upload(
    *,
    request: DisclosureRequest,
    document_type: str,
    file: File,
    by: AbstractBaseUser,
    for_agent: bool = False,
) -> IdentityDocument:
    """Store a checked identity document for an open request, under a random name."""
    if not by.has_perm("requests_app.add_identitydocument"):
        raise PermissionDenied(DOCUMENT_NO_PERMISSION)
    if document_type not in IdentityDocument.DocumentType.values:
        raise ValidationError(DOCUMENT_UNKNOWN_TYPE, code="document_type")
    if request.state not in OPEN_STATES:
        raise ValidationError(DOCUMENT_REQUEST_NOT_OPEN, code="not_open")
    sniffed = sniff_identity_document(file)
    document = IdentityDocument(
        request=request,
        document_type=document_type,
        for_agent=for_agent,
        content_type=sniffed.content_type,
        size=len(sniffed.data),
        sha256=hashlib.sha256(sniffed.data).hexdigest(),
        uploaded_by=by,
    )
    document.file.save(
        f"{uuid.uuid4().hex}.{sniffed.extension}", ContentFile(sniffed.data), save=False
    )
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        # No orphan copy of an ID document when the row could not be written.
        document.file.storage.delete(document.file.name)
        raise
    logger.info(
        "identity document %s (%s) stored for request %s by user %s",
        document.pk,
        sniffed.content_type,
        request.pk,
        by.pk,
    )
    return document


def identity_document_open(*, document: IdentityDocument, user: AbstractBaseUser) -> File:
    """Open a document's file for `user` and log the viewing. Auditors never get here.

    The viewing is logged in the same transaction that opens the file: a viewing is recorded
    whenever a file is handed out.
    """
    if not (
        user.has_perm("requests_app.view_identitydocument")
        and user.has_perm("requests_app.view_document_file")
    ):
        raise PermissionDenied(DOCUMENT_VIEW_FORBIDDEN)
    if document.purged_at is not None or not document.file:
        when = timezone.localtime(document.purged_at).date() if document.purged_at else "-"
        raise ValidationError(DOCUMENT_PURGED, code="purged", params={"date": when})
    handle = document.file.storage.open(document.file.name, "rb")
    DocumentViewing.objects.create(document=document, viewed_by=user)
    logger.info("identity document %s viewed by user %s", document.pk, user.pk)
    return handle


def _purge(document: IdentityDocument, now: datetime) -> bool:
    # Delete the file first, then record it: a crash in between leaves a row that the next run
    # purges again (deleting a missing file is a no-op), never a record claiming a purge that
    # did not happen. On PostgreSQL the record is the database's own function, which applies
    # the retention rule itself (the application role may not update a document) and writes a
    # RetentionPurge row; its rule is asked first, so a file is never deleted that the
    # database would not let go.
    postgres = connection.vendor == "postgresql"
    rule_args = [document.pk, settings.IDENTITY_DOCUMENT_PURGE_DAYS]
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT privacyoffice_identity_document_purge_rule(%s, %s)", rule_args)
            if cursor.fetchone()[0] is None:
                logger.warning("identity document %s: no rule allows its purge", document.pk)
                return False
    if document.file:
        document.file.storage.delete(document.file.name)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT privacyoffice_purge_identity_document_file(%s, %s)", rule_args)
            claimed = cursor.fetchone()[0]
    else:
        claimed = IdentityDocument.objects.filter(pk=document.pk, purged_at__isnull=True).update(
            purged_at=now, file=""
        )
    if claimed:
        logger.info("identity document %s file purged", document.pk)
    return bool(claimed)


def identity_documents_purge_for_request(
    *, request: DisclosureRequest, now: datetime | None = None
) -> int:
    """Purge the files of one request's documents now (erasure); the records remain."""
    now = now or timezone.now()
    documents = IdentityDocument.objects.filter(request=request, purged_at__isnull=True)
    return sum(_purge(document, now) for document in documents)


def identity_documents_purge_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Purge the files of documents whose request ended IDENTITY_DOCUMENT_PURGE_DAYS ago."""
    now = now or timezone.now()
    documents = selectors.identity_documents_due_for_purge(now=now).order_by("pk")[:limit]
    return sum(_purge(document, now) for document in documents)
