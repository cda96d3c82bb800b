"""A case's rights change: a right added to an open case (the person writes again), a right
split off into its own case (one right needs its own deadline or extension). Each is written
on the timeline of the rights concerned with who and why, like a receipt correction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import validate_not_future

from ..cases import case_rights
from ..models import OPEN_STATES, DisclosureRequest, RequestCase, RequestComment, RequestType
from .intake import DETAIL_FIELDS, UNKNOWN_FIELDS, validate_request_details

logger = logging.getLogger(__name__)

CASE_CHANGE_FORBIDDEN = _("You are not allowed to change the rights of a case.")
CASE_REASON_REQUIRED = _("Say why the case's rights change.")
CASE_NOT_OPEN = _("A right can only be added to an open case: every right of this case has ended.")
SPLIT_ONLY_RIGHT = _("This is the case's only right: there is nothing to split it from.")
SPLIT_NOT_OPEN = _("Only an open right can be split off into its own case.")
SPLIT_FIRST_RIGHT = _(
    "This right carries the case's reference, which the person quotes: it stays with the case. "
    "Split off the other rights instead."
)
RIGHT_ADDED = _("Right %(reference)s (%(type)s) added to case %(case)s. Reason: %(reason)s")
RIGHT_SPLIT = _(
    "Right %(reference)s split off from case %(old)s into its own case. Reason: %(reason)s"
)

# What a right added to a case takes from the case's first right: the person and their agent.
PERSON_FIELDS: tuple[str, ...] = (
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
)


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _check(by: User, reason: str) -> str:
    if not by.has_perm("requests_app.work_request"):
        raise _error(CASE_CHANGE_FORBIDDEN, "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_error(CASE_REASON_REQUIRED, "reason")]})
    return reason


def _next_right_reference(case: RequestCase) -> str:
    """PR-YYYY-NNNNNN-2, -3…: the case's reference and the right's place (the case row is locked;
    a right split off keeps its reference, so a number is never given twice)."""
    number = 2
    while DisclosureRequest.objects.filter(reference=f"{case.reference}-{number}").exists():
        number += 1
    return f"{case.reference}-{number}"


def _log(right: DisclosureRequest, by: User, body: str) -> None:
    RequestComment.objects.create(request=right, author=by, body=body)


def case_add_right(
    *,
    case: RequestCase,
    by: User,
    request_type: str,
    reason: str,
    received_at: datetime | None = None,
    **details: Any,
) -> DisclosureRequest:
    """Add a right to an open case: the person (and agent) as on the case's first right, the
    type's own details and rules; its clock is its own (its receipt)."""
    reason = _check(by, reason)
    unknown = sorted(set(details) - set(DETAIL_FIELDS) - set(PERSON_FIELDS))
    if unknown:
        raise _error(UNKNOWN_FIELDS, "unknown_fields", fields=", ".join(unknown))
    received_at = received_at or timezone.now()
    try:
        validate_not_future(received_at)
    except ValidationError as exc:
        raise ValidationError({"received_at": exc.error_list}) from None
    with transaction.atomic():
        locked = RequestCase.objects.select_for_update().get(pk=case.pk)
        rights = list(case_rights(locked))
        if not any(right.state in OPEN_STATES for right in rights):
            raise _error(CASE_NOT_OPEN, "case_not_open")
        first = rights[0]
        person = {name: getattr(first, name) for name in PERSON_FIELDS}
        fields = {**person, "channel": first.channel, **details}
        validate_request_details(request_type=request_type, fields=fields)
        right = DisclosureRequest(
            reference=_next_right_reference(locked),
            case=locked,
            request_type=request_type,
            received_at=received_at,
            assignee=first.assignee,
            customer=first.customer,
            no_data_held=first.no_data_held,
            **fields,
        )
        right.full_clean(exclude=["state"])
        right.save()
        body = RIGHT_ADDED % {
            "reference": right.reference,
            "type": RequestType(request_type).label,
            "case": locked.reference,
            "reason": reason,
        }
        _log(right, by, body)
        _log(first, by, body)
    logger.info(
        "right %s (type %s) added to case %s by user %s", right.pk, request_type, case.pk, by.pk
    )
    return right


def case_split_right(*, right: DisclosureRequest, by: User, reason: str) -> RequestCase:
    """Move an open right into a case of its own, under the right's own reference."""
    reason = _check(by, reason)
    with transaction.atomic():
        old = RequestCase.objects.select_for_update().get(pk=right.case_id)
        locked = DisclosureRequest.objects.select_for_update().get(pk=right.pk)
        rights = list(case_rights(old))
        if len(rights) < 2:
            raise _error(SPLIT_ONLY_RIGHT, "only_right")
        if locked.reference == old.reference:
            raise _error(SPLIT_FIRST_RIGHT, "first_right")
        if locked.state not in OPEN_STATES:
            raise _error(SPLIT_NOT_OPEN, "not_open")
        new = RequestCase.objects.create(reference=locked.reference, created_at=locked.received_at)
        DisclosureRequest.objects.filter(pk=locked.pk).update(case=new, updated_at=timezone.now())
        body = RIGHT_SPLIT % {"reference": locked.reference, "old": old.reference, "reason": reason}
        _log(locked, by, body)
        _log(rights[0], by, body)
        # The right split off may have been the old case's last open one: its answered rights
        # get the case's one response letter now.
        from .case_letters import case_response_queue

        case_response_queue(case_id=old.pk, by=by)
    right.refresh_from_db()
    logger.info(
        "right %s split off from case %s into case %s by user %s", right.pk, old.pk, new.pk, by.pk
    )
    return new
