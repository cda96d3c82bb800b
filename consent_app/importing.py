"""Bulk import of customers from the CRM's CSV export: every row checked first, then all or none.

The file is decoded (UTF-8, with or without BOM, or Shift_JIS/CP932 as Japanese Excel writes it),
its header mapped (English column names or the CRM's Japanese ones), and every row validated
(consent_app.import_checks) before anything is written. The file is read one chunk of rows at a
time and the checked rows staged (consent_app.import_staging), so a file of any size takes
bounded memory. Any error stops the import and is reported per line; a clean file is written in
the import's one transaction with set-based statements (new customers created, known ones
updated, each with a history entry naming the importing user). An erased customer is never
brought back by an import: their row is an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.csv_stream import cp932_unescape

from . import import_staging
from .import_checks import *  # noqa: F403  # the messages and tables, re-exported
from .import_checks import (
    FIELD_SIZE_LIMIT,
    IMPORT_BAD_CSV,
    IMPORT_DUPLICATE_NUMBER,
    IMPORT_EMPTY,
    IMPORT_ENCODING,
    IMPORT_ERASED,
    IMPORT_FIELD_TOO_LARGE,
    IMPORT_MAX_BYTES,
    IMPORT_NO_ROWS,
    IMPORT_SOURCE_REQUIRED,
    IMPORT_TOO_LARGE,
    IMPORT_WRITE_FAILED,
    IMPORT_WRONG_FIELD_COUNT,
    RowError,
    _FileError,
    _map_header,
    _msg,
    _validate_row,
)
from .models import Customer, Language, Recipient, RecipientCategory
from .receipts import ReceiptDetails, receipt_details_validate, receipt_record
from .services import SEARCH_INPUTS, customer_search_columns, search_columns

logger = logging.getLogger(__name__)

# Rows read, checked and staged at a time: settings.CUSTOMER_IMPORT_CHUNK_ROWS (10,000), what
# the worker holds of a file of any size; progress is told after each chunk.
# Problems kept in memory and shown (the count says how many more there were).
MAX_KEPT_ERRORS = 1_000
_LOOKUP_CHUNK = 10_000
_DETECT_BLOCK_BYTES = 1 << 20


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The first MAX_KEPT_ERRORS problems, by line; error_count says how many there were in all
    # (a file of a million bad rows is reported without a million messages in memory).
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    encoding: str = ""
    receipt_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.error_count

    def add_errors(self, errors: list[RowError]) -> None:
        room = MAX_KEPT_ERRORS - len(self.errors)
        if room > 0:
            self.errors += errors[:room]
        self.error_count += len(errors)


# Python's CP932 codec maps bytes no Shift_JIS text contains (0x80, 0xA0, 0xFD-0xFF) and the
# user-defined area (0xF040-0xF9FC) to private-use characters: binary data or another encoding
# "decodes" into them (b"\xff\xfe\x81bad" → "\uf8f3\uf8f2｜ad"). Such a file is refused.
_NOT_CP932_TEXT = re.compile("[\x80\ue000-\uf8ff]")


def _detect_encoding(stream: IO[bytes], encoding: str = "auto") -> str:
    """The file's encoding: UTF-8 (BOM or not), else CP932; read in blocks, never whole.

    A file that is neither is refused (IMPORT_ENCODING), including one that CP932 decodes only
    into private-use characters."""
    if encoding not in ("auto", "utf-8", "cp932"):
        raise _FileError(_msg(IMPORT_ENCODING))
    candidates = ["utf-8", "cp932"] if encoding == "auto" else [encoding]
    for name in candidates:
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(name)()
        try:
            while block := stream.read(_DETECT_BLOCK_BYTES):
                if name == "cp932" and _NOT_CP932_TEXT.search(decoder.decode(block)):
                    break
                if name == "utf-8":
                    decoder.decode(block)
            else:
                decoder.decode(b"", final=True)
                return name
        except UnicodeDecodeError:
            continue
    raise _FileError(_msg(IMPORT_ENCODING))


def _existing_customers(numbers: list[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for start in range(0, len(numbers), _LOOKUP_CHUNK):
        chunk = numbers[start : start + _LOOKUP_CHUNK]
        if connection.vendor == "postgresql":
            # One array parameter instead of 10,000 placeholders: Django's `IN (%s, …)` is
            # bound client-side, and parsing that statement cost more than running it (the
            # lookup of 100,000 numbers: 2.8 s → 0.9 s at full scale).
            customers: Iterable[Customer] = Customer.objects.raw(
                f"SELECT * FROM {Customer._meta.db_table} WHERE number = ANY(%s)",  # noqa: S608  # nosec B608  # table from model
                [chunk],
            )
        else:
            customers = Customer.objects.filter(number__in=chunk)
        for customer in customers:
            found[customer.number] = customer
    return found


def customer_import(
    *,
    data: bytes | None = None,
    file: IO[bytes] | None = None,
    by: User | None,
    encoding: str = "auto",
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
    received_from: ReceiptDetails | None = None,
    collected_by_us: bool = False,
) -> ImportResult:
    """Validate every row of a CRM CSV export, then import all rows or none.

    The file is `data` (bytes) or `file` (a seekable binary file, e.g. the job's upload in
    storage), read settings.CUSTOMER_IMPORT_CHUNK_ROWS rows at a time: each chunk is checked
    and staged (import_staging), so memory stays bounded whatever the file's size. Everything
    runs in one transaction; the staged rows are written only once the last row is checked and
    none is wrong, else nothing is written and the problems are reported by line. `dry_run`
    validates only.

    Known customer numbers are updated (only the columns the file has), new ones created; each
    written customer gets a history entry by `by`. `on_progress(rows)` is told the rows checked
    so far after each chunk (it must not query: see common.progress).

    The source is stated, never assumed (Art. 30): `collected_by_us` for data the company
    collected itself, else `received_from` with the receipt details; the receipt record and its
    people are written in the import's transaction, so no import from a third party runs
    without one.
    """
    result = ImportResult()
    try:
        if received_from is None and not collected_by_us:
            raise ValidationError(IMPORT_SOURCE_REQUIRED)
        if received_from is not None:
            receipt_details_validate(received_from)
    except ValidationError as exc:
        result.add_errors([RowError(0, "", " ".join(exc.messages))])
        return result
    stream = file if file is not None else io.BytesIO(data or b"")
    try:
        result.encoding = _open(stream, encoding)
    except _FileError as exc:
        result.add_errors([RowError(0, "", exc.message)])
        return result

    dealers = dict(
        Recipient.objects.filter(
            category=RecipientCategory.DEALER, active=True, code__isnull=False
        ).values_list("code", "pk")
    )
    counts = _Counts()
    with transaction.atomic():
        store = import_staging.staging()
        try:
            _check_file(stream, result, store, counts, dealers, dry_run, on_progress)
        except _FileError as exc:
            result.add_errors([RowError(0, "", exc.message)])
        if on_progress:
            on_progress(result.rows)
        if result.ok and not dry_run:
            try:
                with transaction.atomic():
                    store.write(
                        by=by, now=counts.now, created=counts.created, updated=counts.updated
                    )
                    if received_from is not None:
                        # Every person in the file was received, the unchanged ones too.
                        result.receipt_id = receipt_record(
                            details=received_from, by=by, **store.receipt_people()
                        ).pk
            except IntegrityError:
                result.add_errors([RowError(0, "", _msg(IMPORT_WRITE_FAILED))])
        if result.ok and not dry_run:
            store.close()
        else:
            transaction.set_rollback(True)  # nothing staged or written stays
    if not result.ok:
        return result
    result.created, result.updated = counts.created, counts.updated
    if dry_run:
        return result
    logger.info(
        "customer import by user %s: %s rows, %s created, %s updated, %s unchanged",
        getattr(by, "pk", None),
        result.rows,
        result.created,
        result.updated,
        result.unchanged,
    )
    return result


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    now: datetime = field(default_factory=timezone.now)
    today: date = field(default_factory=timezone.localdate)


def _open(stream: IO[bytes], encoding: str) -> str:
    """Size and encoding checks before any row is read; returns the encoding."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if not size:
        raise _FileError(_msg(IMPORT_EMPTY))
    if size > IMPORT_MAX_BYTES:
        raise _FileError(_msg(IMPORT_TOO_LARGE, mb=IMPORT_MAX_BYTES // (1024 * 1024)))
    return _detect_encoding(stream, encoding)


def _check_file(stream, result, store, counts, dealers, dry_run, on_progress) -> None:
    """Read, check and (while the file is clean) stage the rows, one chunk at a time."""
    chunk_rows = max(1, settings.CUSTOMER_IMPORT_CHUNK_ROWS)
    stream.seek(0)
    text = io.TextIOWrapper(
        stream, encoding="utf-8-sig" if result.encoding == "utf-8" else "cp932", newline=""
    )
    try:
        chunk: list[tuple[int, dict[str, str]]] = []
        chunk_errors: list[RowError] = []
        # Our own CP932 exports write a character CP932 cannot hold as "&#x…;" (and a typed "&#x"
        # as "&#x26;#x"): read back, each is the character again. UTF-8 files are taken as
        # written (nothing there is escaped, so a reference may be a customer's literal text).
        unescape = result.encoding == "cp932"
        for line, values in _read_rows(text, chunk_errors, unescape=unescape):
            chunk.append((line, values))
            if len(chunk) >= chunk_rows:
                _check_chunk(chunk, chunk_errors, result, store, counts, dealers, dry_run)
                chunk, chunk_errors = [], []
                if on_progress:
                    on_progress(result.rows)
        if chunk or chunk_errors:
            _check_chunk(chunk, chunk_errors, result, store, counts, dealers, dry_run)
    finally:
        text.detach()  # the caller's stream stays open
    if not result.rows and result.ok:
        raise _FileError(_msg(IMPORT_NO_ROWS))


def _check_chunk(chunk, errors, result, store, counts, dealers, dry_run) -> None:
    result.rows += len(chunk)
    validated: list[tuple[int, dict[str, Any]]] = []
    for line, values in chunk:
        fields = _validate_row(values, line, dealers, errors, counts.today)
        if fields is not None:
            validated.append((line, fields))
    earlier = store.first_lines(list({fields["number"] for _, fields in validated}))
    first_line: dict[str, int] = {}
    kept: list[tuple[int, dict[str, Any]]] = []
    for line, fields in validated:
        number = fields["number"]
        first = earlier.get(number, first_line.get(number))
        if first is not None:
            errors.append(
                RowError(line, "number", _msg(IMPORT_DUPLICATE_NUMBER, number=number, line=first))
            )
            continue
        first_line[number] = line
        kept.append((line, fields))
    store.add_seen(first_line)

    existing = _existing_customers(list(first_line))
    to_create: list[dict[str, Any]] = []
    to_update: list[Customer] = []
    for line, fields in kept:
        customer = existing.get(fields["number"])
        if customer is not None and customer.erased_at is not None:
            errors.append(RowError(line, "number", _msg(IMPORT_ERASED, number=fields["number"])))
            continue
        if customer is None:
            row = {
                **_NEW_CUSTOMER_DEFAULTS,
                **fields,
                "created_at": counts.now,
                "updated_at": counts.now,
            }
            row.update(search_columns(**{k: row[k] for k in SEARCH_INPUTS}))
            to_create.append(row)
            continue
        changed = [k for k, v in fields.items() if getattr(customer, k) != v]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(customer, name, fields[name])
        for name, value in customer_search_columns(customer).items():
            setattr(customer, name, value)
        customer.updated_at = counts.now
        to_update.append(customer)
    errors.sort(key=lambda e: e.line)
    result.add_errors(errors)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    if result.ok and not dry_run:
        # Once a row is wrong nothing will be written: the rest is only checked.
        store.stage(to_create, to_update)


def _read_rows(
    text: IO[str], errors: list[RowError], *, unescape: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows as (line, values), header mapped; a row of the wrong length is an error.

    `errors` is the current chunk's list (the caller swaps it per chunk)."""
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise _FileError(_msg(IMPORT_EMPTY))
        names = _map_header(header)
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                continue  # blank lines, e.g. Excel's trailing one
            line = reader.line_num
            if len(raw) != len(names):
                errors.append(
                    RowError(
                        line,
                        "",
                        _msg(IMPORT_WRONG_FIELD_COUNT, found=len(raw), expected=len(names)),
                    )
                )
                continue
            if unescape:
                raw = [cp932_unescape(cell) for cell in raw]
            yield line, {n: cell.strip() for n, cell in zip(names, raw, strict=True)}
    except csv.Error as exc:
        detail = str(exc)
        if "field larger than field limit" in detail:
            message = _msg(IMPORT_FIELD_TOO_LARGE, limit=f"{FIELD_SIZE_LIMIT:,}")
        else:
            message = _msg(IMPORT_BAD_CSV, detail=detail)
        raise _FileError(f"{_('line %(line)s') % {'line': reader.line_num}}: {message}") from None


_NEW_CUSTOMER_DEFAULTS: dict[str, Any] = {
    "family_name": "",
    "given_name": "",
    "family_name_kana": "",
    "given_name_kana": "",
    "postal_code": "",
    "prefecture": "",
    "address": "",
    "phone": "",
    "email": "",
    "date_of_birth": None,
    "preferred_language": Language.JAPANESE,
    "dealer_id": None,
    "erased_at": None,
}
