"""The request workflow: every transition, the deadline extension, the bulk lapse.

Each transition service works in one transaction: it locks the request row, checks that the
state is still the one the user acted on (else "the request changed under you"), checks the
permission and the conditions with a clear message, runs the django-fsm transition with `by`
and `description` (django-fsm-log records who, when, from, to and the comment), saves (the
ConcurrentTransitionMixin refuses a save over a changed state as a second line of defence),
then queues the letter the transition owes (`letter_queue`, published after commit). The letter's
occasion is the transition-log id, so a retried transition never yields two letters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed
from django_fsm_log.models import StateLog

from .. import deadlines, selectors
from ..conditions import (  # noqa: F401 (re-exported while other branches still use wf.*)
    CORRECTIONS_MISSING,
    DOCUMENTS_MISSING,
    FEE_UNPAID,
    LAPSE_TOO_EARLY,
    message_of,
)
from ..letters.services import letter_queue
from ..models import (
    DeadlineExtension,
    DisclosureRequest,
    LetterKind,
    RequestState,
)
from .fulfilment import request_fulfil, validate_outcome
from .intake import validate_request_details

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
REQUEST_CHANGED = _(
    "The request changed under you: someone else acted on it first. Reload the page and check "
    "its state before trying again."
)
TRANSITION_NOT_ALLOWED = _("“%(transition)s” is not possible while the request is “%(state)s”.")
TRANSITION_FORBIDDEN = _("You are not allowed to “%(transition)s” on this request.")
FOUR_EYES = _(
    "The response must be approved and sent by a manager other than the one who drafted it "
    "(four eyes)."
)
REASON_REQUIRED = _("Give a reason; it is recorded with the step.")
RECEIVED_IN_FUTURE = _("The documents cannot have arrived in the future.")
RECEIVED_BEFORE_REQUEST = _("The documents cannot have arrived before the request itself.")
LINK_CUSTOMER_OR_NO_DATA = _(
    "Link the request to the customer it concerns, or record that no data is held: one of them."
)
CUSTOMER_ERASED = _(
    "This customer has been erased: no data is held on them any more. Record “no data held”."
)
EXTENSION_FORBIDDEN = _("Only a privacy manager can extend a deadline.")
EXTENSION_CLOCK_NOT_RUNNING = _(
    "The deadline can only be extended while the request is being answered (documents received, "
    "verified or drafted)."
)
EXTENSION_NOT_LATER = _("The new due date must be after the current one (%(due)s).")
EXTENSION_NOT_WORKING_DAY = _(
    "%(date)s is not a working day (Sunday, Saturday, public holiday or year-end closure)."
)
CLOSURE_INVALID = deadlines.MONTH_DAY_INVALID


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


# --- transitions -------------------------------------------------------------------------------
# Each condition carries its own message (requests_app/conditions.py).
def _condition_message(request: DisclosureRequest, condition: Callable) -> ValidationError:
    message = message_of(condition)
    if message is None:  # a condition without its message: tests/requests_app fails on it
        return _error(TRANSITION_NOT_ALLOWED, "not_allowed", transition="", state=request.state)
    return message(request)


def transition_label(name: str) -> str:
    method = getattr(DisclosureRequest, name)
    for transition in method._django_fsm.transitions.values():
        return str(transition.custom.get("label") or name)
    return name


def transition_blockers(
    request: DisclosureRequest, name: str, user, *, check_conditions: bool = True
) -> list[ValidationError]:
    """Why `user` cannot take transition `name` now (empty: they can). Reads, never writes.

    In order: the state, the permission (four eyes included), then the conditions."""
    method = getattr(request, name)
    label = transition_label(name)
    if not can_proceed(method, check_conditions=False):
        return [
            _error(
                TRANSITION_NOT_ALLOWED,
                "not_allowed",
                transition=label,
                state=request.get_state_display(),
            )
        ]
    transition = method._django_fsm.get_transition(request.state)
    # The permission alone (django_fsm.has_transition_perm would also fold in the conditions).
    if user is None or not transition.has_perm(request, user):
        if name == "approve_and_send" and user and user.has_perm("requests_app.approve_response"):
            return [_error(FOUR_EYES, "four_eyes")]
        return [_error(TRANSITION_FORBIDDEN, "forbidden", transition=label)]
    if not check_conditions:
        return []
    return [
        _condition_message(request, condition)
        for condition in transition.conditions
        if not condition(request)
    ]


def _latest_log(request: DisclosureRequest) -> StateLog:
    return (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(DisclosureRequest),
            object_id=request.pk,
        )
        .order_by("-id")
        .first()
    )


def _transition(
    *,
    request: DisclosureRequest,
    name: str,
    by: AbstractBaseUser,
    description: str = "",
    prepare: Callable[[DisclosureRequest], None] | None = None,
    after: Callable[[DisclosureRequest, StateLog], None] | None = None,
    letter: str | None = None,
    letter_draft: list | None = None,
) -> DisclosureRequest:
    """Lock, check, transition, save, log and queue the letter: all or nothing.

    `letter_draft`: filled by `prepare` with the approved draft the letter is (if any)."""
    with transaction.atomic():
        locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
        # The user acted on the state they saw; if it moved meanwhile, their action is stale.
        if locked.state != request.state:
            raise _error(REQUEST_CHANGED, "conflict")
        # State, permission, then the transition's conditions; only then the user's input.
        blockers = transition_blockers(locked, name, by)
        if blockers:
            raise blockers[0]
        if prepare is not None:
            prepare(locked)
        try:
            getattr(locked, name)(by=by, description=description or None)
            locked.save()
        except ConcurrentTransition:
            raise _error(REQUEST_CHANGED, "conflict") from None
        except TransitionNotAllowed:
            raise _error(
                TRANSITION_NOT_ALLOWED,
                "not_allowed",
                transition=transition_label(name),
                state=locked.get_state_display(),
            ) from None
        log = _latest_log(locked)
        if after is not None:
            after(locked, log)
        if letter is not None:
            letter_queue(
                request=locked,
                kind=letter,
                occasion=f"statelog-{log.pk}",
                by=by,
                draft=letter_draft[0] if letter_draft else None,
            )
    logger.info(
        "request %s: %s -> %s by user %s", locked.pk, name, locked.state, getattr(by, "pk", None)
    )
    return locked


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _error(REASON_REQUIRED, "reason")
    return reason


def request_send_form(
    *, request: DisclosureRequest, by: AbstractBaseUser, comment: str = ""
) -> DisclosureRequest:
    """Send the request form and instructions (policy step 1); a request-form letter is owed."""

    from .case_steps import case_lock, send_form_other_rights

    def prepare(r: DisclosureRequest) -> None:
        r.form_sent_at = timezone.now()

    with transaction.atomic():
        case_lock(request)
        sent = _transition(
            request=request,
            name="send_form",
            by=by,
            description=comment,
            prepare=prepare,
            letter=LetterKind.REQUEST_FORM,
        )
        # One form per case (it ticks every right): the other rights at the inquiry go with it.
        send_form_other_rights(right=sent, by=by)
    return sent


def request_receive_documents(
    *,
    request: DisclosureRequest,
    by: AbstractBaseUser,
    received_on: date | None = None,
    fee_amount: int | None = None,
    fee_payment_method: str = "",
    fee_received_on: date | None = None,
    comment: str = "",
) -> DisclosureRequest:
    """The completed form and ID documents arrived: the answer clock starts (Civil Code Art. 140:
    the day of receipt is not counted). For a fee-bearing type the fee enclosed with the form is
    recorded here (Art. 38): amount, how it was paid and when it arrived — what a letter may state.
    """
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise _error(RECEIVED_IN_FUTURE, "received_on")
    if received_on < timezone.localtime(request.received_at).date():
        raise _error(RECEIVED_BEFORE_REQUEST, "received_on")
    fee = {}
    if fee_amount is not None or fee_payment_method or fee_received_on is not None:
        fee = {
            "fee_amount": fee_amount,
            "fee_payment_method": fee_payment_method,
            "fee_received_on": fee_received_on,
        }
        validate_request_details(request_type=request.request_type, fields=fee)

    def prepare(r: DisclosureRequest) -> None:
        r.documents_received_on = received_on
        r.due_date = deadlines.due_date_for_request_type(
            request_type=r.request_type, received_on=received_on
        )
        for name, value in fee.items():
            setattr(r, name, value)

    from .case_steps import case_lock, receive_documents_other_rights

    with transaction.atomic():
        case_lock(request)
        received = _transition(
            request=request, name="receive_documents", by=by, description=comment, prepare=prepare
        )
        # One return of the case's form and documents: the other rights waiting for it too.
        receive_documents_other_rights(right=received, by=by)
    return received


def request_more_documents(
    *, request: DisclosureRequest, by: AbstractBaseUser, reason: str
) -> DisclosureRequest:
    """Documents incomplete: ask for more. The clock stops and restarts at the complete request."""
    reason = _require_reason(reason)

    from .case_steps import case_lock, more_documents_other_rights

    def prepare(r: DisclosureRequest) -> None:
        r.documents_received_on = None
        r.due_date = None
        r.form_sent_at = timezone.now()  # the lapse period counts from this letter

    with transaction.atomic():
        case_lock(request)
        asked = _transition(
            request=request,
            name="request_more_documents",
            by=by,
            description=reason,
            prepare=prepare,
            letter=LetterKind.MORE_DOCUMENTS,
        )
        # The case's one set of documents is incomplete for every right waiting on it.
        more_documents_other_rights(right=asked, by=by, prepare=prepare)
    return asked


def verify_prepare(customer, no_data_held: bool) -> Callable[[DisclosureRequest], None]:
    """What verifying identity records on a right: the customer linked, or none held."""

    def prepare(r: DisclosureRequest) -> None:
        # Read the tombstone from the database: the caller's customer object may be stale.
        if (
            customer is not None
            and type(customer).objects.filter(pk=customer.pk, erased_at__isnull=False).exists()
        ):
            raise _error(CUSTOMER_ERASED, "customer")
        r.customer = customer
        r.no_data_held = bool(no_data_held)
        if customer is not None and r.possible_duplicate_of_id is None:
            # The other rights of the same case are the same letter, not duplicates of it.
            r.possible_duplicate_of = (
                selectors.possible_duplicates(customer_id=customer.pk, exclude_pk=r.pk)
                .exclude(case_id=r.case_id)
                .first()
            )

    return prepare


def request_verify_identity(
    *,
    request: DisclosureRequest,
    by: AbstractBaseUser,
    customer=None,
    no_data_held: bool = False,
    comment: str = "",
) -> DisclosureRequest:
    """Identity checked against the documents: link the customer, or record that none is held.

    One verification per case (issue 13): the same step verifies every other right of the case
    whose documents are in, each right's own log saying it came from this verification."""
    from .case_steps import case_lock, verify_other_rights

    if (customer is None) == (not no_data_held):
        raise _error(LINK_CUSTOMER_OR_NO_DATA, "customer")
    with transaction.atomic():
        case_lock(request)
        verified = _transition(
            request=request,
            name="verify_identity",
            by=by,
            description=comment,
            prepare=verify_prepare(customer, no_data_held),
        )
        verify_other_rights(right=verified, by=by, customer=customer, no_data_held=no_data_held)
    return verified


