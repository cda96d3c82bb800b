"""Intake of privacy requests: creation (reference, duplicate flag), details, assignment, comments.

The rules on a request's details live here (`validate_request_details`): a fee only where APPI
Art. 38 allows one, type-specific fields only on their type, an agent's name when an agent acts.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import validate_not_future
from consent_app.models import PurposeOfUse

from .. import selectors
from ..models import (
    OPEN_STATES,
    AgentType,
    Art35Ground,
    DisclosureMethod,
    DisclosureRequest,
    ReferenceCounter,
    RequestCase,
    RequestChannel,
    RequestComment,
    RequestType,
    UseMeasure,
)
from ..request_types import REQUEST_TYPES, types_asking

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
FEE_NOT_ALLOWED = _(
    "No fee may be charged for this type of request; fees are allowed only for purpose notice "
    "and disclosure (Art. 38)."
)
FEE_RECEIPT_WITHOUT_FEE = _("Record the fee amount before its receipt.")
FEE_RECEIPT_WITHOUT_METHOD = _(
    "Record how the fee was paid (postal money order, cash by registered mail or bank transfer)."
)
FEE_RECEIVED_IN_FUTURE = _("The fee cannot have been received in the future.")
METHOD_ONLY_FOR_DISCLOSURE = _("A disclosure method applies only to the two disclosure types.")
MEASURE_ONLY_FOR_ERASURE = _("Suspension of use or erasure applies only to an Art. 35(1) request.")
ART35_GROUND_ONLY_FOR_ART35 = _("An Art. 35 ground applies only to an Art. 35 request.")
ART35_GROUND_REQUIRED = _(
    "A request for suspension of use, erasure or suspension of provision needs the Art. 35 "
    "ground the person relies on."
)
INCIDENT_ONLY_FOR_LEAK = _(
    "An incident is cited only by a request on the reportable-leak ground (Art. 35(5))."
)
PURPOSES_ONLY_FOR_SUSPENSION = _("Purposes to suspend apply only to a suspension of use.")
RECIPIENT_ONLY_FOR_PROVISION_STOP = _(
    "A recipient to stop applies only to a suspension of provision to third parties."
)
UNKNOWN_PURPOSES = _("Unknown purposes of use: %(codes)s.")
AGENT_NAME_REQUIRED = _("Give the agent's name.")
AGENT_DETAILS_WITHOUT_AGENT = _("Agent details are given, but the request is from the person.")
REQUESTER_NAME_REQUIRED = _("Give the requester's name.")
UNKNOWN_REQUEST_TYPE = _("Unknown request type: %(type)s.")
UNKNOWN_FIELDS = _("These fields cannot be set here: %(fields)s.")
REQUEST_NOT_OPEN = _("The request has ended; only its notes can still be changed.")
ASSIGNEE_NOT_STAFF = _("Requests can only be assigned to privacy staff or managers.")
COMMENT_EMPTY = _("The comment is empty.")
COMMENT_FORBIDDEN = _("You are not allowed to comment on requests.")

# Details staff may give at creation and edit while the request is open.
DETAIL_FIELDS: tuple[str, ...] = (
    "channel",
    "requester_name",
    "requester_name_kana",
    "requester_postal_code",
    "requester_address",
    "requester_phone",
    "requester_email",
    "requester_date_of_birth",
    "language",
    "agent_type",
    "agent_name",
    "agent_address",
    "disclosure_method_requested",
    "fee_amount",
    "fee_payment_method",
    "fee_received_on",
    "suspension_purpose_codes",
    "suspension_recipient",
    "use_measure",
    "legal_ground",
    "incident_reference",
    "request_grounds",
    "notes",
)
_ALWAYS_EDITABLE = {"notes"}


RECEIPT_CORRECTION_FORBIDDEN = _("You are not allowed to correct the receipt date.")
RECEIPT_CORRECTION_NO_REASON = _("Say why the receipt date is corrected.")
RECEIPT_AFTER_DOCUMENTS = _(
    "The request cannot have been received after its documents arrived (%(date)s)."
)
RECEIPT_CORRECTED = _("Receipt date corrected from %(old)s to %(new)s. Reason: %(reason)s")


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


# --- details -----------------------------------------------------------------------------------
def validate_request_details(*, request_type: str, fields: dict[str, Any]) -> None:
    """The rules on a request's details (fee per Art. 38, type-specific fields), per field."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message, **params) -> None:
        errors.setdefault(field, []).append(_error(message, field, **params))

    spec = REQUEST_TYPES.get(request_type)
    if request_type not in RequestType.values or spec is None:
        add("request_type", UNKNOWN_REQUEST_TYPE, type=request_type)
        raise ValidationError(errors)
    if "requester_name" in fields and not (fields["requester_name"] or "").strip():
        add("requester_name", REQUESTER_NAME_REQUIRED)
    if fields.get("fee_amount") and not spec.fee_bearing:
        add("fee_amount", FEE_NOT_ALLOWED)
    if fields.get("fee_received_on") and not fields.get("fee_amount"):
        add("fee_received_on", FEE_RECEIPT_WITHOUT_FEE)
    # A letter states a fee only as received (amount, form and date): all three go together.
    if fields.get("fee_received_on") and not fields.get("fee_payment_method"):
        add("fee_payment_method", FEE_RECEIPT_WITHOUT_METHOD)
    if fields.get("fee_received_on") and fields["fee_received_on"] > timezone.localdate():
        add("fee_received_on", FEE_RECEIVED_IN_FUTURE)
    if fields.get("disclosure_method_requested") and not spec.asks("disclosure_method_requested"):
        add("disclosure_method_requested", METHOD_ONLY_FOR_DISCLOSURE)
    if fields.get("use_measure") and not spec.asks("use_measure"):
        add("use_measure", MEASURE_ONLY_FOR_ERASURE)
    if fields.get("legal_ground") and not spec.asks("legal_ground"):
        add("legal_ground", ART35_GROUND_ONLY_FOR_ART35)
    # Art. 35(1), (3), (5): the ground decides whether the company must act; stored with it.
    if spec.art35 and not fields.get("legal_ground"):
        add("legal_ground", ART35_GROUND_REQUIRED)
    if (fields.get("incident_reference") or "").strip() and fields.get("legal_ground") != (
        Art35Ground.LEAK
    ):
        add("incident_reference", INCIDENT_ONLY_FOR_LEAK)
    codes = fields.get("suspension_purpose_codes") or []
    if codes:
        if not spec.asks("suspension_purpose_codes") or (
            fields.get("use_measure") == UseMeasure.ERASE
        ):
            add("suspension_purpose_codes", PURPOSES_ONLY_FOR_SUSPENSION)
        else:
            known = set(PurposeOfUse.objects.filter(code__in=codes).values_list("code", flat=True))
            if unknown := sorted(set(codes) - known):
                add("suspension_purpose_codes", UNKNOWN_PURPOSES, codes=", ".join(unknown))
    if fields.get("suspension_recipient") and not spec.asks("suspension_recipient"):
        add("suspension_recipient", RECIPIENT_ONLY_FOR_PROVISION_STOP)
    if fields.get("agent_type"):
        if not (fields.get("agent_name") or "").strip():
            add("agent_name", AGENT_NAME_REQUIRED)
    elif (fields.get("agent_name") or "").strip() or (fields.get("agent_address") or "").strip():
        add("agent_type", AGENT_DETAILS_WITHOUT_AGENT)
    if errors:
        raise ValidationError(errors)


