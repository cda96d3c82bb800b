"""Writes on consent and suppressions: a consent change (with its evidence, dated, never in the
future or before the latest), withdrawing all, a provision suppression and its lifting.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import (
    ConsentEvent,
    ConsentFlag,
    ConsentState,
    Customer,
    ForeignTransferInfo,
    PrivacyNotice,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)
from .checks import CUSTOMER_ERASED, _check_reference, _error

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
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


# --- Consent -----------------------------------------------------------------------------------
def _resolve_purpose(purpose: PurposeOfUse | str) -> PurposeOfUse:
    if isinstance(purpose, PurposeOfUse):
        return purpose
    found = PurposeOfUse.objects.filter(code=purpose).first()
    if found is None:
        raise _error(CONSENT_UNKNOWN_PURPOSE, "unknown_purpose", purpose=purpose)
    return found


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
    by: User | None = None,
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
    by: User | None,
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
    by: User | None,
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
    *, suppression: ProvisionSuppression, by: User | None, note: str = ""
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
