"""Bulk import of customers from the CRM's CSV export: every row checked first, then all or none.

The file is decoded (UTF-8, with or without BOM, or Shift_JIS/CP932 as Japanese Excel writes it),
its header mapped (English column names or the CRM's Japanese ones), and every row validated
before anything is written. Any error stops the import and is reported per line; a clean file
is written in one transaction with bulk operations (new customers created, known ones updated,
each with a history entry naming the importing user). An erased customer is never brought back
by an import: their row is an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import import_staging
from .models import Customer, Language, Recipient, RecipientCategory
from .normalize import normalize_postal_code, phone_digits
from .receipts import ReceiptDetails, receipt_details_validate, receipt_record
from .services import (
    SEARCH_INPUTS,
    customer_search_columns,
    kana_is_valid,
    normalize_customer_fields,
    search_columns,
)

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
IMPORT_EMPTY = _("The file is empty.")
IMPORT_NO_ROWS = _("The file has a header but no customer rows.")
IMPORT_TOO_LARGE = _("The file is larger than %(mb)s MB; split it into smaller files.")
IMPORT_ENCODING = _(
    "The file is neither UTF-8 nor Shift_JIS (CP932) text. Save it from Excel as “CSV UTF-8” "
    "or “CSV (comma delimited)”."
)
IMPORT_MISSING_COLUMNS = _("Missing columns: %(columns)s.")
IMPORT_UNKNOWN_COLUMNS = _("Unknown columns: %(columns)s.")
IMPORT_DUPLICATE_COLUMNS = _("Columns given twice: %(columns)s.")
IMPORT_BAD_CSV = _("The file is not valid CSV: %(detail)s.")
IMPORT_FIELD_TOO_LARGE = _("A field is longer than %(limit)s characters.")
IMPORT_WRONG_FIELD_COUNT = _("This row has %(found)s fields; the header has %(expected)s.")
IMPORT_REQUIRED = _("%(column)s is required.")
IMPORT_TOO_LONG = _("%(column)s has at most %(max)s characters (this one has %(length)s).")
IMPORT_BAD_NUMBER = _("The customer number may only contain letters, digits and hyphens.")
IMPORT_DUPLICATE_NUMBER = _("Customer number %(number)s already appears on line %(line)s.")
IMPORT_ERASED = _(
    "Customer %(number)s has been erased; an import cannot restore an erased customer's data."
)
IMPORT_BAD_KANA = _("%(column)s must be kana (hiragana or katakana) only.")
IMPORT_BAD_POSTAL = _("The postal code must have 7 digits (e.g. 100-0005).")
IMPORT_BAD_PREFECTURE = _("“%(value)s” is not a Japanese prefecture.")
IMPORT_BAD_PHONE = _("The phone number must have 10 to 15 digits.")
IMPORT_BAD_EMAIL = _("The e-mail address is not valid.")
IMPORT_BAD_DATE = _("The date of birth must be a date like 1980-04-01 (not in the future).")
IMPORT_BAD_LANGUAGE = _("The preferred language must be ja or en.")
IMPORT_UNKNOWN_DEALER = _("No active franchised dealer has the code %(code)s.")
IMPORT_CONTROL_CHARACTERS = _("%(column)s contains control characters.")
IMPORT_QUESTION_MARK = _(
    "%(column)s contains “?”: Excel writes it in a Shift_JIS (CP932) file for a character that "
    "encoding cannot hold (such as 𠮷 or 髙), and the character is lost. Save the file from "
    "Excel as “CSV UTF-8” and import it again, or correct the value."
)
IMPORT_SOURCE_REQUIRED = _(
    "State where the data comes from: collected by the company itself, or received from a "
    "third party (a dealer, a partner) with its receipt record (APPI Art. 30)."
)
IMPORT_WRITE_FAILED = _(
    "The import could not be written (another change to the same customers at the same time?). "
    "Nothing was imported; try again."
)

IMPORT_MAX_BYTES = 100 * 1024 * 1024
# The csv module's own field limit: a field above it is an error with its line number.
FIELD_SIZE_LIMIT = 131_072
# Rows read, checked and staged at a time: settings.CUSTOMER_IMPORT_CHUNK_ROWS (10,000), what
# the worker holds of a file of any size; progress is told after each chunk.
# Problems kept in memory and shown (the count says how many more there were).
MAX_KEPT_ERRORS = 1_000
_LOOKUP_CHUNK = 10_000
_DETECT_BLOCK_BYTES = 1 << 20

# Column name → model field. The CRM's Japanese header names are accepted as aliases.
COLUMNS: dict[str, str] = {
    "number": "number",
    "family_name": "family_name",
    "given_name": "given_name",
    "family_name_kana": "family_name_kana",
    "given_name_kana": "given_name_kana",
    "postal_code": "postal_code",
    "prefecture": "prefecture",
    "address": "address",
    "phone": "phone",
    "email": "email",
    "date_of_birth": "date_of_birth",
    "preferred_language": "preferred_language",
    "dealer_code": "dealer",
}
COLUMN_ALIASES: dict[str, str] = {
    "顧客番号": "number",
    "姓": "family_name",
    "名": "given_name",
    "セイ": "family_name_kana",
    "メイ": "given_name_kana",
    "郵便番号": "postal_code",
    "都道府県": "prefecture",
    "住所": "address",
    "電話番号": "phone",
    "メールアドレス": "email",
    "生年月日": "date_of_birth",
    "希望言語": "preferred_language",
    "販売会社コード": "dealer_code",
}
REQUIRED_COLUMNS: tuple[str, ...] = ("number", "family_name", "given_name")
# Columns whose value may not be empty.
REQUIRED_VALUES: tuple[str, ...] = ("number", "family_name")

PREFECTURES: frozenset[str] = frozenset(
    [
        "北海道",
        "青森県",
        "岩手県",
        "宮城県",
        "秋田県",
        "山形県",
        "福島県",
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "新潟県",
        "富山県",
        "石川県",
        "福井県",
        "山梨県",
        "長野県",
        "岐阜県",
        "静岡県",
        "愛知県",
        "三重県",
        "滋賀県",
        "京都府",
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
        "鳥取県",
        "島根県",
        "岡山県",
        "広島県",
        "山口県",
        "徳島県",
        "香川県",
        "愛媛県",
        "高知県",
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
        "沖縄県",
    ]
)

_NUMBER_RE = re.compile(r"^[A-Z0-9-]+$")
_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Columns where "?" is never part of the value: in a CP932 file it stands for a lost character.
_NO_QUESTION_MARK: tuple[str, ...] = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "prefecture",
    "address",
)
_email = EmailValidator()
# Computed once, not per row (Language.values builds a new list on every access).
_LANGUAGES: frozenset[str] = frozenset(Language.values)
_MAX_LENGTHS: dict[str, int] = {
    f.name: f.max_length
    for f in Customer._meta.get_fields()
    if getattr(f, "max_length", None) and f.name in COLUMNS.values()
}
_COLUMN_LABELS: dict[str, Any] = {
    "number": _("customer number"),
    "family_name": _("family name"),
    "given_name": _("given name"),
    "family_name_kana": _("family name (kana)"),
    "given_name_kana": _("given name (kana)"),
    "address": _("address"),
    "postal_code": _("postal code"),
    "prefecture": _("prefecture"),
    "phone": _("phone"),
    "email": _("e-mail"),
    "date_of_birth": _("date of birth"),
    "preferred_language": _("preferred language"),
    "dealer_code": _("dealer code"),
}


@dataclass
class RowError:
    line: int  # 0: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line} if self.line else _("file")
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.message}"


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


class _FileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _msg(message, **params) -> str:
    return str(message) % params if params else str(message)


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


def _map_header(header: list[str]) -> list[str]:
    names = []
    for raw in header:
        name = raw.strip().lstrip("\ufeff")
        names.append(COLUMN_ALIASES.get(name, name.lower()))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _FileError(_msg(IMPORT_DUPLICATE_COLUMNS, columns=", ".join(duplicates)))
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise _FileError(_msg(IMPORT_UNKNOWN_COLUMNS, columns=", ".join(unknown)))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise _FileError(_msg(IMPORT_MISSING_COLUMNS, columns=", ".join(missing)))
    return names


def _parse_date(value: str, today: date) -> date | None:
    match = _DATE_RE.match(value)
    if not match:
        return None
    try:
        parsed = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    if parsed > today or parsed.year < 1900:
        return None
    return parsed


def _validate_row(
    values: dict[str, str],
    line: int,
    dealers: dict[str, int],
    errors: list[RowError],
    today: date,
) -> dict[str, Any] | None:
    """Check one row; returns the customer fields, or None after appending its errors.

    `today` is the import's date, taken once (not per row): the limit for dates of birth.
    """
    before = len(errors)

    def err(where: str, message, **params) -> None:
        errors.append(RowError(line, where, _msg(message, **params)))

    # One search of the whole row finds a clean row's absence of control characters; only a row
    # that has one is searched column by column, to name the column.
    has_control = _CONTROL_RE.search("".join(values.values())) is not None
    for column, value in values.items():
        if has_control and _CONTROL_RE.search(value):
            err(column, IMPORT_CONTROL_CHARACTERS, column=_COLUMN_LABELS[column])
            continue
        if column == "postal_code":
            # The stored form is what must fit: "〒100-0005" (9 characters) is 100-0005.
            value = normalize_postal_code(value)
        if column in _NO_QUESTION_MARK and "?" in value:
            err(column, IMPORT_QUESTION_MARK, column=_COLUMN_LABELS[column])
            continue
        limit = _MAX_LENGTHS.get(COLUMNS[column])
        if limit and len(value) > limit:
            label = _COLUMN_LABELS[column]
            err(column, IMPORT_TOO_LONG, column=label, max=limit, length=len(value))
    if len(errors) > before:
        return None
    for column in REQUIRED_VALUES:
        if not values.get(column):
            err(column, IMPORT_REQUIRED, column=_COLUMN_LABELS[column])

    fields: dict[str, Any] = {
        COLUMNS[c]: v for c, v in values.items() if c not in ("dealer_code", "date_of_birth")
    }
    # Stores each reading normalised (full-width katakana). The values are stripped already
    # (_read_rows), so that is the reading the kana check below would normalise again: it checks
    # the stored form, on which normalisation is a no-op, instead of normalising the raw value.
    fields = normalize_customer_fields(fields)
    number = fields.get("number", "")
    if number and not _NUMBER_RE.match(number):
        err("number", IMPORT_BAD_NUMBER)
    for column in ("family_name_kana", "given_name_kana"):
        if values.get(column) and not kana_is_valid(fields[column]):
            err(column, IMPORT_BAD_KANA, column=_COLUMN_LABELS[column])
    postal = values.get("postal_code", "")
    if postal and len(normalize_postal_code(postal)) != 8:
        err("postal_code", IMPORT_BAD_POSTAL)
    prefecture = fields.get("prefecture", "")
    if prefecture and prefecture not in PREFECTURES:
        err("prefecture", IMPORT_BAD_PREFECTURE, value=prefecture[:20])
    phone = values.get("phone", "")
    if phone and not 10 <= len(phone_digits(phone)) <= 15:
        err("phone", IMPORT_BAD_PHONE)
    email = fields.get("email", "")
    if email:
        try:
            _email(email)
        except ValidationError:
            err("email", IMPORT_BAD_EMAIL)
    dob_text = values.get("date_of_birth", "")
    if dob_text:
        dob = _parse_date(dob_text, today)
        if dob is None:
            err("date_of_birth", IMPORT_BAD_DATE)
        fields["date_of_birth"] = dob
    elif "date_of_birth" in values:
        fields["date_of_birth"] = None
    if "preferred_language" in values:
        language = values["preferred_language"].lower() or Language.JAPANESE
        if language not in _LANGUAGES:
            err("preferred_language", IMPORT_BAD_LANGUAGE)
        fields["preferred_language"] = language
    if "dealer_code" in values:
        code = values["dealer_code"]
        if code and code not in dealers:
            err("dealer_code", IMPORT_UNKNOWN_DEALER, code=code[:32])
        fields["dealer_id"] = dealers.get(code) if code else None
    return None if len(errors) > before else fields


def _existing_customers(numbers: list[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for start in range(0, len(numbers), _LOOKUP_CHUNK):
        chunk = numbers[start : start + _LOOKUP_CHUNK]
        if connection.vendor == "postgresql":
            # One array parameter instead of 10,000 placeholders: Django's `IN (%s, …)` is
            # bound client-side, and parsing that statement cost more than running it (the
            # lookup of 100,000 numbers: 2.8 s → 0.9 s at full scale).
            customers = Customer.objects.raw(
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
    by: AbstractBaseUser | None,
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
        for line, values in _read_rows(text, chunk_errors):
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


def _read_rows(text: IO[str], errors: list[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
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
