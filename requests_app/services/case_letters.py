"""A case's one response letter (issue 13; README "Cases and rights"): drafted once every open
right of the case is drafted (a LetterDraft on the right carrying the case's reference, read and
approved as a PDF like a one-right response, issue 12), queued once when the case's last open
right is answered, withdrawn, lapses or is split off, and what the approval page says of it.

The draft answers the case's rights as they stood when it was drafted (`case_rights`, a
fingerprint): a right changed, withdrawn or split off since makes it stale, and a stale draft is
never sent (the letter is then rendered after the approval from the current data).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from ..models import (
    OPEN_STATES,
    DisclosureRequest,
    Letter,
    LetterDraft,
    LetterKind,
    RequestState,
)
from .case_steps import ANSWERED_STATES, case_answers_together, case_other_rights

logger = logging.getLogger(__name__)

CASE_ALSO_APPROVES = _(
    "Approve with it right %(reference)s of the case (%(type)s, %(outcome)s): %(actions)s"
)
CASE_LETTER_WAITS = _(
    "No letter of its own: the case's one letter answers this right with the others, once the "
    "last of them is answered"
)
CASE_LETTER_SENT = _(
    "Send the case's one letter answering each of its rights (shown below, recorded by its SHA-256)"
)
CASE_LETTER_RENDERED_AFTER = _(
    "Send the case's one letter answering each of its rights (no current draft: it is rendered "
    "after the approval)"
)
# The occasion of a case's one response letter: the case, whatever right completes it.
CASE_RESPONSE_OCCASION = "case-%s-response"


# --- the case letter's draft (read and approved as a PDF, issue 12) ---------------------------
# The rights a case letter answers: drafted, answered; not withdrawn or lapsed.
LETTER_STATES = (RequestState.RESPONSE_DRAFTED, *ANSWERED_STATES)


def case_fingerprint(case_id: int) -> list[list[Any]]:
    """The rights a case letter would answer now, each as [id, last change]."""
    return [
        [pk, changed.isoformat()]
        for pk, changed in DisclosureRequest.objects.filter(
            case_id=case_id, state__in=LETTER_STATES
        )
        .order_by("pk")
        .values_list("pk", "updated_at")
    ]


def _carrier(case_id: int) -> DisclosureRequest | None:
    """The right carrying the case's reference: the case's letter and its draft hang on it."""
    return DisclosureRequest.objects.filter(case_id=case_id).order_by("pk").first()


def case_letter_ready(case_id: int) -> bool:
    """Can the case's one letter be drafted now: several rights answered together, every open
    one drafted?"""
    states = list(DisclosureRequest.objects.filter(case_id=case_id).values_list("state", flat=True))
    open_states = [state for state in states if state in OPEN_STATES]
    return (
        bool(open_states)
        and all(state == RequestState.RESPONSE_DRAFTED for state in open_states)
        and sum(state in LETTER_STATES for state in states) > 1
    )


def case_draft_start(*, case_id: int, round: int, by) -> LetterDraft | None:
    """Once every open right of the case is drafted, the case's letter is drafted (a new round
    on the right carrying its reference; staff's texts of the previous round carried over):
    rendered by a worker, read before approval, approved byte for byte."""
    from ..letters.drafts import _queue_render
    from ..letters.services import letter_language, letter_template_current

    if not case_letter_ready(case_id):
        return None
    carrier = _carrier(case_id)
    assert carrier is not None  # a ready case has rights
    language = letter_language(request=carrier)
    previous = (
        LetterDraft.objects.filter(request=carrier, kind=LetterKind.CASE_RESPONSE)
        .order_by("-round", "-revision")
        .first()
    )
    draft = LetterDraft.objects.create(
        request=carrier,
        round=round,
        revision=1,
        kind=LetterKind.CASE_RESPONSE,
        language=language,
        template=letter_template_current(
            kind=LetterKind.CASE_RESPONSE, request_type="", language=language
        ),
        texts=dict(previous.texts) if previous is not None else {},
        created_by=by,
        case_rights=case_fingerprint(case_id),
    )
    _queue_render(draft.pk)
    logger.info("case %s: letter draft %s started", case_id, draft.pk)
    return draft


def case_draft_current(case_id: int) -> LetterDraft | None:
    """The case letter's current draft, if it still answers the rights as they stand (a right
    changed, withdrawn or split off since: None, the letter is rendered after the approval)."""
    carrier = _carrier(case_id)
    if carrier is None:
        return None
    from ..letters.drafts import draft_current

    draft = draft_current(request=carrier)
    if draft is None or draft.kind != LetterKind.CASE_RESPONSE:
        return None
    return draft if draft.case_rights == case_fingerprint(case_id) else None


def case_draft_check(
    *, right: DisclosureRequest, by, draft_id: int | None, sha256: str | None
) -> LetterDraft | None:
    """Inside the approval of a right answered with its case (its row and its case locked): when
    this approval answers the case's last open rights, the case letter's draft to send, checked
    as a one-right draft is (the one the page showed, rendered today, not approved by one who
    wrote it); None: the letter waits for other rights, or is rendered after the approval."""
    from ..letters.drafts import DRAFT_CHANGED, draft_check_approvable

    waiting = (
        case_other_rights(right)
        .filter(state__in=OPEN_STATES)
        .exclude(state=RequestState.RESPONSE_DRAFTED)
    )
    if waiting.exists():
        return None
    draft = case_draft_current(right.case_id)
    if draft is None:
        if draft_id is not None:  # the page showed a draft that no longer answers the case
            from django.core.exceptions import ValidationError

            raise ValidationError(DRAFT_CHANGED, code="draft_changed")
        return None
    return draft_check_approvable(request=draft.request, by=by, draft_id=draft_id, sha256=sha256)


def approval_draft_for(right: DisclosureRequest) -> LetterDraft | None:
    """The draft the approval page shows and the approval checks: the case letter's for a right
    answered with its case, else the right's own."""
    from ..letters.drafts import draft_current

    if case_answers_together(right):
        return case_draft_current(right.case_id)
    return draft_current(request=right)


