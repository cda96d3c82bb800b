"""The checks of one CRM import row and of the file's header (issue 19 split them out).

consent_app.importing reads the file one chunk at a time and calls these per row; the messages
and column tables live here, and importing re-exports them for its callers and tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from .models import Customer, Language
from .normalize import normalize_postal_code, phone_digits
from .services import kana_normalized_is_valid, normalize_customer_fields

__all__ = [
    "COLUMNS",
    "COLUMN_ALIASES",
    "FIELD_SIZE_LIMIT",
    "IMPORT_BAD_CSV",
    "IMPORT_BAD_DATE",
    "IMPORT_BAD_EMAIL",
    "IMPORT_BAD_KANA",
    "IMPORT_BAD_LANGUAGE",
    "IMPORT_BAD_NUMBER",
    "IMPORT_BAD_PHONE",
    "IMPORT_BAD_POSTAL",
    "IMPORT_BAD_PREFECTURE",
    "IMPORT_CONTROL_CHARACTERS",
    "IMPORT_DUPLICATE_COLUMNS",
    "IMPORT_DUPLICATE_NUMBER",
    "IMPORT_EMPTY",
    "IMPORT_ENCODING",
    "IMPORT_ERASED",
    "IMPORT_FIELD_TOO_LARGE",
    "IMPORT_MAX_BYTES",
    "IMPORT_MISSING_COLUMNS",
    "IMPORT_NO_ROWS",
    "IMPORT_QUESTION_MARK",
    "IMPORT_REQUIRED",
    "IMPORT_SOURCE_REQUIRED",
    "IMPORT_TOO_LARGE",
    "IMPORT_TOO_LONG",
    "IMPORT_UNKNOWN_COLUMNS",
    "IMPORT_UNKNOWN_DEALER",
    "IMPORT_WRITE_FAILED",
    "IMPORT_WRONG_FIELD_COUNT",
    "PREFECTURES",
    "REQUIRED_COLUMNS",
    "REQUIRED_VALUES",
    "RowError",
]

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

# The import streams (a chunk of rows at a time, staged in the database), so memory does not grow
# with the file; the bound is what one upload may sensibly carry: a CRM export of a million
# customers with full addresses is about 165 MB.
IMPORT_MAX_BYTES = 256 * 1024 * 1024
# The csv module's own field limit: a field above it is an error with its line number.
FIELD_SIZE_LIMIT = 131_072

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
    f.name: int(f.max_length)
    for f in Customer._meta.concrete_fields
    if f.max_length and f.name in COLUMNS.values()
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


class _FileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _msg(message, **params) -> str:
    return str(message) % params if params else str(message)


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
        if values.get(column) and not kana_normalized_is_valid(fields[column]):
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
