"""Builders for requests in a given state, consistent with what that state implies."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app.models import RequestState as S
from tests.factories import DisclosureRequestFactory, IdentityDocumentFactory

_ORDER = [
    S.INQUIRY,
    S.FORM_SENT,
    S.DOCUMENTS_RECEIVED,
    S.VERIFIED,
    S.RESPONSE_DRAFTED,
    S.RESPONDED,
    S.CLOSED,
]


def request_in(state: str, *, customer=None, drafter=None, approver=None, **fields):
    """A disclosure request (paper) in `state`, with the documents, customer, draft and
    approval that being there implies. Old enough to lapse when in inquiry/form_sent."""
    now = timezone.now()
    reached = _ORDER.index(state) if state in _ORDER else _ORDER.index(S.FORM_SENT)
    values = {
        "state": state,
        "request_type": "disclosure",
        "disclosure_method_requested": "paper",
        "received_at": now - timedelta(days=90),
    }
    if reached >= 1:
        values["form_sent_at"] = now - timedelta(days=80)
    if reached >= 2:
        values["documents_received_on"] = timezone.localdate()
        values["due_date"] = timezone.localdate() + timedelta(days=14)
    if reached >= 3:
        values["customer"] = customer
        values["no_data_held"] = customer is None
    if reached >= 4:
        values["outcome"] = "fulfilled" if customer else "no_data_held"
        values["disclosure_method_used"] = "paper" if customer else ""
        values["drafted_by"] = drafter
    if reached >= 5:
        values["approved_by"] = approver
        values["responded_at"] = now
    if state in (S.CLOSED, S.WITHDRAWN, S.LAPSED):
        values["closed_at"] = now
    values.update(fields)
    request = DisclosureRequestFactory(**values)
    if reached >= 2:
        IdentityDocumentFactory(request=request)
    return request


def message(constant, **params) -> str:
    return str(constant) % params if params else str(constant)


def error_messages(exc: ValidationError) -> list[str]:
    return exc.messages