def request_draft_response(
    *,
    request: DisclosureRequest,
    by: AbstractBaseUser,
    outcome: str,
    refusal_ground: str = "",
    explanation: str = "",
    summary: str = "",
    method_used: str = "",
    fallback_reason: str = "",
    withheld_sections: Iterable[str] = (),
    withheld_grounds: dict[str, str] | None = None,
    comment: str = "",
) -> DisclosureRequest:
    """Record the outcome and the response (checked against the law for this type).

    `withheld_sections`: parts of a disclosure not disclosed — a partial refusal, so the outcome
    must be "partly fulfilled" with its Art. 33(2) ground and explanation, printed in the letter.
    `withheld_grounds`: a section's own Art. 33(2) ground (section key → ground); a section
    without one is withheld on the refusal ground. The letter states each section's ground.
    """
    withheld = list(dict.fromkeys(withheld_sections))
    given = withheld_grounds or {}
    grounds = {key: given.get(key) or refusal_ground for key in withheld}

    def prepare(r: DisclosureRequest) -> None:
        validate_outcome(
            request=r,
            outcome=outcome,
            refusal_ground=refusal_ground,
            explanation=explanation,
            method_used=method_used,
            fallback_reason=fallback_reason,
            withheld_sections=withheld,
            withheld_grounds=grounds,
        )
        r.withheld_sections = withheld
        r.withheld_grounds = grounds
        r.outcome = outcome
        r.refusal_ground = refusal_ground
        r.outcome_explanation = explanation.strip()
        r.response_summary = summary.strip()
        r.disclosure_method_used = method_used
        r.method_fallback_reason = fallback_reason.strip()
        r.drafted_by = by

    def after(r: DisclosureRequest, log: StateLog) -> None:
        from ..letters.drafts import draft_start
        from .case_letters import case_draft_start
        from .case_steps import case_answers_together

        # The response letter as a draft: rendered by a worker, read on the request page. A
        # right answered with the other rights of its case has no letter of its own: the
        # case's one letter answers it, drafted once every open right of the case is.
        if case_answers_together(r):
            case_draft_start(case_id=r.case_id, round=log.pk, by=by)
        else:
            draft_start(request=r, round=log.pk, by=by)

    return _transition(
        request=request,
        name="draft_response",
        by=by,
        description=comment,
        prepare=prepare,
        after=after,
    )