# --- the approval page and the letter ---------------------------------------------------------
def case_approval_rights(right: DisclosureRequest) -> list[DisclosureRequest]:
    """The other rights approving `right` approves with it (the approval page lists them)."""
    if not case_answers_together(right):
        return []
    return list(
        case_other_rights(right)
        .filter(state=RequestState.RESPONSE_DRAFTED)
        .select_related("suspension_recipient", "customer")
        .order_by("pk")
    )


def case_approval_lines(right: DisclosureRequest) -> list[str]:
    """The approval page's lines for the rights approved with `right`: each by its reference and
    type, with what approving it does."""
    from ..letters.drafts import approval_actions
    from ..models import RequestType

    return [
        str(
            CASE_ALSO_APPROVES
            % {
                "reference": other.reference,
                "type": RequestType(other.request_type).label,
                "outcome": other.get_outcome_display(),
                "actions": "; ".join(approval_actions(request=other, with_case=False)),
            }
        )
        for other in case_approval_rights(right)
    ]


def case_approval_tail(right: DisclosureRequest) -> list[str]:
    """The approval page's last lines about the case: the rights approved with this one, and
    which letter is sent (its own drafted one, the case's, or none yet)."""
    return [
        *case_approval_lines(right),
        case_letter_action(right)
        or str(_("Send the letter shown below (it is recorded by its SHA-256)")),
    ]


def draft_case_rights(current: LetterDraft) -> list:
    """A new revision of a case letter answers the case's rights as they stand now."""
    if current.kind != LetterKind.CASE_RESPONSE:
        return []
    return case_fingerprint(current.request.case_id)


def case_letter_action(right: DisclosureRequest) -> str | None:
    """What approving `right` does about letters when its case answers in one letter (the
    approval page); None: the right's own drafted letter is sent, as for a one-right case."""
    if not case_answers_together(right):
        return None
    waiting = (
        case_other_rights(right)
        .filter(state__in=OPEN_STATES)
        .exclude(state=RequestState.RESPONSE_DRAFTED)
    )
    if waiting.exists():
        return str(CASE_LETTER_WAITS)
    if case_draft_current(right.case_id) is None:
        return str(CASE_LETTER_RENDERED_AFTER)
    return str(CASE_LETTER_SENT)


def case_erases(right: DisclosureRequest) -> bool:
    """Does approving `right` erase a customer (its own or a right approved with it)?"""
    from ..models import RequestType, UseMeasure

    return any(
        r.request_type == RequestType.ERASURE and r.use_measure == UseMeasure.ERASE
        for r in [right, *case_approval_rights(right)]
    )


def case_response_letter(case_id: int) -> Letter | None:
    return (
        Letter.objects.filter(request__case_id=case_id, occasion=CASE_RESPONSE_OCCASION % case_id)
        .order_by("pk")
        .first()
    )


def case_response_queue(
    *, case_id: int, by: AbstractBaseUser | None, draft: LetterDraft | None = None
) -> Letter | None:
    """Queue the case's one response letter once no right of the case is open any more and at
    least one was answered (inside the caller's transaction, the case row locked). Idempotent:
    its occasion is the case, so approving, withdrawing or splitting again never adds one.

    The letter hangs on the case's first right (the one carrying the case's reference) and
    answers every answered right with its own outcome, ground and fee."""
    from ..letters.services import letter_queue

    rights = list(DisclosureRequest.objects.filter(case_id=case_id).order_by("pk"))
    if any(r.state in OPEN_STATES for r in rights):
        return None
    if not any(r.state in ANSWERED_STATES for r in rights):
        return None  # every right withdrawn or lapsed: nothing to answer
    existing = case_response_letter(case_id)
    if existing is not None:
        return existing
    letter = letter_queue(
        request=rights[0],
        kind=LetterKind.CASE_RESPONSE,
        occasion=CASE_RESPONSE_OCCASION % case_id,
        by=by,
        draft=draft,
    )
    logger.info("case %s: one response letter %s queued", case_id, letter.pk)
    return letter
