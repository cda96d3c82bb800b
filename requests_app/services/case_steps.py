"""The steps a case takes once for all its rights (issue 13; README "Cases and rights").

Each right stays its own state machine with its own rules; what the person experiences as one
act is done here across the rights of the case, in the caller's transaction:
- one request form (ticking every right) and one return of it: sending the form, receiving the
  documents or asking for more on one right does it for every other right of the case at that
  step (one letter);
- one identity verification: verifying one right verifies every other right of the case whose
  documents are in (each right's own transition log records who, when, and that it came from
  the case's verification);
- one approval: approving one right approves every other drafted right of the case, each
  checked on its own (four eyes against its own drafter, its fee), or none;
- one response letter: a case of several rights gets one response letter answering each right,
  drafted once every open right is drafted and queued once when the last is answered
  (services/case_letters.py).

Locks are always taken case first, then rights (by id), so two steps on one case never deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    OPEN_STATES,
    DisclosureRequest,
    RequestCase,
    RequestState,
)

logger = logging.getLogger(__name__)

CASE_VERIFIED = _(
    "Identity verified once for case %(case)s (the verification of right %(reference)s covers "
    "every right of the case)."
)
CASE_FORM_SENT = _(
    "One request form for case %(case)s (sent with right %(reference)s, every right ticked)."
)
CASE_DOCUMENTS_RECEIVED = _(
    "The form and documents of case %(case)s came back once (received with right %(reference)s)."
)
CASE_APPROVED = _(
    "Approved once for case %(case)s (the approval of right %(reference)s covers every drafted "
    "right of the case)."
)
CASE_RIGHT_BLOCKED = _(
    "Right %(reference)s of this case is approved with it and cannot be: %(reason)s Nothing "
    "was approved."
)
CASE_MORE_DOCUMENTS = _(
    "The documents of case %(case)s are incomplete (more documents asked for with right "
    "%(reference)s)."
)
# The states of a right that has been answered (its outcome goes into the case's letter).
ANSWERED_STATES = (RequestState.RESPONDED, RequestState.CLOSED)


def case_lock(right: DisclosureRequest) -> RequestCase | None:
    """Lock the right's case row (inside the caller's transaction), before any right."""
    return RequestCase.objects.select_for_update().filter(pk=right.case_id).first()


def case_other_rights(right: DisclosureRequest):
    return DisclosureRequest.objects.filter(case_id=right.case_id).exclude(pk=right.pk)


def case_answers_together(right: DisclosureRequest) -> bool:
    """Is the right answered in the case's one letter? Yes when another right of its case is
    still open or was answered; a right whose siblings were all withdrawn or lapsed is answered
    on its own, exactly as a one-right case (its own drafted letter)."""
    return case_other_rights(right).filter(state__in=[*OPEN_STATES, *ANSWERED_STATES]).exists()


def _step_other_rights(
    *,
    right: DisclosureRequest,
    name: str,
    source: str,
    by: AbstractBaseUser,
    description: str,
    prepare: Callable[[DisclosureRequest], None],
    applies: Callable[[DisclosureRequest], bool] | None = None,
    after: Callable[[DisclosureRequest, Any], None] | None = None,
) -> list[DisclosureRequest]:
    """Take step `name` on every other right of the case in state `source` (locked, in the
    caller's transaction, each through the workflow's own checks and its own log entry). A right
    that cannot take it raises, the error carrying its reference (`blocked_reference`)."""
    from django.core.exceptions import ValidationError

    from .workflow import _transition

    def step(sibling: DisclosureRequest) -> DisclosureRequest:
        try:
            return _transition(
                request=sibling,
                name=name,
                by=by,
                description=description,
                prepare=prepare,
                after=after,
            )
        except ValidationError as exc:
            exc.blocked_reference = sibling.reference  # type: ignore[attr-defined]
            raise

    siblings = [
        sibling
        for sibling in case_other_rights(right)
        .select_for_update()
        .filter(state=source)
        .order_by("pk")
        if applies is None or applies(sibling)
    ]
    moved = [step(sibling) for sibling in siblings]
    if moved:
        logger.info(
            "case %s: %s of request %s covered requests %s",
            right.case_id,
            name,
            right.pk,
            [r.pk for r in moved],
        )
    return moved


def verify_other_rights(
    *, right: DisclosureRequest, by: AbstractBaseUser, customer, no_data_held: bool
) -> list[DisclosureRequest]:
    """The case's one verification reaches every other right of the case whose documents are in
    (state "documents received"). A right still waiting for its form or documents is left as it
    is (it is verified when its own documents are in). Returns the rights verified here."""
    from .workflow import verify_prepare

    return _step_other_rights(
        right=right,
        name="verify_identity",
        source=RequestState.DOCUMENTS_RECEIVED,
        by=by,
        description=str(
            CASE_VERIFIED % {"case": right.case.reference, "reference": right.reference}
        ),
        prepare=verify_prepare(customer, no_data_held),
    )


def send_form_other_rights(*, right: DisclosureRequest, by: AbstractBaseUser) -> None:
    """One request form per case: it ticks every right of the case, so sending it sends the form
    of every other right still at the inquiry (no letter of their own)."""

    def prepare(r: DisclosureRequest) -> None:
        r.form_sent_at = right.form_sent_at

    _step_other_rights(
        right=right,
        name="send_form",
        source=RequestState.INQUIRY,
        by=by,
        description=str(
            CASE_FORM_SENT % {"case": right.case.reference, "reference": right.reference}
        ),
        prepare=prepare,
    )


def more_documents_other_rights(
    *,
    right: DisclosureRequest,
    by: AbstractBaseUser,
    prepare: Callable[[DisclosureRequest], None],
) -> None:
    """The case's documents are incomplete: every other right waiting on them (documents
    received, not yet verified) goes back to "form sent" with it, its clock stopped; the one
    letter asking for more documents goes out on the right the step was taken on."""
    _step_other_rights(
        right=right,
        name="request_more_documents",
        source=RequestState.DOCUMENTS_RECEIVED,
        by=by,
        description=str(
            CASE_MORE_DOCUMENTS % {"case": right.case.reference, "reference": right.reference}
        ),
        prepare=prepare,
    )


def receive_documents_other_rights(*, right: DisclosureRequest, by: AbstractBaseUser) -> None:
    """The case's form and documents came back once: every other right whose form went out
    receives them on the same day, each with its own due date (its type's rule). A right the
    person asked for after that day keeps waiting for its own receipt; a fee stays recorded on
    the right it was paid for."""
    from .. import deadlines

    received_on = right.documents_received_on
    if received_on is None:
        return

    def prepare(r: DisclosureRequest) -> None:
        r.documents_received_on = received_on
        r.due_date = deadlines.due_date_for_request_type(
            request_type=r.request_type, received_on=received_on
        )

    _step_other_rights(
        right=right,
        name="receive_documents",
        source=RequestState.FORM_SENT,
        by=by,
        description=str(
            CASE_DOCUMENTS_RECEIVED % {"case": right.case.reference, "reference": right.reference}
        ),
        prepare=prepare,
        applies=lambda r: (
            received_on is not None and timezone.localtime(r.received_at).date() <= received_on
        ),
    )


def case_verify_identity(
    *,
    case: RequestCase,
    by: AbstractBaseUser,
    customer=None,
    no_data_held: bool = False,
    comment: str = "",
) -> list[DisclosureRequest]:
    """Verify the case's identity from the case: on its first right whose documents are in,
    which verifies every other one. Returns the rights verified."""
    from django.core.exceptions import ValidationError

    from .workflow import TRANSITION_NOT_ALLOWED, request_verify_identity, transition_label

    first = (
        DisclosureRequest.objects.filter(case=case, state=RequestState.DOCUMENTS_RECEIVED)
        .order_by("pk")
        .first()
    )
    if first is None:
        raise ValidationError(
            TRANSITION_NOT_ALLOWED,
            code="not_allowed",
            params={
                "transition": transition_label("verify_identity"),
                "state": RequestState.DOCUMENTS_RECEIVED.label,
            },
        )
    before = set(
        DisclosureRequest.objects.filter(case=case, state=RequestState.VERIFIED).values_list(
            "pk", flat=True
        )
    )
    request_verify_identity(
        request=first, by=by, customer=customer, no_data_held=no_data_held, comment=comment
    )
    return list(
        DisclosureRequest.objects.filter(case=case, state=RequestState.VERIFIED)
        .exclude(pk__in=before)
        .order_by("pk")
    )


# --- one approval, one response letter ---------------------------------------------------------
def approve_other_rights(
    *,
    right: DisclosureRequest,
    by: User,
    after: Callable[[DisclosureRequest, Any], None],
) -> list[DisclosureRequest]:
    """The case's one approval reaches every other right of the case whose response is drafted:
    each is checked as if approved on its own (four eyes against its own drafter, its fee
    settled), fulfilled (`after`: its data changes) and logged. If one cannot be approved, none
    is: the error names the right."""
    from django.core.exceptions import ValidationError

    def prepare(r: DisclosureRequest) -> None:
        r.approved_by = by
        r.responded_at = timezone.now()

    description = str(CASE_APPROVED % {"case": right.case.reference, "reference": right.reference})
    try:
        return _step_other_rights(
            right=right,
            name="approve_and_send",
            source=RequestState.RESPONSE_DRAFTED,
            by=by,
            description=description,
            prepare=prepare,
            after=after,
        )
    except ValidationError as exc:
        blocked = getattr(exc, "blocked_reference", "")
        raise ValidationError(
            CASE_RIGHT_BLOCKED,
            code="case_right_blocked",
            params={"reference": blocked, "reason": " ".join(exc.messages)},
        ) from None