def request_send_back(
    *, request: DisclosureRequest, by: AbstractBaseUser, reason: str
) -> DisclosureRequest:
    """The reviewer sends the draft back for rework."""
    reason = _require_reason(reason)
    return _transition(request=request, name="send_back", by=by, description=reason)


def request_approve_and_send(
    *,
    request: DisclosureRequest,
    by: AbstractBaseUser,
    comment: str = "",
    draft_id: int | None = None,
    draft_sha256: str | None = None,
) -> DisclosureRequest:
    """A second manager approves: the data changes the outcome calls for happen now, and the
    response letter (or refusal, or "no data held") is queued. In a case of several rights the
    approval covers every drafted right of the case, and the case's one letter is queued once
    none is open any more (services/case_steps.py, case_letters.py).

    `draft_id`, `draft_sha256`: the draft revision and the hash of its final PDF that the
    approval page showed. If the draft changed since, nothing happens ("the draft changed");
    else the letter sent is that PDF, byte for byte (letters/drafts.py).
    """
    from ..letters.drafts import draft_check_approvable, draft_mark_approved
    from .case_letters import case_draft_check, case_response_queue
    from .case_steps import approve_other_rights, case_answers_together, case_lock

    stored: list[DisclosureRequest] = []
    approved: list = []
    alone = True  # decided under the case's lock below: one letter per right or per case

    def prepare(r: DisclosureRequest) -> None:
        draft = (
            draft_check_approvable(request=r, by=by, draft_id=draft_id, sha256=draft_sha256)
            if alone
            else case_draft_check(right=r, by=by, draft_id=draft_id, sha256=draft_sha256)
        )
        if draft is not None:
            approved.append(draft)
        r.approved_by = by
        r.responded_at = timezone.now()

    def after(r: DisclosureRequest, _log: StateLog) -> None:
        stored.append(r)
        if approved:
            draft_mark_approved(draft=approved[0], by=by)
        request_fulfil(request=r, by=by)
        if r.electronic_copy:
            r.save(update_fields=["electronic_copy", "electronic_copy_sha256", "updated_at"])

    try:
        with transaction.atomic():
            case_lock(request)
            alone = not case_answers_together(request)
            answered = _transition(
                request=request,
                name="approve_and_send",
                by=by,
                description=comment,
                prepare=prepare,
                after=after,
                letter=LetterKind.RESPONSE if alone else None,
                letter_draft=approved,
            )
            if not alone:
                # One approval per case: every other drafted right of the case goes with it,
                # each through its own checks (four eyes, fee), fulfilment and log entry.
                approve_other_rights(right=answered, by=by, after=after)
                case_response_queue(
                    case_id=answered.case_id, by=by, draft=approved[0] if approved else None
                )
            return answered
    except Exception:
        # The transaction rolled back: remove an electronic copy written before the failure.
        for r in stored:
            if r.electronic_copy:
                r.electronic_copy.storage.delete(r.electronic_copy.name)
        raise


