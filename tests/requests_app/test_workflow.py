"""Every transition of a privacy request: allowed, or refused by state, permission or condition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from requests_app import conditions, services
from requests_app.models import DisclosureRequest, Letter, LetterKind
from requests_app.models import RequestState as S
from requests_app.services import workflow as wf
from tests.factories import IdentityDocumentFactory

from .helpers import message, request_in

pytestmark = pytest.mark.django_db

# transition → (source states, target state)
TRANSITIONS = {
    "send_form": ([S.INQUIRY], S.FORM_SENT),
    "receive_documents": ([S.FORM_SENT], S.DOCUMENTS_RECEIVED),
    "request_more_documents": ([S.DOCUMENTS_RECEIVED], S.FORM_SENT),
    "verify_identity": ([S.DOCUMENTS_RECEIVED], S.VERIFIED),
    "draft_response": ([S.VERIFIED], S.RESPONSE_DRAFTED),
    "send_back": ([S.RESPONSE_DRAFTED], S.VERIFIED),
    "approve_and_send": ([S.RESPONSE_DRAFTED], S.RESPONDED),
    "close": ([S.RESPONDED], S.CLOSED),
    "withdraw": (
        [S.INQUIRY, S.FORM_SENT, S.DOCUMENTS_RECEIVED, S.VERIFIED, S.RESPONSE_DRAFTED],
        S.WITHDRAWN,
    ),
    "lapse": ([S.INQUIRY, S.FORM_SENT], S.LAPSED),
}
ALL_STATES = list(S.values)


def kwargs_for(name: str, customer) -> dict:
    return {
        "request_more_documents": {"reason": "免許証の裏面がありません"},
        "verify_identity": {"customer": customer},
        "draft_response": {"outcome": "fulfilled", "method_used": "paper"},
        "send_back": {"reason": "開示範囲を再確認"},
        "withdraw": {"reason": "本人より取下げの電話"},
    }.get(name, {})


def run(name: str, request, by, customer, **extra):
    return wf.TRANSITION_SERVICES[name](
        request=request, by=by, **{**kwargs_for(name, customer), **extra}
    )


ALLOWED = [(name, source) for name, (sources, _t) in TRANSITIONS.items() for source in sources]
FORBIDDEN_STATES = [
    (name, state)
    for name, (sources, _t) in TRANSITIONS.items()
    for state in ALL_STATES
    if state not in sources
]


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_allowed_transition_moves_the_request_and_logs_who_and_when(
    name, source, staff, manager, other_manager, customer
):
    """GIVEN a request in a source state WHEN a permitted user takes the transition
    THEN it reaches the target state and the log records who, from, to and the comment."""
    request = request_in(source, customer=customer, drafter=other_manager)
    user = manager if name == "approve_and_send" else staff

    result = run(name, request, user, customer)

    assert result.state == TRANSITIONS[name][1]
    assert DisclosureRequest.objects.get(pk=request.pk).state == TRANSITIONS[name][1]
    log = StateLog.objects.get(
        content_type=ContentType.objects.get_for_model(DisclosureRequest), object_id=request.pk
    )
    assert (log.by, log.source_state, log.state, log.transition) == (
        user,
        source,
        TRANSITIONS[name][1],
        name,
    )


@pytest.mark.parametrize(("name", "state"), FORBIDDEN_STATES)
def test_transition_from_a_wrong_state_is_refused_and_changes_nothing(
    name, state, staff, manager, other_manager, customer
):
    request = request_in(state, customer=customer, drafter=other_manager)
    user = manager if name == "approve_and_send" else staff

    with pytest.raises(ValidationError) as exc:
        run(name, request, user, customer)

    assert exc.value.code == "not_allowed"
    assert DisclosureRequest.objects.get(pk=request.pk).state == state
    assert not StateLog.objects.filter(object_id=request.pk).exists()


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_users_without_the_permission_cannot_take_any_transition(
    name, persona, request, customer, other_manager
):
    user = request.getfixturevalue(persona)
    source = TRANSITIONS[name][0][0]
    obj = request_in(source, customer=customer, drafter=other_manager)

    with pytest.raises(ValidationError) as exc:
        run(name, obj, user, customer)

    assert exc.value.messages == [
        message(wf.TRANSITION_FORBIDDEN, transition=wf.transition_label(name))
    ]
    assert DisclosureRequest.objects.get(pk=obj.pk).state == source


def test_staff_cannot_approve_and_send(staff, other_manager, customer):
    request = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=other_manager)

    with pytest.raises(ValidationError) as exc:
        services.request_approve_and_send(request=request, by=staff)

    assert exc.value.code == "forbidden"


def test_the_drafter_cannot_approve_their_own_response(manager, customer):
    """Four eyes: a manager who drafted the response cannot send it."""
    request = request_in(S.RESPONSE_DRAFTED, customer=customer, drafter=manager)

    with pytest.raises(ValidationError) as exc:
        services.request_approve_and_send(request=request, by=manager)

    assert exc.value.messages == [message(wf.FOUR_EYES)]
    assert DisclosureRequest.objects.get(pk=request.pk).state == S.RESPONSE_DRAFTED


def test_drafting_records_the_drafter_so_another_manager_must_approve(
    manager, other_manager, customer
):
    request = request_in(S.VERIFIED, customer=customer)
    drafted = services.request_draft_response(
        request=request, by=manager, outcome="fulfilled", method_used="paper"
    )

    with pytest.raises(ValidationError):
        services.request_approve_and_send(request=drafted, by=manager)
    sent = services.request_approve_and_send(request=drafted, by=other_manager)

    assert (sent.state, sent.drafted_by, sent.approved_by) == (
        S.RESPONDED,
        manager,
        other_manager,
    )


def test_identity_cannot_be_verified_without_a_document(staff, customer):
    request = request_in(S.DOCUMENTS_RECEIVED, customer=customer)
    request.identity_documents.all().delete()

    with pytest.raises(ValidationError) as exc:
        services.request_verify_identity(request=request, by=staff, customer=customer)

    assert exc.value.code == "documents_missing"
    assert DisclosureRequest.objects.get(pk=request.pk).state == S.DOCUMENTS_RECEIVED


def test_an_appointed_agent_needs_their_own_id_and_a_power_of_attorney(staff, customer):
    request = request_in(S.DOCUMENTS_RECEIVED, agent_type="appointed_agent", agent_name="代理 花子")

    with pytest.raises(ValidationError) as exc:
        services.request_verify_identity(request=request, by=staff, customer=customer)
    assert exc.value.code == "documents_missing"
    assert "委任状" in exc.value.messages[0] or "Power of attorney" in exc.value.messages[0]

    IdentityDocumentFactory(request=request, for_agent=True)
    IdentityDocumentFactory(request=request, for_agent=True, document_type="power_of_attorney")
    verified = services.request_verify_identity(request=request, by=staff, customer=customer)
    assert verified.state == S.VERIFIED


def test_a_legal_representative_needs_proof_of_representation(staff, customer):
    request = request_in(
        S.DOCUMENTS_RECEIVED, agent_type="legal_representative", agent_name="山田 花子"
    )
    IdentityDocumentFactory(request=request, for_agent=True)

    assert request.missing_documents() == [
        str(request.identity_documents.model.DocumentType.REPRESENTATION_PROOF.label)
    ]


def test_verification_needs_a_customer_or_no_data_held_but_not_both(staff, customer):
    request = request_in(S.DOCUMENTS_RECEIVED)

    for kwargs in ({}, {"customer": customer, "no_data_held": True}):
        with pytest.raises(ValidationError) as exc:
            services.request_verify_identity(request=request, by=staff, **kwargs)
        assert exc.value.messages == [message(wf.LINK_CUSTOMER_OR_NO_DATA)]


def test_verification_can_record_that_no_data_is_held(staff):
    request = request_in(S.DOCUMENTS_RECEIVED)

    verified = services.request_verify_identity(request=request, by=staff, no_data_held=True)

    assert (verified.state, verified.customer, verified.no_data_held) == (S.VERIFIED, None, True)


def test_an_erased_customer_cannot_be_linked(staff, customer):
    from consent_app.services import customer_erase

    customer_erase(customer=customer, by=staff, request_reference="PR-2026-000001")
    request = request_in(S.DOCUMENTS_RECEIVED)

    with pytest.raises(ValidationError) as exc:
        services.request_verify_identity(request=request, by=staff, customer=customer)

    assert exc.value.messages == [message(wf.CUSTOMER_ERASED)]


def test_a_correction_cannot_be_drafted_without_corrections(staff, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(request=request, by=staff, outcome="refused")

    assert exc.value.messages == [message(conditions.CORRECTIONS_MISSING)]


def test_no_response_is_sent_while_a_due_fee_is_unpaid(manager, other_manager, customer):
    request = request_in(
        S.RESPONSE_DRAFTED, customer=customer, drafter=other_manager, fee_amount=1000
    )

    with pytest.raises(ValidationError) as exc:
        services.request_approve_and_send(request=request, by=manager)
    assert exc.value.messages == [message(conditions.FEE_UNPAID)]

    services.request_update(
        request=request,
        by=manager,
        changes={
            "fee_payment_method": "postal_money_order",
            "fee_received_on": timezone.localdate(),
        },
    )
    assert services.request_approve_and_send(request=request, by=manager).state == S.RESPONDED


def test_a_request_cannot_lapse_inside_the_lapse_period_and_says_from_when_it_can(staff, settings):
    """GIVEN a form sent 59 days ago and a 60-day lapse period WHEN staff lapse it THEN they
    are refused, told the day from which it may lapse, written as the Japanese UI writes days."""
    settings.REQUEST_LAPSE_DAYS = 60
    sent = timezone.now() - timedelta(days=59)
    request = request_in(S.FORM_SENT, form_sent_at=sent)

    with translation.override("ja"), pytest.raises(ValidationError) as exc:
        services.request_lapse(request=request, by=staff)

    day = timezone.localtime(sent + timedelta(days=60)).date()
    with translation.override("ja"):
        assert exc.value.messages == [
            message(
                conditions.LAPSE_TOO_EARLY, days=60, date=f"{day.year}年{day.month}月{day.day}日"
            )
        ]


@pytest.mark.parametrize(
    ("name", "source"),
    [("request_more_documents", S.DOCUMENTS_RECEIVED), ("send_back", S.RESPONSE_DRAFTED)]
    + [("withdraw", s) for s in TRANSITIONS["withdraw"][0]],
)
def test_transitions_that_need_a_reason_refuse_an_empty_one(name, source, staff, customer):
    request = request_in(source, customer=customer)

    with pytest.raises(ValidationError) as exc:
        run(name, request, staff, customer, reason="   ")

    assert exc.value.messages == [message(wf.REASON_REQUIRED)]
    assert DisclosureRequest.objects.get(pk=request.pk).state == source


def test_the_reason_is_recorded_as_the_log_comment(staff):
    request = request_in(S.DOCUMENTS_RECEIVED)

    services.request_more_documents(request=request, by=staff, reason="住民票が古い")

    assert StateLog.objects.get(object_id=request.pk).description == "住民票が古い"


def test_a_stale_action_is_refused_with_the_request_changed_message(staff, other_staff):
    """GIVEN two staff looking at the same inquiry WHEN both send the form
    THEN the second is told that the request changed under them, and one letter exists."""
    seen_by_alice = request_in(S.INQUIRY)
    seen_by_bob = DisclosureRequest.objects.get(pk=seen_by_alice.pk)

    services.request_send_form(request=seen_by_alice, by=staff)
    with pytest.raises(ValidationError) as exc:
        services.request_send_form(request=seen_by_bob, by=other_staff)

    assert exc.value.messages == [message(wf.REQUEST_CHANGED)]
    assert Letter.objects.filter(request_id=seen_by_alice.pk).count() == 1


@pytest.mark.parametrize(
    ("name", "source", "kind"),
    [
        ("send_form", S.INQUIRY, LetterKind.REQUEST_FORM),
        ("request_more_documents", S.DOCUMENTS_RECEIVED, LetterKind.MORE_DOCUMENTS),
        ("approve_and_send", S.RESPONSE_DRAFTED, LetterKind.RESPONSE),
    ],
)
def test_transitions_that_owe_a_letter_queue_exactly_one(
    name, source, kind, staff, manager, other_manager, customer
):
    request = request_in(source, customer=customer, drafter=other_manager)
    user = manager if name == "approve_and_send" else staff

    run(name, request, user, customer)

    letter = Letter.objects.get(request=request)
    log = StateLog.objects.get(object_id=request.pk)
    assert (letter.kind, letter.occasion) == (kind, f"statelog-{log.pk}")


def test_a_refusal_is_answered_with_a_refusal_letter(manager, other_manager, customer):
    request = request_in(
        S.RESPONSE_DRAFTED,
        customer=customer,
        drafter=other_manager,
        outcome="refused",
        refusal_ground="business_hindrance",
        outcome_explanation="業務に著しい支障",
        disclosure_method_used="",
    )

    services.request_approve_and_send(request=request, by=manager)

    assert Letter.objects.get(request=request).kind == LetterKind.REFUSAL


def test_no_data_held_is_answered_with_its_own_letter(manager, other_manager):
    request = request_in(S.RESPONSE_DRAFTED, customer=None, drafter=other_manager)

    services.request_approve_and_send(request=request, by=manager)

    assert Letter.objects.get(request=request).kind == LetterKind.NO_DATA_HELD


def test_transitions_without_a_letter_queue_none(staff, customer):
    request = request_in(S.FORM_SENT)

    services.request_receive_documents(request=request, by=staff)

    assert not Letter.objects.filter(request=request).exists()


def test_receiving_documents_starts_the_clock(staff):
    request = request_in(S.FORM_SENT)

    received = services.request_receive_documents(
        request=request, by=staff, received_on=timezone.localdate()
    )

    assert received.documents_received_on == timezone.localdate()
    assert received.due_date > timezone.localdate()


def test_documents_cannot_be_received_in_the_future(staff):
    request = request_in(S.FORM_SENT)

    with pytest.raises(ValidationError) as exc:
        services.request_receive_documents(
            request=request, by=staff, received_on=timezone.localdate() + timedelta(days=1)
        )

    assert exc.value.messages == [message(wf.RECEIVED_IN_FUTURE)]


def test_asking_for_more_documents_stops_the_clock(staff):
    request = request_in(S.DOCUMENTS_RECEIVED)

    back = services.request_more_documents(request=request, by=staff, reason="不鮮明")

    assert (back.due_date, back.documents_received_on) == (None, None)


def test_ending_a_request_records_when_it_ended(staff, manager, customer):
    for name, source in (("withdraw", S.VERIFIED), ("lapse", S.FORM_SENT)):
        request = request_in(source, customer=customer)
        ended = run(name, request, staff, customer)
        assert ended.closed_at is not None


def test_every_transition_is_logged_in_order(staff, manager, other_manager, customer):
    request = request_in(S.INQUIRY)
    request = services.request_send_form(request=request, by=staff)
    request = services.request_receive_documents(request=request, by=staff)
    IdentityDocumentFactory(request=request)
    request = services.request_verify_identity(request=request, by=staff, customer=customer)
    request = services.request_draft_response(
        request=request, by=other_manager, outcome="fulfilled", method_used="paper"
    )
    request = services.request_approve_and_send(request=request, by=manager, comment="承認")
    request = services.request_close(request=request, by=staff)

    logs = StateLog.objects.filter(object_id=request.pk).order_by("timestamp", "id")
    assert [log.transition for log in logs] == [
        "send_form",
        "receive_documents",
        "verify_identity",
        "draft_response",
        "approve_and_send",
        "close",
    ]
    assert logs.get(transition="approve_and_send").description == "承認"
