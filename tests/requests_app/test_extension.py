"""Extending a deadline: a manager, a reason, a later working day, a notice to the person."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from requests_app import services
from requests_app.models import Letter, LetterKind
from requests_app.models import RequestState as S
from requests_app.services import workflow as wf

from .helpers import message, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    return request_in(S.VERIFIED, due_date=date(2026, 11, 24))


def test_a_manager_extends_with_a_reason_and_a_notice_is_queued(manager, running):
    extension = services.request_extend_deadline(
        request=running, by=manager, new_due_date=date(2026, 12, 8), reason="販売会社への照会中"
    )

    running.refresh_from_db()
    assert running.due_date == date(2026, 12, 8)
    assert (extension.previous_due_date, extension.reason) == (
        date(2026, 11, 24),
        "販売会社への照会中",
    )
    letter = Letter.objects.get(request=running)
    assert (letter.kind, letter.occasion) == (
        LetterKind.EXTENSION_NOTICE,
        f"extension-{extension.pk}",
    )


def test_staff_cannot_extend(staff, running):
    with pytest.raises(ValidationError) as exc:
        services.request_extend_deadline(
            request=running, by=staff, new_due_date=date(2026, 12, 8), reason="x"
        )

    assert exc.value.messages == [message(wf.EXTENSION_FORBIDDEN)]


def test_an_extension_needs_a_reason(manager, running):
    with pytest.raises(ValidationError) as exc:
        services.request_extend_deadline(
            request=running, by=manager, new_due_date=date(2026, 12, 8), reason=" "
        )

    assert exc.value.messages == [message(wf.REASON_REQUIRED)]


def test_the_new_date_must_be_later(manager, running):
    with pytest.raises(ValidationError) as exc:
        services.request_extend_deadline(
            request=running, by=manager, new_due_date=date(2026, 11, 24), reason="x"
        )

    assert exc.value.messages == [message(wf.EXTENSION_NOT_LATER, due="2026年11月24日")]


@pytest.mark.parametrize(
    "closed_day",
    [date(2026, 12, 6), date(2026, 12, 5), date(2026, 12, 30), date(2027, 1, 11)],
    ids=["sunday", "saturday", "year-end", "coming-of-age-day"],
)
def test_the_new_date_must_be_a_working_day(manager, running, closed_day):
    with pytest.raises(ValidationError) as exc:
        services.request_extend_deadline(
            request=running, by=manager, new_due_date=closed_day, reason="x"
        )

    assert exc.value.messages == [
        message(
            wf.EXTENSION_NOT_WORKING_DAY,
            date=f"{closed_day.year}年{closed_day.month}月{closed_day.day}日",
        )
    ]


@pytest.mark.parametrize("state", [S.FORM_SENT, S.RESPONDED, S.CLOSED])
def test_only_a_running_clock_can_be_extended(manager, state):
    obj = request_in(state, due_date=date(2026, 11, 24))

    with pytest.raises(ValidationError) as exc:
        services.request_extend_deadline(
            request=obj, by=manager, new_due_date=date(2026, 12, 8), reason="x"
        )

    assert exc.value.messages == [message(wf.EXTENSION_CLOCK_NOT_RUNNING)]


def test_two_extensions_give_two_notices(manager, running):
    services.request_extend_deadline(
        request=running, by=manager, new_due_date=date(2026, 12, 8), reason="一回目"
    )
    running.refresh_from_db()
    services.request_extend_deadline(
        request=running, by=manager, new_due_date=date(2026, 12, 22), reason="二回目"
    )

    assert Letter.objects.filter(request=running, kind=LetterKind.EXTENSION_NOTICE).count() == 2


@time_machine.travel("2026-04-22 10:00 +0900", tick=False)
def test_documents_received_before_golden_week_are_due_after_it(staff):
    obj = request_in(S.FORM_SENT)

    received = services.request_receive_documents(request=obj, by=staff)

    assert received.due_date == date(2026, 5, 7)
