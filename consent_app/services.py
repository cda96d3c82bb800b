"""Writes on customers, consent and suppressions: the only way these rows change.

Every function here is keyword-only, validates first and raises `ValidationError` with one of the
module-constant messages below (tests assert them), and writes inside one transaction. Logs carry
ids only, never a name, address or e-mail.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.dates import BIRTH_IN_FUTURE

from .models import (
    ConsentEvent,
    ConsentFlag,
    ConsentState,
    Customer,
    ForeignTransferInfo,
    Language,
    PrivacyNotice,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)
from .normalize import (
    name_grams,
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
)
from .receipts import retained_identity_keep

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
CUSTOMER_UNKNOWN_FIELDS = _("These are not customer fields: %(fields)s.")
CUSTOMER_FIELD_NOT_CHANGEABLE = _("%(field)s cannot be changed.")
CUSTOMER_ERASED = _("This customer has been erased; their data can no longer be changed.")
CUSTOMER_ALREADY_ERASED = _("This customer has already been erased.")
CUSTOMER_NUMBER_REQUIRED = _("A customer number is required.")
KANA_INVALID = _("Enter the reading in kana (hiragana or katakana) only.")
DATE_OF_BIRTH_IN_FUTURE = BIRTH_IN_FUTURE
POSTAL_CODE_INVALID = _("The postal code must have 7 digits (e.g. 100-0005).")
# "NNN-NNNN", as normalize_postal_code writes a seven-digit code.
POSTAL_CODE_LENGTH = 8
ERASE_REFERENCE_REQUIRED = _("An erasure needs the reference of the request behind it.")
CONSENT_UNKNOWN_PURPOSE = _("Unknown purpose of use: %(purpose)s.")
CONSENT_CHANNEL_NOT_OFFERED = _(
    "The purpose “%(purpose)s” is not consented per the channel %(channel)s."
)
CONSENT_INVALID_STATE = _("Unknown consent state: %(state)s.")
CONSENT_INVALID_ACTOR = _("Unknown actor: %(actor)s.")
CONSENT_INVALID_SOURCE = _("Unknown source: %(source)s.")
CONSENT_STAFF_USER_REQUIRED = _("A change made by staff needs the staff user who made it.")
CONSENT_REQUEST_REFERENCE_REQUIRED = _(
    "A change from a privacy request needs the request reference."
)
CONSENT_IN_FUTURE = _("A consent change cannot be dated in the future.")
CONSENT_BACKDATED = _(
    "A consent change cannot be dated before the latest recorded change for this purpose and "
    "channel (%(latest)s)."
)
CONSENT_PURPOSE_INACTIVE = _("Consent cannot be granted for an inactive purpose of use.")
FOREIGN_CONSENT_NOT_PROVISION = _(
    "A consent to foreign provision belongs to a purpose of provision to third parties, granted."
)
FOREIGN_CONSENT_BEFORE_INFO = _(
    "The consent to foreign provision cannot predate the Art. 28 information it names "
    "(given from %(date)s): the person must be told first."
)
EVIDENCE_TOO_LARGE = _("The signed form is larger than %(mb)s MB.")
EVIDENCE_BAD_TYPE = _("The signed form must be a PDF, PNG, JPEG or TIFF scan.")
SUPPRESSION_WRONG_CUSTOMER = _("The consent event belongs to another customer.")
SUPPRESSION_ALREADY_LIFTED = _("This suppression has already been lifted.")
REQUEST_REFERENCE_TOO_LONG = _("A request reference has at most 20 characters.")

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
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
_EVIDENCE_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
}
# Clock skew tolerated between a staff PC and the server before a date counts as "future".
_FUTURE_TOLERANCE = timedelta(minutes=5)


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


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


def _save_with_history(customer: Customer, *, by: AbstractBaseUser | None, reason: str) -> None:
    # django-simple-history reads these two attributes when it writes the history row.
    customer._history_user = by
    # Empty rather than NULL: the history page prints a missing reason as "None".
    customer._change_reason = reason or ""
    customer.save()


def customer_create(*, by: AbstractBaseUser | None, **fields: Any) -> Customer:
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
    by: AbstractBaseUser | None,
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


def customer_erase(
    *, customer: Customer, by: AbstractBaseUser | None, request_reference: str
) -> Customer:
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


# --- Consent -----------------------------------------------------------------------------------
def _resolve_purpose(purpose: PurposeOfUse | str) -> PurposeOfUse:
    if isinstance(purpose, PurposeOfUse):
        return purpose
    found = PurposeOfUse.objects.filter(code=purpose).first()
    if found is None:
        raise _error(CONSENT_UNKNOWN_PURPOSE, "unknown_purpose", purpose=purpose)
    return found


def _check_reference(reference: str) -> None:
    if len(reference) > 20:
        raise _error(REQUEST_REFERENCE_TOO_LONG, "reference_too_long")


def _check_evidence(evidence: File) -> None:
    size = getattr(evidence, "size", None)
    if size is not None and size > EVIDENCE_MAX_BYTES:
        raise _error(EVIDENCE_TOO_LARGE, "evidence_size", mb=EVIDENCE_MAX_BYTES // (1024 * 1024))
    ext = os.path.splitext(evidence.name or "")[1].lower()
    magics = _EVIDENCE_MAGIC.get(ext)
    if not magics:
        raise _error(EVIDENCE_BAD_TYPE, "evidence_type")
    evidence.seek(0)
    head = evidence.read(8)
    evidence.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise _error(EVIDENCE_BAD_TYPE, "evidence_type")


def privacy_notice_in_force(on: date) -> PrivacyNotice | None:
    """The highest notice version effective on `on` (the one a consent event names)."""
    return (
        PrivacyNotice.objects.filter(effective_from__lte=on).order_by("-version").first()
        or PrivacyNotice.objects.order_by("version").first()
    )


def consent_change(
    *,
    customer: Customer,
    purpose: PurposeOfUse | str,
    channel: str,
    new_state: str,
    actor: str,
    source: str,
    by: AbstractBaseUser | None = None,
    request_reference: str = "",
    note: str = "",
    occurred_at: datetime | None = None,
    evidence: File | None = None,
    foreign_transfer_info: ForeignTransferInfo | None = None,
) -> ConsentEvent:
    """THE one way consent changes: a ledger event and the current flag, in one transaction.

    The customer row is locked first, so concurrent changes for one customer queue up and the
    ledger stays a chain (each event's old state is the state the previous one left). An event
    may be dated back to when the customer expressed it (e.g. the date on a letter), but never
    before the latest event of the same purpose and channel, so replaying the ledger in
    (occurred_at, id) order always reproduces the flag. A consent to foreign provision (Art. 28)
    names the information the person was given (`foreign_transfer_info`), and cannot predate it.
    """
    purpose = _resolve_purpose(purpose)
    if channel not in (purpose.channels or []):
        raise _error(CONSENT_CHANNEL_NOT_OFFERED, "channel", purpose=purpose.code, channel=channel)
    if new_state not in ConsentState.values:
        raise _error(CONSENT_INVALID_STATE, "state", state=new_state)
    if actor not in ConsentEvent.Actor.values:
        raise _error(CONSENT_INVALID_ACTOR, "actor", actor=actor)
    if source not in ConsentEvent.Source.values:
        raise _error(CONSENT_INVALID_SOURCE, "source", source=source)
    if actor == ConsentEvent.Actor.STAFF and by is None:
        raise _error(CONSENT_STAFF_USER_REQUIRED, "staff_user")
    if source == ConsentEvent.Source.REQUEST and not request_reference:
        raise _error(CONSENT_REQUEST_REFERENCE_REQUIRED, "reference_required")
    _check_reference(request_reference)
    if new_state == ConsentState.GRANTED and not purpose.active:
        raise _error(CONSENT_PURPOSE_INACTIVE, "purpose_inactive")
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + _FUTURE_TOLERANCE:
        raise _error(CONSENT_IN_FUTURE, "future")
    if evidence is not None:
        _check_evidence(evidence)
    if foreign_transfer_info is not None:
        if new_state != ConsentState.GRANTED or not purpose.is_third_party_provision:
            raise _error(FOREIGN_CONSENT_NOT_PROVISION, "foreign_not_provision")
        if timezone.localdate(occurred_at) < foreign_transfer_info.effective_from:
            raise _error(
                FOREIGN_CONSENT_BEFORE_INFO,
                "foreign_before_info",
                date=foreign_transfer_info.effective_from,
            )

    with transaction.atomic():
        locked = Customer.objects.select_for_update().only("pk", "erased_at").get(pk=customer.pk)
        if locked.erased_at is not None:
            raise _error(CUSTOMER_ERASED, "erased")
        flag = (
            ConsentFlag.objects.select_for_update()
            .filter(customer_id=locked.pk, purpose=purpose, channel=channel)
            .first()
        )
        if flag is not None and occurred_at < flag.updated_at:
            raise _error(
                CONSENT_BACKDATED,
                "backdated",
                latest=date_format(timezone.localtime(flag.updated_at), "DATETIME_FORMAT"),
            )
        event = ConsentEvent(
            customer_id=locked.pk,
            purpose=purpose,
            channel=channel,
            old_state=flag.state if flag else "",
            new_state=new_state,
            occurred_at=occurred_at,
            actor=actor,
            recorded_by=by,
            source=source,
            request_reference=request_reference,
            note=note,
            notice=privacy_notice_in_force(timezone.localdate(occurred_at)),
            foreign_transfer_info=foreign_transfer_info,
        )
        if evidence is not None:
            # A random name: the scan's own file name often carries the person's name.
            ext = os.path.splitext(evidence.name or "")[1].lower()
            event.evidence.save(f"{uuid.uuid4().hex}{ext}", evidence, save=False)
        event.save()
        if flag is None:
            ConsentFlag.objects.create(
                customer_id=locked.pk,
                purpose=purpose,
                channel=channel,
                state=new_state,
                updated_at=occurred_at,
                last_event=event,
            )
        else:
            flag.state = new_state
            flag.updated_at = occurred_at
            flag.last_event = event
            flag.save(update_fields=["state", "updated_at", "last_event"])
    logger.info(
        "consent event %s: customer %s purpose %s channel %s -> %s (source %s, user %s)",
        event.pk,
        locked.pk,
        purpose.code,
        channel,
        new_state,
        source,
        getattr(by, "pk", None),
    )
    return event


def consent_withdraw_all(
    *,
    customer: Customer,
    by: AbstractBaseUser | None,
    source: str,
    request_reference: str = "",
    purpose_codes: list[str] | None = None,
    note: str = "",
) -> list[ConsentEvent]:
    """Withdraw every consent in force (or those of `purpose_codes`), one ledger event each.

    The customer asked (by phone, letter, web or a privacy request), so the actor is the
    customer and `by` the staff user who recorded it; an import's withdrawals are the system's.
    """
    actor = (
        ConsentEvent.Actor.SYSTEM
        if source == ConsentEvent.Source.IMPORT
        else ConsentEvent.Actor.CUSTOMER
    )
    with transaction.atomic():
        locked = Customer.objects.select_for_update().only("pk", "erased_at").get(pk=customer.pk)
        if locked.erased_at is not None:
            raise _error(CUSTOMER_ERASED, "erased")
        flags = ConsentFlag.objects.filter(
            customer_id=locked.pk, state=ConsentState.GRANTED
        ).select_related("purpose")
        if purpose_codes is not None:
            known = set(
                PurposeOfUse.objects.filter(code__in=purpose_codes).values_list("code", flat=True)
            )
            unknown = sorted(set(purpose_codes) - known)
            if unknown:
                raise _error(CONSENT_UNKNOWN_PURPOSE, "unknown_purpose", purpose=", ".join(unknown))
            flags = flags.filter(purpose__code__in=purpose_codes)
        now = timezone.now()
        events = [
            consent_change(
                customer=locked,
                purpose=flag.purpose,
                channel=flag.channel,
                new_state=ConsentState.WITHDRAWN,
                actor=actor,
                source=source,
                by=by,
                request_reference=request_reference,
                note=note,
                # A flag back-dated to "now" by a clock a little ahead must not refuse this.
                occurred_at=max(now, flag.updated_at),
            )
            for flag in flags.order_by("purpose__sort_order", "channel")
        ]
    return events


# --- Suppressions ------------------------------------------------------------------------------
def suppression_create(
    *,
    customer: Customer,
    recipient: Recipient | None = None,
    by: AbstractBaseUser | None,
    request_reference: str = "",
    consent_event: ConsentEvent | None = None,
    note: str = "",
) -> ProvisionSuppression:
    """Stop provision of the customer's data to one recipient, or to all (recipient=None).

    The policy's promise "we will stop provision of information to the third parties upon a
    customer's request" (opt-out, and Art. 35(3)). Idempotent for one request: the same request
    reference and recipient give back the suppression already in force.
    """
    _check_reference(request_reference)
    if consent_event is not None and consent_event.customer_id != customer.pk:
        raise _error(SUPPRESSION_WRONG_CUSTOMER, "wrong_customer")
    with transaction.atomic():
        Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
        if request_reference:
            existing = ProvisionSuppression.objects.filter(
                customer_id=customer.pk,
                recipient=recipient,
                request_reference=request_reference,
                lifted_at__isnull=True,
            ).first()
            if existing is not None:
                return existing
        suppression = ProvisionSuppression.objects.create(
            customer_id=customer.pk,
            recipient=recipient,
            request_reference=request_reference,
            consent_event=consent_event,
            note=note,
            created_by=by,
        )
    logger.info(
        "suppression %s: customer %s recipient %s (user %s)",
        suppression.pk,
        customer.pk,
        getattr(recipient, "pk", None) or "*",
        getattr(by, "pk", None),
    )
    return suppression


def suppression_lift(
    *, suppression: ProvisionSuppression, by: AbstractBaseUser | None, note: str = ""
) -> ProvisionSuppression:
    """End a suppression (the customer agreed to provision again); the row itself stays."""
    with transaction.atomic():
        locked = ProvisionSuppression.objects.select_for_update().get(pk=suppression.pk)
        if locked.lifted_at is not None:
            raise _error(SUPPRESSION_ALREADY_LIFTED, "already_lifted")
        locked.lifted_at = timezone.now()
        locked.lifted_by = by
        if note:
            locked.note = f"{locked.note}\n{note}".strip()
        locked.save(update_fields=["lifted_at", "lifted_by", "note"])
    logger.info("suppression %s lifted by user %s", locked.pk, getattr(by, "pk", None))
    return locked
