"""Writes on customers: create, update, erase (Art. 35), and the search columns derived from
the name, reading and phone. Keyword-only, validated first, one transaction; logs carry ids only."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import BIRTH_IN_FUTURE

from ..models import ConsentEvent, Customer, Language, Recipient
from ..normalize import (
    name_grams,
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
)
from ..receipts import retained_identity_keep
from .checks import CUSTOMER_ERASED, _check_reference, _error
from .consent import consent_withdraw_all

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
CUSTOMER_UNKNOWN_FIELDS = _("These are not customer fields: %(fields)s.")
CUSTOMER_FIELD_NOT_CHANGEABLE = _("%(field)s cannot be changed.")
CUSTOMER_ALREADY_ERASED = _("This customer has already been erased.")
CUSTOMER_NUMBER_REQUIRED = _("A customer number is required.")
KANA_INVALID = _("Enter the reading in kana (hiragana or katakana) only.")
DATE_OF_BIRTH_IN_FUTURE = BIRTH_IN_FUTURE
POSTAL_CODE_INVALID = _("The postal code must have 7 digits (e.g. 100-0005).")
# "NNN-NNNN", as normalize_postal_code writes a seven-digit code.
POSTAL_CODE_LENGTH = 8
ERASE_REFERENCE_REQUIRED = _("An erasure needs the reference of the request behind it.")

# --- Customer fields ---------------------------------------------------------------------------
# What a service (or the import) may set on a customer; the search columns and the tombstone are
# derived, never given.
CUSTOMER_FIELDS: tuple[str, ...] = (
    "number",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "postal_code",
    "prefecture",
    "address",
    "phone",
    "email",
    "date_of_birth",
    "preferred_language",
    "dealer",
)
# The customer number identifies the person across systems (and on Art. 29 records): fixed.
CUSTOMER_IMMUTABLE_FIELDS: frozenset[str] = frozenset({"number"})
# Blanked on erasure (Art. 35): everything that identifies or describes the person.
CUSTOMER_PERSONAL_FIELDS: tuple[str, ...] = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "postal_code",
    "prefecture",
    "address",
    "phone",
    "email",
)

_KANA_RE = re.compile(r"^[\u30A0-\u30FF\u30FC\u3000 ・ー]*$")


def kana_is_valid(value: str) -> bool:
    """True when the reading is kana only (any width, hiragana or katakana; spaces allowed)."""
    return kana_normalized_is_valid(normalize_name(value))


def kana_normalized_is_valid(normalized: str) -> bool:
    """kana_is_valid for a reading already through normalize_name (the import's stored form)."""
    return bool(_KANA_RE.match(normalized.replace(" ", "")))


def normalize_customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Canonical spellings for stored values (the search columns are derived separately)."""
    out = dict(fields)
    for name in ("family_name", "given_name", "family_name_kana", "given_name_kana", "address"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    for name in ("family_name_kana", "given_name_kana"):
        # Store the reading in full-width katakana, the CRM convention, whatever was typed.
        if isinstance(out.get(name), str) and out[name]:
            out[name] = normalize_name(out[name])
    if isinstance(out.get("number"), str):
        out["number"] = normalize_customer_number(out["number"])
    if isinstance(out.get("postal_code"), str):
        out["postal_code"] = normalize_postal_code(out["postal_code"])
    if isinstance(out.get("phone"), str):
        out["phone"] = out["phone"].strip()
    if isinstance(out.get("email"), str):
        out["email"] = out["email"].strip()
    if isinstance(out.get("prefecture"), str):
        out["prefecture"] = out["prefecture"].strip()
    return out


# The customer fields the search columns are derived from (search_columns' arguments).
SEARCH_INPUTS: tuple[str, ...] = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "phone",
    "email",
)


def search_columns(
    *,
    family_name: str = "",
    given_name: str = "",
    family_name_kana: str = "",
    given_name_kana: str = "",
    phone: str = "",
    email: str = "",
) -> dict[str, str]:
    """The normalised search columns for these values.

    search_name holds the kanji name and the kana reading, separated by "|" so that a search
    never matches across the two; search_grams its one- and two-character pieces (the index
    for searches too short for trigrams); search_phone the number in E.164.
    """
    kanji = normalize_name(f"{family_name}{given_name}")
    kana = normalize_name(f"{family_name_kana}{given_name_kana}")
    search_name = f"{kanji}|{kana}" if (kanji or kana) else ""
    return {
        "search_name": search_name,
        "search_grams": name_grams(search_name),
        "search_phone": normalize_phone(phone),
        "search_email": normalize_email(email),
    }


def customer_search_columns(customer: Customer) -> dict[str, str]:
    """The normalised search columns for a customer's current values."""
    return search_columns(
        family_name=customer.family_name,
        given_name=customer.given_name,
        family_name_kana=customer.family_name_kana,
        given_name_kana=customer.given_name_kana,
        phone=customer.phone,
        email=customer.email,
    )


def _apply_search_columns(customer: Customer) -> None:
    for name, value in customer_search_columns(customer).items():
        setattr(customer, name, value)


def _check_field_names(fields: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise _error(CUSTOMER_UNKNOWN_FIELDS, "unknown_fields", fields=", ".join(unknown))


def _set_field(customer: Customer, name: str, value: Any) -> None:
    if name == "dealer" and value is not None and not isinstance(value, Recipient):
        customer.dealer_id = value
    else:
        setattr(customer, name, value)


def _validate_customer(customer: Customer, *, exclude_unique: bool = False) -> None:
    errors: dict[str, list] = {}
    for name in ("family_name_kana", "given_name_kana"):
        value = getattr(customer, name)
        if value and not kana_is_valid(value):
            errors.setdefault(name, []).append(_error(KANA_INVALID, "kana"))
    if customer.postal_code and len(customer.postal_code) != POSTAL_CODE_LENGTH:
        errors.setdefault("postal_code", []).append(_error(POSTAL_CODE_INVALID, "postal"))
    try:
        customer.full_clean(validate_unique=not exclude_unique)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    # A date of birth in the future or before 1900 is refused by the field's validator
    # (common.dates.validate_birth_date), in full_clean above.
    if errors:
        raise ValidationError(errors)


def _save_with_history(customer: Customer, *, by: User | None, reason: str) -> None:
    # django-simple-history reads these two attributes when it writes the history row.
    # (Attributes of the library's, not the model's: mypy cannot see them.)
    customer._history_user = by  # type: ignore[attr-defined]
    # Empty rather than NULL: the history page prints a missing reason as "None".
    customer._change_reason = reason or ""  # type: ignore[attr-defined]
    customer.save()


def customer_create(*, by: User | None, **fields: Any) -> Customer:
    """Create a customer from the given fields; the history starts with who created it."""
    _check_field_names(fields)
    fields = normalize_customer_fields(fields)
    if not fields.get("number"):
        raise _error(CUSTOMER_NUMBER_REQUIRED, "number_required")
    fields.setdefault("preferred_language", Language.JAPANESE)
    customer = Customer()
    for name, value in fields.items():
        _set_field(customer, name, value)
    _validate_customer(customer)
    _apply_search_columns(customer)
    with transaction.atomic():
        _save_with_history(customer, by=by, reason="")
    logger.info("customer %s created by user %s", customer.pk, getattr(by, "pk", None))
    return customer


def customer_update(
    *,
    customer: Customer,
    changes: dict[str, object],
    by: User | None,
    reason: str = "",
) -> Customer:
    """Apply `changes` (field → new value) to a customer, with a history entry (who, why).

    Used for staff edits and for Art. 34 corrections. Refuses an erased customer: their
    tombstone must stay blank.
    """
    _check_field_names(changes)
    for name in changes:
        if name in CUSTOMER_IMMUTABLE_FIELDS:
            raise _error(CUSTOMER_FIELD_NOT_CHANGEABLE, "immutable", field=name)
    changes = normalize_customer_fields(dict(changes))
    with transaction.atomic():
        # Lock: two staff correcting the same customer must not overwrite each other silently.
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None:
            raise _error(CUSTOMER_ERASED, "erased")
        for name, value in changes.items():
            _set_field(locked, name, value)
        _validate_customer(locked)
        _apply_search_columns(locked)
        _save_with_history(locked, by=by, reason=reason)
    logger.info(
        "customer %s updated by user %s (fields: %s)",
        locked.pk,
        getattr(by, "pk", None),
        ",".join(sorted(changes)),
    )
    return locked


def customer_erase(*, customer: Customer, by: User | None, request_reference: str) -> Customer:
    """Anonymise a customer in place (APPI Art. 35 erasure).

    Every consent flag in force is withdrawn through the ledger first (source: the request);
    then the personal fields are blanked, in the customer row and in its history rows, the
    admin log's copies of the name read as the tombstone, and the tombstone (number +
    erased_at) remains, so Art. 29/30 records that must be kept still point at something, and
    the identifying items they need are kept with them (RetainedIdentity) until their
    retention ends. Never a hard delete.
    """
    if not request_reference:
        raise _error(ERASE_REFERENCE_REQUIRED, "reference_required")
    _check_reference(request_reference)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None:
            raise _error(CUSTOMER_ALREADY_ERASED, "already_erased")
        consent_withdraw_all(
            customer=locked,
            by=by,
            source=ConsentEvent.Source.REQUEST,
            request_reference=request_reference,
            note=str(_("Erasure")),
        )
        # Rule 20: a retained Art. 29/30 record must still identify the person; keep those
        # items apart from the profile before it is blanked.
        retained_identity_keep(customer=locked)
        blank: dict[str, Any] = dict.fromkeys(CUSTOMER_PERSONAL_FIELDS, "")
        blank.update(date_of_birth=None, dealer=None, preferred_language=Language.JAPANESE)
        for name, value in blank.items():
            setattr(locked, name, value)
        locked.erased_at = timezone.now()
        _apply_search_columns(locked)
        _save_with_history(locked, by=by, reason=f"erasure {request_reference}")
        # The history keeps who changed what and when, but not the erased values themselves.
        history_blank = {k: v for k, v in blank.items() if k != "dealer"}
        locked.history.all().update(dealer_id=None, **history_blank)
        _admin_log_scrub(customer=locked)
    logger.info(
        "customer %s erased by user %s for request %s",
        locked.pk,
        getattr(by, "pk", None),
        request_reference,
    )
    return locked


def _admin_log_scrub(*, customer: Customer) -> None:
    # The admin's "recent actions" log (django.contrib.admin's LogEntry) copies str(customer),
    # i.e. the number and the name, into object_repr when an entry is written: after erasure it
    # reads as the tombstone. change_message is left as it is: the admin writes the changed
    # fields' names there, never their values, so who changed which field when is kept.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
    ).update(object_repr=str(customer)[: LogEntry._meta.get_field("object_repr").max_length])
