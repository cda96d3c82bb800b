"""Real concurrent database sessions on PostgreSQL: exactly one of two racing actions wins."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from requests_app import services
from requests_app.models import DisclosureRequest, Letter
from requests_app.models import RequestState as S
from requests_app.services import workflow as wf

from .helpers import message, request_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*actions):
    """Run each action in its own thread (own DB connection), released together."""
    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def run(index, action):
        try:
            loaded = action[0]()  # each session loads the request first, as a page would
            barrier.wait(timeout=10)
            action[1](loaded)
            results[index] = "ok"
        except ValidationError as exc:
            results[index] = exc.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_staff_sending_the_form_at_once_exactly_one_wins(staff, other_staff):
    """GIVEN an inquiry open on two screens WHEN both staff send the form at the same moment
    THEN one succeeds, the other is told the request changed under them, one letter exists."""
    obj = request_in(S.INQUIRY)

    def load():
        return DisclosureRequest.objects.get(pk=obj.pk)

    results = race(
        (load, lambda r: services.request_send_form(request=r, by=staff)),
        (load, lambda r: services.request_send_form(request=r, by=other_staff)),
    )

    assert sorted(results) == sorted(["ok", message(wf.REQUEST_CHANGED)])
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT
    assert Letter.objects.filter(request_id=obj.pk).count() == 1


def test_a_withdrawal_racing_a_verification_leaves_one_consistent_outcome(staff, other_staff):
    obj = request_in(S.DOCUMENTS_RECEIVED)

    def load():
        return DisclosureRequest.objects.get(pk=obj.pk)

    results = race(
        (load, lambda r: services.request_withdraw(request=r, by=staff, reason="取下げ")),
        (
            load,
            lambda r: services.request_verify_identity(
                request=r, by=other_staff, no_data_held=True
            ),
        ),
    )

    assert results.count("ok") == 1
    assert message(wf.REQUEST_CHANGED) in results
    final = DisclosureRequest.objects.get(pk=obj.pk)
    assert final.state in (S.WITHDRAWN, S.VERIFIED)
    # The loser changed nothing: a withdrawn request was not also marked "no data held".
    assert final.no_data_held == (final.state == S.VERIFIED)


def test_references_stay_unique_and_gapless_under_concurrent_creation(staff):
    made: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def create():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                created = services.request_create(
                    by=staff, request_type="disclosure", requester_name="並行 太郎"
                )
                with lock:
                    made.append(created.reference)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in made)
    assert len(made) == 20
    assert numbers == list(range(numbers[0], numbers[0] + 20))
