"""Which steps a user is offered on a request (the selector behind the request page's buttons),
and that every transition condition carries its own message. No HTTP: the selector alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from requests_app import conditions
from requests_app.models import DisclosureRequest
from requests_app.models import RequestState as S
from requests_app.selectors_workflow import request_workflow_actions
from requests_app.services import workflow as wf

from .helpers import message, request_in

pytestmark = pytest.mark.django_db


def offered(request, user) -> list[str]:
    return [step.name for step in request_workflow_actions(request=request, user=user).available]


def held_back(request, user) -> dict[str, str]:
    actions = request_workflow_actions(request=request, user=user)
    return {step.name: step.reason for step in actions.blocked}


def test_staff_are_offered_the_steps_of_a_received_request_with_its_documents(staff):
    obj = request_in(S.DOCUMENTS_RECEIVED)

    assert offered(obj, staff) == ["request_more_documents", "verify_identity", "withdraw"]
    assert held_back(obj, staff) == {}


def test_a_missing_document_holds_verification_back_with_what_is_missing(staff):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    obj.identity_documents.all().delete()

    assert "verify_identity" not in offered(obj, staff)
    reason = held_back(obj, staff)["verify_identity"]
    assert reason == message(
        conditions.DOCUMENTS_MISSING, missing=", ".join(obj.missing_documents())
    )


def test_the_drafter_is_not_offered_approval_but_told_of_the_four_eyes_rule(manager, customer):
    obj = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=manager)

    assert "approve_and_send" not in offered(obj, manager)
    assert held_back(obj, manager)["approve_and_send"] == message(wf.FOUR_EYES)


def test_a_second_manager_is_offered_approval(manager, other_manager, customer):
    obj = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=manager)

    assert "approve_and_send" in offered(obj, other_manager)


def test_staff_are_neither_offered_approval_nor_told_why(staff, manager, customer):
    obj = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=manager)

    assert "approve_and_send" not in offered(obj, staff)
    assert "approve_and_send" not in held_back(obj, staff)


def test_an_auditor_is_offered_nothing(auditor, customer):
    obj = request_in(S.VERIFIED, customer=customer)

    assert request_workflow_actions(request=obj, user=auditor).available == []
    assert request_workflow_actions(request=obj, user=auditor).blocked == []


def test_a_closed_request_offers_no_step(manager, customer):
    obj = request_in(S.CLOSED, customer=customer)

    assert offered(obj, manager) == []


# --- every condition carries its message --------------------------------------------------------
def _conditions_of_every_transition():
    for name in wf.TRANSITION_SERVICES:
        method = getattr(DisclosureRequest, name)
        for transition in method._django_fsm.transitions.values():
            for condition in transition.conditions:
                yield name, condition


def test_every_condition_of_every_transition_carries_its_own_message():
    found = list(_conditions_of_every_transition())
    assert len(found) >= 4  # documents, corrections, fee, lapse period
    missing = [
        f"{name}: {condition.__name__}"
        for name, condition in found
        if conditions.message_of(condition) is None
    ]
    assert missing == []


def test_each_condition_message_is_a_validation_error_with_its_own_code():
    obj = request_in(S.FORM_SENT)
    codes = set()
    for _name, condition in _conditions_of_every_transition():
        error = conditions.message_of(condition)(obj)
        assert isinstance(error, ValidationError)
        assert error.code not in {"not_allowed", "forbidden", None}
        codes.add(error.code)
    assert codes == {"documents_missing", "corrections_missing", "fee_unpaid", "too_early"}