def request_close(
    *, request: DisclosureRequest, by: AbstractBaseUser, comment: str = ""
) -> DisclosureRequest:
    def prepare(r: DisclosureRequest) -> None:
        r.closed_at = timezone.now()  # starts the identity-document purge period

    return _transition(request=request, name="close", by=by, description=comment, prepare=prepare)


def request_withdraw(
    *, request: DisclosureRequest, by: AbstractBaseUser, reason: str
) -> DisclosureRequest:
    """The person withdrew the request. `closed_at` records when the request ended."""
    reason = _require_reason(reason)

    def prepare(r: DisclosureRequest) -> None:
        r.closed_at = timezone.now()

    return _ending_right(
        request=request, name="withdraw", by=by, description=reason, prepare=prepare
    )


def _ending_right(*, request: DisclosureRequest, by: AbstractBaseUser, **step: Any):
    """A right ends unanswered (withdrawn, lapsed): if it was the case's last open right, the
    case's one response letter answering its other rights is owed now."""
    from .case_letters import case_draft_start, case_response_queue
    from .case_steps import case_lock

    with transaction.atomic():
        case_lock(request)
        ended = _transition(request=request, by=by, **step)
        case_response_queue(case_id=ended.case_id, by=by)
        # Or its other rights are all drafted now: the case's letter is drafted without it.
        case_draft_start(case_id=ended.case_id, round=_latest_log(ended).pk, by=by)
    return ended