def _clean_text(value: Any) -> Any:
    # NFC so that duplicate detection compares like with like; surrounding spaces dropped.
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _next_reference(received_at: datetime) -> str:
    """PR-YYYY-NNNNNN, race-free: the year's counter row is locked until the caller commits.

    The year is the receipt's, never later than this year: a receipt typed in the future is
    refused before we get here, and even so it could not take a number of a year to come.
    """
    year = min(timezone.localtime(received_at).year, timezone.localdate().year)
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"PR-{year}-{number:06d}"


def request_create(
    *,
    by: AbstractBaseUser,
    request_type: str,
    requester_name: str,
    received_at: datetime | None = None,
    assignee: AbstractBaseUser | None = None,
    **details: Any,
) -> DisclosureRequest:
    """Log a new request (an inquiry), with its reference, flagged if it may be a duplicate."""
    unknown = sorted(set(details) - set(DETAIL_FIELDS))
    if unknown:
        raise _error(UNKNOWN_FIELDS, "unknown_fields", fields=", ".join(unknown))
    details = {name: _clean_text(value) for name, value in details.items()}
    requester_name = _clean_text(requester_name or "")
    details.setdefault("agent_type", AgentType.NONE)
    details.setdefault("channel", RequestChannel.POST)
    if request_type in types_asking("disclosure_method_requested"):
        details.setdefault("disclosure_method_requested", DisclosureMethod.PAPER)
    validate_request_details(
        request_type=request_type, fields={**details, "requester_name": requester_name}
    )
    if assignee is not None and not assignee.has_perm("requests_app.work_request"):
        raise _error(ASSIGNEE_NOT_STAFF, "assignee")
    received_at = received_at or timezone.now()
    try:
        validate_not_future(received_at)
    except ValidationError as exc:
        raise ValidationError({"received_at": exc.error_list}) from None
    with transaction.atomic():
        duplicate = selectors.possible_duplicates(
            name=requester_name,
            email=details.get("requester_email", ""),
            phone=details.get("requester_phone", ""),
        ).first()
        reference = _next_reference(received_at)
        # A new request opens its case: the case and its first right share the reference.
        case = RequestCase.objects.create(reference=reference, created_at=received_at)
        request = DisclosureRequest(
            reference=reference,
            case=case,
            request_type=request_type,
            requester_name=requester_name,
            received_at=received_at,
            assignee=assignee,
            possible_duplicate_of=duplicate,
            **details,
        )
        request.full_clean(exclude=["state"])
        request.save()
    logger.info(
        "request %s created (type %s) by user %s%s",
        request.pk,
        request_type,
        by.pk,
        f", possible duplicate of {duplicate.pk}" if duplicate else "",
    )
    return request


