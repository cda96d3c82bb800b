"""Outcomes as the law allows them, and what fulfilment really changes (APPI Arts. 32–36)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from requests_app import services
from requests_app.models import CorrectionItem, IdentityDocument, Outcome
from requests_app.models import RequestState as S
from requests_app.services import fulfilment as ff
from tests.factories import CorrectionItemFactory

from .helpers import message, request_in

pytestmark = pytest.mark.django_db


def approve(request, drafter, approver, **draft):
    """Draft with `draft` as `drafter`, then approve as `approver` (four eyes)."""
    drafted = services.request_draft_response(request=request, by=drafter, **draft)
    return services.request_approve_and_send(request=drafted, by=approver)


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


# --- outcome rules -------------------------------------------------------------------------------
def test_a_refusal_needs_a_ground(staff, customer):
    request = request_in(S.VERIFIED, customer=customer)

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request, by=staff, outcome="refused", explanation="理由"
        )

    assert field_errors(exc.value)["refusal_ground"] == [message(ff.REFUSAL_GROUND_REQUIRED)]
    assert request.__class__.objects.get(pk=request.pk).state == S.VERIFIED


@pytest.mark.parametrize(
    ("request_type", "ground"),
    [
        ("disclosure", "content_true"),
        ("correction", "business_hindrance"),
        ("erasure", "harm_to_person"),
        ("provision_stop", "purpose_already_clear"),
        ("purpose_notice", "other_law"),
    ],
)
def test_a_refusal_ground_of_another_type_is_refused(request_type, ground, staff, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type=request_type)
    if request_type == "correction":
        CorrectionItemFactory(request=request, accepted=False)

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request, by=staff, outcome="refused", refusal_ground=ground, explanation="x"
        )

    assert field_errors(exc.value)["refusal_ground"] == [
        message(ff.REFUSAL_GROUND_INVALID, ground=ground)
    ]


@pytest.mark.parametrize(
    ("request_type", "ground"),
    [
        ("disclosure", "harm_to_person"),
        ("disclosure", "business_hindrance"),
        ("disclosure", "other_law"),
        ("record_disclosure", "other_law"),
        ("purpose_notice", "purpose_already_clear"),
        ("erasure", "art35_grounds_not_met"),
        ("provision_stop", "art35_grounds_not_met"),
    ],
)
def test_a_refusal_with_a_lawful_ground_and_explanation_is_drafted(
    request_type, ground, staff, customer
):
    request = request_in(S.VERIFIED, customer=customer, request_type=request_type)

    drafted = services.request_draft_response(
        request=request,
        by=staff,
        outcome="refused",
        refusal_ground=ground,
        explanation="第三者の権利利益を害するおそれがあるため",
    )

    assert (drafted.state, drafted.refusal_ground) == (S.RESPONSE_DRAFTED, ground)


def test_a_refusal_without_an_explanation_is_refused(staff, customer):
    """Art. 36: the reasons are explained to the person."""
    request = request_in(S.VERIFIED, customer=customer)

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request, by=staff, outcome="refused", refusal_ground="other_law"
        )

    assert field_errors(exc.value)["outcome_explanation"] == [message(ff.EXPLANATION_REQUIRED)]


def test_an_alternative_measure_is_only_for_art35_requests(staff, customer):
    request = request_in(S.VERIFIED, customer=customer)

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request, by=staff, outcome="alternative_measure", explanation="代替措置"
        )

    assert message(ff.ALTERNATIVE_ONLY_ART35) in field_errors(exc.value)["outcome"]


def test_no_data_held_is_the_outcome_only_when_verification_found_none(staff, customer):
    request = request_in(S.VERIFIED, customer=customer)

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(request=request, by=staff, outcome="no_data_held")

    assert message(ff.NO_DATA_MISMATCH) in field_errors(exc.value)["outcome"]


def test_disclosure_on_another_method_than_chosen_needs_a_reason(staff, customer):
    request = request_in(S.VERIFIED, customer=customer, disclosure_method_requested="electronic")

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request, by=staff, outcome="fulfilled", method_used="paper"
        )

    assert field_errors(exc.value)["method_fallback_reason"] == [
        message(ff.FALLBACK_REASON_REQUIRED)
    ]


def test_disclosure_may_only_fall_back_to_paper(staff, customer):
    request = request_in(S.VERIFIED, customer=customer, disclosure_method_requested="paper")

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request,
            by=staff,
            outcome="fulfilled",
            method_used="electronic",
            fallback_reason="早いので",
        )

    assert field_errors(exc.value)["disclosure_method_used"] == [message(ff.FALLBACK_ONLY_TO_PAPER)]


def test_an_erasure_cannot_be_partly_fulfilled(staff, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="erasure", use_measure="erase")

    with pytest.raises(ValidationError) as exc:
        services.request_draft_response(
            request=request,
            by=staff,
            outcome="partly_fulfilled",
            refusal_ground="art35_grounds_not_met",
            explanation="一部",
        )

    assert message(ff.PARTIAL_ERASURE) in field_errors(exc.value)["outcome"]


@pytest.mark.parametrize(
    ("accepted", "outcome", "ok"),
    [
        ([True, True], "fulfilled", True),
        ([True, False], "fulfilled", False),
        ([True, False], "partly_fulfilled", True),
        ([False, False], "refused", True),
        ([True, False], "refused", False),
    ],
)
def test_a_correction_outcome_must_match_the_accepted_corrections(
    accepted, outcome, ok, staff, customer
):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    for flag in accepted:
        CorrectionItemFactory(request=request, accepted=flag)
    extra = (
        {"refusal_ground": "content_true", "explanation": "事実と確認"}
        if outcome != "fulfilled"
        else {}
    )

    if ok:
        drafted = services.request_draft_response(
            request=request, by=staff, outcome=outcome, **extra
        )
        assert drafted.state == S.RESPONSE_DRAFTED
    else:
        with pytest.raises(ValidationError) as exc:
            services.request_draft_response(request=request, by=staff, outcome=outcome, **extra)
        assert message(ff.CORRECTION_OUTCOME_MISMATCH) in field_errors(exc.value)["outcome"]


# --- fulfilment effects --------------------------------------------------------------------------
def test_a_correction_amends_the_customer_with_history(staff, manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    item = CorrectionItemFactory(
        request=request, field_name="address", requested_value="東京都港区芝公園4-2-8"
    )

    approve(request, other_manager, manager, outcome="fulfilled")

    customer.refresh_from_db()
    assert customer.address == "東京都港区芝公園4-2-8"
    latest = customer.history.order_by("-history_date").first()
    assert (latest.history_user, latest.history_change_reason) == (manager, request.reference)
    item.refresh_from_db()
    assert item.applied_at is not None


def test_a_partly_fulfilled_correction_applies_only_the_accepted_items(
    manager, other_manager, customer
):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    CorrectionItemFactory(request=request, field_name="phone", requested_value="03-9999-0000")
    CorrectionItemFactory(
        request=request, field_name="address", requested_value="大阪府", accepted=False
    )

    approve(
        request,
        other_manager,
        manager,
        outcome="partly_fulfilled",
        refusal_ground="content_true",
        explanation="住所は登録どおりであることを確認しました",
    )

    customer.refresh_from_db()
    assert (customer.phone, customer.address) == ("03-9999-0000", "東京都千代田区丸の内1-1-1")


def test_a_deletion_blanks_the_field(manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    CorrectionItemFactory(request=request, kind=CorrectionItem.Kind.DELETE, field_name="email")

    approve(request, other_manager, manager, outcome="fulfilled")

    customer.refresh_from_db()
    assert customer.email == ""


def test_a_refused_correction_changes_nothing(manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    CorrectionItemFactory(request=request, requested_value="大阪府", accepted=False)

    approve(
        request,
        other_manager,
        manager,
        outcome="refused",
        refusal_ground="content_true",
        explanation="登録内容が事実であることを確認しました",
    )

    customer.refresh_from_db()
    assert customer.address == "東京都千代田区丸の内1-1-1"


def test_an_invalid_correction_value_rolls_the_approval_back(manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="correction")
    CorrectionItemFactory(request=request, field_name="date_of_birth", requested_value="昭和50年")
    drafted = services.request_draft_response(
        request=request, by=other_manager, outcome="fulfilled"
    )

    with pytest.raises(ValidationError) as exc:
        services.request_approve_and_send(request=drafted, by=manager)

    assert exc.value.messages == [message(ff.CORRECTION_DATE_INVALID)]
    assert request.__class__.objects.get(pk=request.pk).state == S.RESPONSE_DRAFTED


def test_an_erasure_anonymises_withdraws_consent_and_purges_documents(
    manager, other_manager, customer
):
    from consent_app.models import ConsentFlag
    from consent_app.services import consent_change

    consent_change(
        customer=customer,
        purpose="survey",
        channel="any",
        new_state="granted",
        actor="customer",
        source="letter",
    )
    request = request_in(S.VERIFIED, customer=customer, request_type="erasure", use_measure="erase")

    approve(request, other_manager, manager, outcome="fulfilled")

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert (customer.family_name, customer.address, customer.email) == ("", "", "")
    assert set(ConsentFlag.objects.filter(customer=customer).values_list("state", flat=True)) == {
        "withdrawn"
    }
    document = IdentityDocument.objects.get(request=request)
    assert document.purged_at is not None
    assert not document.file


def test_a_suspension_of_use_withdraws_only_the_chosen_purposes(manager, other_manager, customer):
    from consent_app.models import ConsentFlag
    from consent_app.services import consent_change

    for purpose, channel in (("survey", "any"), ("marketing", "email")):
        consent_change(
            customer=customer,
            purpose=purpose,
            channel=channel,
            new_state="granted",
            actor="customer",
            source="letter",
        )
    request = request_in(
        S.VERIFIED,
        customer=customer,
        request_type="erasure",
        use_measure="suspend_use",
        suspension_purpose_codes=["marketing"],
    )

    approve(request, other_manager, manager, outcome="fulfilled")

    states = dict(
        ConsentFlag.objects.filter(customer=customer).values_list("purpose__code", "state")
    )
    assert states == {"survey": "granted", "marketing": "withdrawn"}
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_a_suspension_of_provision_adds_a_suppression(manager, other_manager, customer):
    from consent_app.models import ProvisionSuppression, Recipient

    dealer = Recipient.objects.create(name="販売会社B", category="dealer")
    request = request_in(
        S.VERIFIED,
        customer=customer,
        request_type="provision_stop",
        suspension_recipient=dealer,
    )

    approve(request, other_manager, manager, outcome="fulfilled")

    suppression = ProvisionSuppression.objects.get(customer=customer)
    assert (suppression.recipient, suppression.request_reference) == (dealer, request.reference)


def test_an_electronic_disclosure_stores_the_electronic_copy(manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, disclosure_method_requested="electronic")

    sent = approve(request, other_manager, manager, outcome="fulfilled", method_used="electronic")

    assert sent.electronic_copy
    data = sent.electronic_copy.read()
    assert customer.number.encode() in data
    assert len(sent.electronic_copy_sha256) == 64


def test_a_paper_disclosure_stores_no_electronic_copy(manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer)

    sent = approve(request, other_manager, manager, outcome="fulfilled", method_used="paper")

    assert not sent.electronic_copy


@pytest.mark.parametrize("outcome", [Outcome.REFUSED, Outcome.ALTERNATIVE_MEASURE])
def test_refusal_and_alternative_measure_change_no_data(outcome, manager, other_manager, customer):
    request = request_in(S.VERIFIED, customer=customer, request_type="erasure", use_measure="erase")
    extra = {"explanation": "消去は困難なため利用停止で対応"}
    if outcome == Outcome.REFUSED:
        extra["refusal_ground"] = "art35_grounds_not_met"

    approve(request, other_manager, manager, outcome=outcome, **extra)

    customer.refresh_from_db()
    assert customer.erased_at is None