def request_lapse(
    *, request: DisclosureRequest, by: AbstractBaseUser, reason: str = ""
) -> DisclosureRequest:
    """No documents came back within REQUEST_LAPSE_DAYS: the request lapses (a staff decision,
    taken from the list after checking the post, so a late letter is never overlooked)."""

    def prepare(r: DisclosureRequest) -> None:
        r.closed_at = timezone.now()

    return _ending_right(
        request=request,
        name="lapse",
        by=by,
        description=(reason or "").strip() or str(_("No documents returned in time")),
        prepare=prepare,
    )


def request_bulk_lapse(
    *, request_ids: Iterable[int], by: AbstractBaseUser, reason: str = ""
) -> tuple[list[DisclosureRequest], list[tuple[DisclosureRequest, str]]]:
    """Lapse each request that may lapse, each in its own transaction (one log entry each).
    Returns (lapsed, [(skipped, why)])."""
    lapsed, skipped = [], []
    for request in DisclosureRequest.objects.filter(pk__in=list(request_ids)).order_by("pk"):
        try:
            lapsed.append(request_lapse(request=request, by=by, reason=reason))
        except ValidationError as exc:
            skipped.append((request, exc.messages[0]))
    return lapsed, skipped


def request_extend_deadline(
    *, request: DisclosureRequest, by: AbstractBaseUser, new_due_date: date, reason: str
) -> DeadlineExtension:
    """A manager extends the deadline, with a reason; an extension notice is owed the person."""

    if not by.has_perm("requests_app.extend_deadline"):
        raise _error(EXTENSION_FORBIDDEN, "forbidden")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != request.state:
            raise _error(REQUEST_CHANGED, "conflict")
        if locked.state not in RequestState.clock_running_states() or locked.due_date is None:
            raise _error(EXTENSION_CLOCK_NOT_RUNNING, "not_running")
        if new_due_date <= locked.due_date:
            raise _error(EXTENSION_NOT_LATER, "not_later", due=date_format(locked.due_date))
        rule = deadlines.rule_for(locked.request_type)
        if not deadlines.is_working_day(new_due_date, rule):
            raise _error(
                EXTENSION_NOT_WORKING_DAY, "not_working_day", date=date_format(new_due_date)
            )
        extension = DeadlineExtension.objects.create(
            request=locked,
            previous_due_date=locked.due_date,
            new_due_date=new_due_date,
            reason=reason,
            extended_by=by,
        )
        locked.due_date = new_due_date
        locked.save(update_fields=["due_date", "updated_at"])
        letter_queue(
            request=locked,
            kind=LetterKind.EXTENSION_NOTICE,
            occasion=f"extension-{extension.pk}",
            by=by,
        )
    logger.info("request %s deadline extended (extension %s)", locked.pk, extension.pk)
    return extension


# The transition services by transition name (the admin's buttons call these).
TRANSITION_SERVICES: dict[str, Callable[..., DisclosureRequest]] = {
    "send_form": request_send_form,
    "receive_documents": request_receive_documents,
    "request_more_documents": request_more_documents,
    "verify_identity": request_verify_identity,
    "draft_response": request_draft_response,
    "send_back": request_send_back,
    "approve_and_send": request_approve_and_send,
    "close": request_close,
    "withdraw": request_withdraw,
    "lapse": request_lapse,
}