def request_update(
    *, request: DisclosureRequest, by: AbstractBaseUser, changes: dict[str, Any]
) -> DisclosureRequest:
    """Change a request's details; the type rules (fee, method, scope) are checked as a whole."""
    unknown = sorted(set(changes) - set(DETAIL_FIELDS))
    if unknown:
        raise _error(UNKNOWN_FIELDS, "unknown_fields", fields=", ".join(unknown))
    changes = {name: _clean_text(value) for name, value in changes.items()}
    with transaction.atomic():
        locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state not in OPEN_STATES and set(changes) - _ALWAYS_EDITABLE:
            raise _error(REQUEST_NOT_OPEN, "not_open")
        merged = {name: getattr(locked, name) for name in DETAIL_FIELDS}
        merged.update(changes)
        validate_request_details(request_type=locked.request_type, fields=merged)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["state"])
        locked.save(update_fields=[*changes, "updated_at"])
    logger.info(
        "request %s updated by user %s (fields: %s)", locked.pk, by.pk, ",".join(sorted(changes))
    )
    return locked


def request_assign(
    *, request: DisclosureRequest, assignee: AbstractBaseUser | None, by: AbstractBaseUser
) -> DisclosureRequest:
    request_bulk_assign(request_ids=[request.pk], assignee=assignee, by=by)
    request.refresh_from_db(fields=["assignee"])
    return request


def request_bulk_assign(
    *, request_ids: Iterable[int], assignee: AbstractBaseUser | None, by: AbstractBaseUser
) -> tuple[int, int]:
    """Assign open requests to one user (or unassign). Returns (assigned, skipped as ended)."""
    if assignee is not None and not (
        assignee.is_active and assignee.has_perm("requests_app.work_request")
    ):
        raise _error(ASSIGNEE_NOT_STAFF, "assignee")
    ids = list(request_ids)
    assigned = DisclosureRequest.objects.filter(pk__in=ids, state__in=OPEN_STATES).update(
        assignee=assignee, updated_at=timezone.now()
    )
    logger.info(
        "user %s assigned %s requests to user %s", by.pk, assigned, getattr(assignee, "pk", None)
    )
    return assigned, len(ids) - assigned


def request_comment_add(
    *, request: DisclosureRequest, author: AbstractBaseUser, body: str
) -> RequestComment:
    """An internal comment on the request (shown in its timeline)."""
    if not author.has_perm("requests_app.add_requestcomment"):
        raise _error(COMMENT_FORBIDDEN, "forbidden")
    body = (body or "").strip()
    if not body:
        raise _error(COMMENT_EMPTY, "empty")
    comment = RequestComment.objects.create(request=request, author=author, body=body)
    logger.info("comment %s on request %s by user %s", comment.pk, request.pk, author.pk)
    return comment


def request_correct_received_at(
    *, request: DisclosureRequest, by: AbstractBaseUser, received_at: datetime, reason: str
) -> DisclosureRequest:
    """Correct a receipt date typed wrongly (e.g. 0001-01-01), with the reason on record.

    The reference keeps its year: it is already printed on letters and quoted by the person.
    The correction is written to the request's timeline as a comment (who, old, new, why).
    """
    if not by.has_perm("requests_app.work_request"):
        raise _error(RECEIPT_CORRECTION_FORBIDDEN, "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _error(RECEIPT_CORRECTION_NO_REASON, "reason")})
    try:
        validate_not_future(received_at)
    except ValidationError as exc:
        raise ValidationError({"received_at": exc.error_list}) from None
    with transaction.atomic():
        locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
        clock_start = locked.documents_received_on
        if clock_start and timezone.localtime(received_at).date() > clock_start:
            raise ValidationError(
                {
                    "received_at": _error(
                        RECEIPT_AFTER_DOCUMENTS, "after_documents", date=clock_start.isoformat()
                    )
                }
            )
        before = locked.received_at
        locked.received_at = received_at
        locked.save(update_fields=["received_at", "updated_at"])
        RequestComment.objects.create(
            request=locked,
            author=by,
            body=str(RECEIPT_CORRECTED)
            % {
                "old": timezone.localtime(before).strftime("%Y-%m-%d %H:%M"),
                "new": timezone.localtime(received_at).strftime("%Y-%m-%d %H:%M"),
                "reason": reason,
            },
        )
    logger.info("request %s receipt date corrected by user %s", request.pk, by.pk)
    return locked
