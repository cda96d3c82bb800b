"""Logging a request: reference numbers, duplicates, the rules on details, assignment, comments."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import services
from requests_app.models import DisclosureRequest, RequestComment
from requests_app.models import RequestState as S
from requests_app.services import intake

from .helpers import message, request_in

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def create(by, **kwargs):
    kwargs.setdefault("request_type", "disclosure")
    kwargs.setdefault("requester_name", "山田 太郎")
    return services.request_create(by=by, **kwargs)


# Receipts are never in the future (issue 20): these run on a day after every receipt used.
AFTER_RECEIPTS = datetime(2027, 6, 1, 12, tzinfo=TOKYO)


@time_machine.travel(AFTER_RECEIPTS, tick=False)
def test_references_count_up_per_year_of_receipt(staff):
    first = create(staff, received_at=datetime(2026, 3, 1, 10, tzinfo=TOKYO))
    second = create(staff, received_at=datetime(2026, 3, 2, 10, tzinfo=TOKYO))
    next_year = create(staff, received_at=datetime(2027, 1, 5, 10, tzinfo=TOKYO))

    assert (first.reference, second.reference, next_year.reference) == (
        "PR-2026-000001",
        "PR-2026-000002",
        "PR-2027-000001",
    )


@time_machine.travel(AFTER_RECEIPTS, tick=False)
def test_the_year_is_the_tokyo_year(staff):
    """A request received at 00:30 on 1 January in Tokyo is a request of the new year."""
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=TOKYO)

    assert create(staff, received_at=new_year).reference == "PR-2027-000001"


def test_a_new_request_is_an_inquiry_with_paper_as_the_default_disclosure_method(staff):
    obj = create(staff)

    assert (obj.state, obj.disclosure_method_requested) == (S.INQUIRY, "paper")


def test_a_request_from_someone_with_an_open_request_is_flagged(staff):
    first = create(staff, requester_name="佐藤 花子")
    second = create(staff, requester_name="佐藤 花子")

    assert second.possible_duplicate_of == first


def test_the_same_email_flags_a_duplicate_whatever_the_name(staff):
    first = create(staff, requester_name="佐藤 花子", requester_email="hanako@example.jp")

    second = create(staff, requester_name="佐藤花子", requester_email="HANAKO@example.jp")

    assert second.possible_duplicate_of == first


def test_an_ended_request_does_not_flag_a_new_one(staff):
    request_in(S.CLOSED, requester_name="佐藤 花子")

    assert create(staff, requester_name="佐藤 花子").possible_duplicate_of is None


def test_verification_flags_another_open_request_of_the_same_customer(staff, customer):
    other = request_in(S.VERIFIED, customer=customer, requester_name="別人名義")
    obj = request_in(S.DOCUMENTS_RECEIVED, requester_name="山田 太郎X")

    verified = services.request_verify_identity(request=obj, by=staff, customer=customer)

    assert verified.possible_duplicate_of == other


@pytest.mark.parametrize(
    ("request_type", "details", "field", "constant"),
    [
        ("correction", {"fee_amount": 500}, "fee_amount", intake.FEE_NOT_ALLOWED),
        ("erasure", {"fee_amount": 500}, "fee_amount", intake.FEE_NOT_ALLOWED),
        ("provision_stop", {"fee_amount": 500}, "fee_amount", intake.FEE_NOT_ALLOWED),
        (
            "disclosure",
            {"fee_received_on": timezone.localdate()},
            "fee_received_on",
            intake.FEE_RECEIPT_WITHOUT_FEE,
        ),
        (
            "correction",
            {"disclosure_method_requested": "electronic"},
            "disclosure_method_requested",
            intake.METHOD_ONLY_FOR_DISCLOSURE,
        ),
        ("disclosure", {"use_measure": "erase"}, "use_measure", intake.MEASURE_ONLY_FOR_ERASURE),
        (
            "disclosure",
            {"legal_ground": "leak"},
            "legal_ground",
            intake.ART35_GROUND_ONLY_FOR_ART35,
        ),
        (
            "erasure",
            {"use_measure": "erase", "suspension_purpose_codes": ["marketing"]},
            "suspension_purpose_codes",
            intake.PURPOSES_ONLY_FOR_SUSPENSION,
        ),
        ("disclosure", {"agent_type": "appointed_agent"}, "agent_name", intake.AGENT_NAME_REQUIRED),
        ("disclosure", {"agent_name": "代理人"}, "agent_type", intake.AGENT_DETAILS_WITHOUT_AGENT),
    ],
)
def test_details_that_break_a_rule_are_refused_and_nothing_is_created(
    staff, request_type, details, field, constant
):
    with pytest.raises(ValidationError) as exc:
        create(staff, request_type=request_type, **details)

    assert exc.value.message_dict[field] == [message(constant)]
    assert not DisclosureRequest.objects.exists()


@pytest.mark.parametrize("request_type", ["purpose_notice", "disclosure", "record_disclosure"])
def test_a_fee_is_allowed_for_purpose_notice_and_disclosure(staff, request_type):
    """APPI Art. 38."""
    assert create(staff, request_type=request_type, fee_amount=1000).fee_amount == 1000


def test_unknown_purposes_to_suspend_are_refused(staff):
    with pytest.raises(ValidationError) as exc:
        create(
            staff,
            request_type="erasure",
            use_measure="suspend_use",
            suspension_purpose_codes=["nope"],
        )

    assert exc.value.message_dict["suspension_purpose_codes"] == [
        message(intake.UNKNOWN_PURPOSES, codes="nope")
    ]


def test_a_blank_requester_name_is_refused(staff):
    with pytest.raises(ValidationError) as exc:
        create(staff, requester_name="   ")

    assert exc.value.message_dict["requester_name"] == [message(intake.REQUESTER_NAME_REQUIRED)]


def test_fields_outside_the_details_cannot_be_set(staff):
    with pytest.raises(ValidationError) as exc:
        create(staff, state="closed")

    assert exc.value.messages == [message(intake.UNKNOWN_FIELDS, fields="state")]


def test_an_ended_request_keeps_its_details_but_not_its_notes(staff):
    obj = request_in(S.CLOSED)

    with pytest.raises(ValidationError) as exc:
        services.request_update(request=obj, by=staff, changes={"requester_address": "大阪"})
    updated = services.request_update(request=obj, by=staff, changes={"notes": "追記"})

    assert exc.value.messages == [message(intake.REQUEST_NOT_OPEN)]
    assert updated.notes == "追記"


def test_updating_checks_the_rules_against_the_whole_request(staff):
    obj = request_in(S.VERIFIED, request_type="disclosure", fee_amount=None)

    with pytest.raises(ValidationError) as exc:
        services.request_update(
            request=obj, by=staff, changes={"fee_received_on": timezone.localdate()}
        )

    assert exc.value.message_dict["fee_received_on"] == [message(intake.FEE_RECEIPT_WITHOUT_FEE)]


def test_a_request_is_assigned_only_to_privacy_staff(staff, auditor):
    obj = request_in(S.INQUIRY)

    with pytest.raises(ValidationError) as exc:
        services.request_assign(request=obj, assignee=auditor, by=staff)
    services.request_assign(request=obj, assignee=staff, by=staff)

    assert exc.value.messages == [message(intake.ASSIGNEE_NOT_STAFF)]
    assert DisclosureRequest.objects.get(pk=obj.pk).assignee == staff


def test_bulk_assignment_leaves_ended_requests_alone(staff, other_staff):
    open_one, ended = request_in(S.VERIFIED), request_in(S.CLOSED)

    assigned, skipped = services.request_bulk_assign(
        request_ids=[open_one.pk, ended.pk], assignee=other_staff, by=staff
    )

    assert (assigned, skipped) == (1, 1)
    assert DisclosureRequest.objects.get(pk=ended.pk).assignee is None


def test_comments_are_kept_with_their_author(staff):
    obj = request_in(S.INQUIRY)

    comment = services.request_comment_add(request=obj, author=staff, body="  書類到着待ち ")

    assert (comment.author, comment.body) == (staff, "書類到着待ち")


def test_an_empty_comment_is_refused(staff):
    with pytest.raises(ValidationError) as exc:
        services.request_comment_add(request=request_in(S.INQUIRY), author=staff, body=" ")

    assert exc.value.messages == [message(intake.COMMENT_EMPTY)]
    assert not RequestComment.objects.exists()


def test_an_auditor_cannot_comment(auditor):
    with pytest.raises(ValidationError) as exc:
        services.request_comment_add(request=request_in(S.INQUIRY), author=auditor, body="x")

    assert exc.value.messages == [message(intake.COMMENT_FORBIDDEN)]


def test_the_lapsable_selector_uses_the_lapse_period(settings):
    from requests_app import selectors

    settings.REQUEST_LAPSE_DAYS = 60
    old = request_in(S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=60, minutes=1))
    request_in(S.FORM_SENT, form_sent_at=timezone.now() - timedelta(days=59))

    assert list(selectors.requests_lapsable()) == [old]


@pytest.mark.parametrize("request_type", ["erasure", "provision_stop"])
def test_an_art35_request_without_the_ground_the_person_relies_on_is_refused(staff, request_type):
    """Issue 16: the Art. 35 ground is required for suspension, erasure and stopping provision."""
    with pytest.raises(ValidationError) as exc:
        create(staff, request_type=request_type)
    assert exc.value.message_dict["legal_ground"] == [message(intake.ART35_GROUND_REQUIRED)]
    assert not DisclosureRequest.objects.exists()
    assert create(staff, request_type=request_type, legal_ground="leak").legal_ground == "leak"
