"""Identity documents: checked upload, logged viewing, purge after the request ends.

The copy of a driver's licence or residence certificate is the most sensitive file we hold, so:
- the content decides the type (magic bytes), never the file name: PDF, JPEG or PNG only; a PDF
  is parsed by qpdf, every object resolved, and refused with active content (JavaScript, launch
  or additional actions, embedded files, RichMedia, XFA) or when it opens only after repair;
  images must parse and stay under settings.IDENTITY_DOCUMENT_MAX_PIXELS;
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
import zlib
from dataclasses import dataclass
from datetime import datetime

import pikepdf
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

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
DOCUMENT_PDF_REPAIRED = _(
    "This PDF is damaged: it opens only after repair, so it cannot be checked. Ask for a plain "
    "scan."
)
DOCUMENT_TOO_MANY_PIXELS = _(
    "The image is larger than %(megapixels)s megapixels. Ask for a smaller scan."
)
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
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia[A-Za-z]*|XFA|AA)(?![A-Za-z0-9])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Keys whose mere presence means active content: scripts, launch actions, embedded files,
# additional actions (/AA: run on open, close, print, page view...), Flash/3D, XFA forms.
_PDF_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/AA",
        "/RichMedia",
        "/RichMediaContent",
        "/XFA",
    }
)
_PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/Filespec", "/RichMedia"})
_PDF_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/SubmitForm"}
)
# A scan has a few dozen objects; this bounds the walk over a hostile file.
_PDF_MAX_OBJECTS = 20_000
# Object streams found in the raw bytes are inflated to look for active names that the
# cross-reference table may hide (a lying /Size); this bounds a compression bomb.
_PDF_OBJSTM = re.compile(rb"/Type\s*/ObjStm\b")
_PDF_STREAM_START = re.compile(rb"stream\r?\n")
_PDF_MAX_INFLATED = 32 * 1024 * 1024


class _ActivePdf(Exception):
    """Raised inside the walk when active content is found."""


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


def _decode_names(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data)


def _pdf_object_streams_in_bytes(data: bytes) -> list[bytes]:
    """Inflate every object stream that appears in the raw bytes, whether or not the
    cross-reference table lists it: what a lying xref hides from the parser is still found."""
    found: list[bytes] = []
    budget = _PDF_MAX_INFLATED
    for match in _PDF_OBJSTM.finditer(data):
        start = _PDF_STREAM_START.search(data, match.end())
        if start is None:
            continue
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start.end() :], budget)
        except zlib.error:
            continue  # not Flate (or corrupt): the parser below judges it
        budget -= len(chunk)
        found.append(chunk)
        if budget <= 0:
            raise ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": "PDF"})
    return found


def _pdf_check_object(obj: object, max_pixels: int) -> None:
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return
    keys = set(obj.keys())
    if _PDF_ACTIVE_KEYS.intersection(keys):
        raise _ActivePdf
    if obj.get("/Type") in _PDF_ACTIVE_TYPES or obj.get("/S") in _PDF_ACTIVE_ACTIONS:
        raise _ActivePdf
    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
        width, height = obj.get("/Width", 0), obj.get("/Height", 0)
        if isinstance(width, int) and isinstance(height, int) and width * height > max_pixels:
            raise ValidationError(
                DOCUMENT_TOO_MANY_PIXELS, code="too_many_pixels", params=_pixel_params()
            )


def _pdf_check(data: bytes) -> None:
    """Refuse a PDF with active content, an encrypted one, or one that needs repair to open.

    qpdf (through pikepdf) resolves every object the cross-reference data lists, including the
    ones compressed in object streams. It never reconstructs a broken file here
    (attempt_recovery=False), and any warning it gives while reading means it had to repair
    something (e.g. an xref stream whose /Size understates the object count): such a file is
    refused, since another reader may repair it differently and find what we did not check.
    """
    if _PDF_ACTIVE_NAME.search(_decode_names(data)) or any(
        _PDF_ACTIVE_NAME.search(_decode_names(inflated))
        for inflated in _pdf_object_streams_in_bytes(data)
    ):
        raise ValidationError(DOCUMENT_PDF_ACTIVE, code="pdf_active")
    max_pixels = settings.IDENTITY_DOCUMENT_MAX_PIXELS
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise ValidationError(DOCUMENT_PDF_ENCRYPTED, code="pdf_encrypted")
            for count, obj in enumerate(pdf.objects):
                if count > _PDF_MAX_OBJECTS:
                    raise ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": "PDF"})
                _pdf_check_object(obj, max_pixels)
            _pdf_check_object(pdf.trailer, max_pixels)
            repaired = pdf.get_warnings()
    except _ActivePdf:
        raise ValidationError(DOCUMENT_PDF_ACTIVE, code="pdf_active") from None
    except pikepdf.PasswordError:
        raise ValidationError(DOCUMENT_PDF_ENCRYPTED, code="pdf_encrypted") from None
    except pikepdf.PdfError as exc:
        raise _pdf_unreadable(data) from exc
    if repaired:
        logger.info("identity document PDF refused: qpdf repaired it (%s)", len(repaired))
        raise ValidationError(DOCUMENT_PDF_REPAIRED, code="pdf_repaired")


def _pdf_unreadable(data: bytes) -> ValidationError:
    """The error for a PDF qpdf cannot open as it is: "needs repair" if recovery would open it
    (its objects are then never walked), else "damaged"."""
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=True):
            return ValidationError(DOCUMENT_PDF_REPAIRED, code="pdf_repaired")
    except pikepdf.PdfError:
        return ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": "PDF"})


def _pixel_params() -> dict[str, str]:
    return {"megapixels": f"{settings.IDENTITY_DOCUMENT_MAX_PIXELS / 1_000_000:g}"}


def _image_check(data: bytes, expected: str, kind: str) -> None:
    damaged = ValidationError(DOCUMENT_DAMAGED, code="damaged", params={"kind": kind})
    try:
        with Image.open(io.BytesIO(data)) as image:
            # The header gives the size before any pixel is decoded: a 10000x10000 image is
            # refused without allocating its 300 MB.
            width, height = image.size
            if width * height > settings.IDENTITY_DOCUMENT_MAX_PIXELS:
                raise ValidationError(
                    DOCUMENT_TOO_MANY_PIXELS, code="too_many_pixels", params=_pixel_params()
                )
            image.verify()
            if image.format != expected:
                raise damaged
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            DOCUMENT_TOO_MANY_PIXELS, code="too_many_pixels", params=_pixel_params()
        ) from None
    except Exception as exc:  # Pillow raises many types for a broken image
        raise damaged from exc


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
        _pdf_check(data)
    else:
        _image_check(data, "JPEG" if extension == "jpg" else "PNG", extension.upper())
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
