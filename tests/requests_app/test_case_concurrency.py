"""A case's steps under real concurrent sessions (PostgreSQL): the case row is locked first, so two
people acting on two rights of one case at once get one consistent outcome and one letter."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django_fsm_log.models import StateLog

from requests_app import services
from requests_app.models import DisclosureRequest, Letter, LetterKind
from requests_app.models import RequestState as S
from requests_app.services import workflow as wf

from .helpers import message
from .test_case_steps import _answer_both, two_right_case
from .test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _load(right):
    return lambda: DisclosureRequest.objects.get(pk=right.pk)


def test_two_staff_verifying_the_two_rights_of_a_case_at_once_verify_it_once(
    staff, other_staff, customer
):
    first, second = two_right_case(staff)
    results = race(
        (
            _load(first),
            lambda r: services.request_verify_identity(request=r, by=staff, customer=customer),
        ),
        (
            _load(second),
            lambda r: services.request_verify_identity(
                request=r, by=other_staff, customer=customer
            ),
        ),
    )
    assert sorted(results) == sorted(["ok", message(wf.REQUEST_CHANGED)])
    assert set(DisclosureRequest.objects.values_list("state", flat=True)) == {S.VERIFIED}
    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest),
        transition="verify_identity",
    )
    assert sorted(int(pk) for pk in logs.values_list("object_id", flat=True)) == [
        first.pk,
        second.pk,
    ]
    assert len({log.by_id for log in logs}) == 1  # one person's one verification


def test_two_managers_approving_the_two_rights_at_once_approve_the_case_once(
    staff, manager, other_manager, customer
):
    first, second = _answer_both(staff, manager, customer)
    results = race(
        (_load(first), lambda r: services.request_approve_and_send(request=r, by=manager)),
        (_load(second), lambda r: services.request_approve_and_send(request=r, by=other_manager)),
    )
    assert sorted(results) == sorted(["ok", message(wf.REQUEST_CHANGED)])
    assert set(DisclosureRequest.objects.values_list("state", flat=True)) == {S.RESPONDED}
    answers = Letter.objects.filter(request__case_id=first.case_id).exclude(
        kind=LetterKind.REQUEST_FORM
    )
    assert list(answers.values_list("kind", flat=True)) == [LetterKind.CASE_RESPONSE]
