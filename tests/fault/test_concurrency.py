"""Twenty staff press "send the form" on the same request at the same moment.

Each attempt is a real admin POST from its own thread, so its own session and its own database
connection; they are released together by a barrier. The workflow service locks the request row
and compares the state the user saw with the locked one, so exactly one wins.
"""

from __future__ import annotations

import html
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_fsm_log.models import StateLog

from requests_app.models import DisclosureRequest, Letter
from requests_app.models import RequestState as S
from requests_app.services import workflow as wf
from tests.requests_app.helpers import request_in

pytestmark = [
    pytest.mark.fault,
    pytest.mark.services,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ATTEMPTS = 20


def outcome(response) -> str:
    """ "done" or "changed" by the message the admin page shows, else what went wrong."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    page = response.content.decode()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        done = gettext("%(transition)s: done.") % {"transition": wf.transition_label("send_form")}
        changed = str(wf.REQUEST_CHANGED)
    if html.escape(done) in page:
        return "done"
    if html.escape(changed) in page:
        return "changed"
    return "neither message on the page"


def test_twenty_simultaneous_sends_of_the_form_give_one_success_and_one_letter(web_broker, staff):
    """GIVEN an inquiry open on twenty screens WHEN all twenty send the form at once
    THEN one succeeds, the nineteen others are told the request changed under them, the request
    moved once, and one letter exists with one render task published."""
    obj = request_in(S.INQUIRY)
    url = reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, "send_form"])
    clients = []
    for _ in range(ATTEMPTS):
        client = Client()
        client.force_login(staff)
        clients.append(client)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = ["did not finish"] * ATTEMPTS

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = clients[index].post(url, {"expected_state": S.INQUIRY}, follow=True)
            outcomes[index] = outcome(response)
        except Exception as exc:  # reported in the assertion below, not lost in the thread
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["changed"] * (ATTEMPTS - 1) + ["done"], outcomes
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT
    assert StateLog.objects.filter(object_id=obj.pk, transition="send_form").count() == 1
    assert Letter.objects.filter(request=obj).count() == 1
    assert web_broker.queued_messages() == 1
