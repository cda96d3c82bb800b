"""The case (受付案件, issue 13) in a letter's context: its reference, its one due date and every
right, and for the case's one response letter the rights it answers, each with its own outcome,
ground, explanation, fee and what it gave the person (plain dicts, like the rest of the context).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from requests_app.models import DisclosureRequest, LetterKind, Outcome, RequestType
from requests_app.request_types import REQUEST_TYPES

from .context import (
    compilation_context,
    corrections_context,
    normalise_compilation,
    purposes_context,
    request_context,
)


def _answered_right(right: DisclosureRequest, language: str, kind: str) -> dict[str, Any]:
    """One right as the case's response letter answers it: its own outcome, ground and fee
    (request_context), and what it gave the person (the data disclosed, the corrections made,
    the purposes notified)."""
    spec = REQUEST_TYPES.get(right.request_type)
    return {
        **request_context(right, language, kind=kind),
        "use_measure": right.use_measure,
        "corrections": corrections_context(right, language)
        if right.request_type == RequestType.CORRECTION
        else [],
        "purposes": purposes_context(language)
        if right.request_type == RequestType.PURPOSE_NOTICE
        else [],
        "discloses_data": bool(spec and spec.discloses_data),
        "compilation": normalise_compilation(compilation_context(right, language), language),
    }


def not_in_full(answered: list[dict[str, Any]]) -> bool:
    """Does the case's letter decline any right, in whole or part (then it gives reasons)?"""
    return any(
        right["outcome"] in (Outcome.REFUSED, Outcome.PARTLY_FULFILLED, Outcome.ALTERNATIVE_MEASURE)
        for right in answered
    )


def case_context(request: DisclosureRequest, language: str, kind: str = "") -> dict[str, Any]:
    """The case the request belongs to: its reference (the one the person quotes), its one due
    date (the earliest of its open rights) and every right with its own outcome, ground and fee,
    so that one letter can answer each right (issue 13). The case's response letter also gets
    `answered`: the rights it answers (drafted, responded or closed; not withdrawn or lapsed),
    each with what it gave the person."""
    from requests_app.cases import case_due_date, case_rights
    from requests_app.models import RequestState

    case = request.case
    rights = [
        right if right.pk != request.pk else request
        for right in case_rights(case).select_related("suspension_recipient", "customer")
    ]
    answered = []
    if kind == LetterKind.CASE_RESPONSE:
        answered = [
            _answered_right(right, language, kind)
            for right in rights
            # Drafted too: the case letter's draft is rendered before the approval.
            if right.state
            in (RequestState.RESPONSE_DRAFTED, RequestState.RESPONDED, RequestState.CLOSED)
        ]
    return {
        "reference": case.reference,
        "due_date": case_due_date(case) or request.due_date,
        "rights": [request_context(right, language, kind=kind) for right in rights],
        "answered": answered,
        "not_in_full": not_in_full(answered),
        "types": sorted({right.request_type for right in rights}),
    }


def sample_answered(
    request: dict[str, Any], rtype: str, language: str, today: dt.date
) -> list[dict[str, Any]]:
    """The case letter's sample: this type's right as `request`, beside a fulfilled suspension of
    provision (a disclosure partly refused next to a right fulfilled, the common case)."""
    from .samples import SAMPLE_REFERENCE, sample_context  # the samples call this: a cycle

    other = RequestType.PROVISION_STOP if rtype != RequestType.PROVISION_STOP else "disclosure"
    second = sample_context(
        kind=LetterKind.RESPONSE,
        request_type=other,
        language=language,
        outcome=Outcome.FULFILLED,
        today=today,
    )
    extras: dict[str, Any] = {
        "use_measure": "",
        "corrections": [],
        "purposes": [],
        "compilation": None,
    }
    return [
        {**request, **extras, "discloses_data": REQUEST_TYPES[rtype].discloses_data},
        {
            **second["request"],
            **extras,
            "reference": f"{SAMPLE_REFERENCE}-2",
            "discloses_data": REQUEST_TYPES[other].discloses_data,
        },
    ]
