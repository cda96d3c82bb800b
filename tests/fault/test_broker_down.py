"""Redis down while staff send a request form: the page works, the letter is not lost.

The transition commits the letter row first and publishes its render task after commit; a
publish that fails is logged and left to the beat sweep, which publishes again what is still
queued after five minutes. Redis here is a private redis-server the test stops (connections
refused) or freezes with SIGSTOP (connections open, nothing answers: a hung server or a network
partition); the web side is the real admin view through Django's test client.
"""

from __future__ import annotations

import html
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from requests_app.letters.services import REQUEUE_AFTER
from requests_app.letters.tasks import letters_requeue_stale_task
from requests_app.models import DisclosureRequest, Letter
from requests_app.models import RequestState as S
from tests.conftest import client_for
from tests.requests_app.helpers import request_in

from .conftest import settled, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.postgres]

NOT_PUBLISHED = "render task not published"
# Far longer than a publish may take on a dead broker (the broker's socket timeouts and one
# retry): past it the request is hanging, which a web worker would answer with a 502.
REQUEST_HANGS_AFTER = 120


def send_form(client, obj):
    """Press "send the form" on the request's page, and land back on that page."""
    url = reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, "send_form"])
    return client.post(url, {"expected_state": S.INQUIRY}, follow=True)


def change_url(obj) -> str:
    return reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])


def sweep_five_minutes_later(letter: Letter) -> int:
    """Run the beat sweep as it would run once the letter has waited its five minutes."""
    Letter.objects.filter(pk=letter.pk).update(
        queued_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1)
    )
    return letters_requeue_stale_task()


def test_a_form_sent_while_redis_is_stopped_succeeds_and_its_letter_is_rendered_once_after(
    web_broker, workers, letter_templates, letter_storage, client, staff, caplog
):
    """GIVEN a worker running and Redis stopped WHEN staff send a request form in the admin
    THEN the step and the request's page that follows work, and its letter is queued;
    WHEN Redis is back and the sweep runs THEN the letter is rendered, once."""
    workers.start()  # running before, during and after the outage
    obj = request_in(S.INQUIRY)
    web_broker.stop()

    response = send_form(client_for(client, staff), obj)

    assert response.redirect_chain == [(change_url(obj), 302)]
    assert response.status_code == 200
    assert DisclosureRequest.objects.get(pk=obj.pk).state == S.FORM_SENT
    letter = Letter.objects.get(request=obj)
    assert letter.status == Letter.Status.QUEUED
    assert NOT_PUBLISHED in caplog.text  # the publish really met the stopped Redis

    web_broker.start()
    assert sweep_five_minutes_later(letter) == 1
    wait_until(settled(letter), timeout=120, why=workers.logs)

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert letter.attempts == 1
    assert Letter.objects.filter(request=obj).count() == 1
    assert letter_storage.names() == {letter.file.name}
    assert sweep_five_minutes_later(letter) == 0  # nothing left for a second render


def test_a_form_sent_while_redis_hangs_returns_and_its_letter_is_rendered_once_after(
    web_broker, workers, letter_templates, letter_storage, client, staff, caplog
):
    """GIVEN Redis frozen (accepts connections, never answers) WHEN staff send a request form
    THEN the page still answers (the publish gives up after the broker's socket timeout) and
    the letter is queued; WHEN Redis answers again THEN the sweep gets the letter rendered once."""
    obj = request_in(S.INQUIRY)
    staff_client = client_for(client, staff)
    responses = []

    def post():
        try:
            responses.append(send_form(staff_client, obj))
        finally:
            connection.close()

    web_broker.freeze()
    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    thread.join(timeout=REQUEST_HANGS_AFTER)
    hung = thread.is_alive()
    web_broker.thaw()
    thread.join(timeout=30)

    assert not hung, "the web request hung on a frozen Redis"
    assert responses[0].redirect_chain == [(change_url(obj), 302)]
    assert responses[0].status_code == 200
    letter = Letter.objects.get(request=obj)
    assert letter.status == Letter.Status.QUEUED
    assert NOT_PUBLISHED in caplog.text

    workers.start()
    assert sweep_five_minutes_later(letter) == 1
    wait_until(settled(letter), timeout=120, why=workers.logs)

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert Letter.objects.filter(request=obj).count() == 1
    assert letter_storage.names() == {letter.file.name}


# --- issue 20: a frozen broker costs a press at most the publish bound -------------------------
@pytest.mark.django_db(transaction=True)
def test_a_press_while_redis_is_frozen_is_bounded_says_the_letter_follows_and_the_sweep_sends_it(
    web_broker, workers, letter_templates, letter_storage, live_server, staff, settings
):
    """GIVEN staff logged in through the login form and Redis frozen (SIGSTOP)
    WHEN they press "send the form" THEN the page answers within the publish bound (not the
    15 s of the socket timeouts), says the letter will follow, and the letter is marked
    unpublished; WHEN Redis answers again and beat publishes the sweep to its own queue, THEN
    the sweep worker re-publishes the letter at once (not after REQUEUE_AFTER) and it is
    rendered once, well within two minutes of the broker's return."""
    import time

    from requests_app.letters.services import LETTER_WILL_FOLLOW
    from tests.privacyoffice.http import browser_for

    obj = request_in(S.INQUIRY)
    browser = browser_for(live_server.url, staff)
    path = reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, "send_form"])

    web_broker.freeze()
    try:
        started = time.monotonic()
        response = browser.post(path, {"expected_state": S.INQUIRY})
        press = time.monotonic() - started
    finally:
        web_broker.thaw()
    thawed = time.monotonic()

    assert response.status_code == 200
    assert urlsplit(response.url).path == change_url(obj)  # the request's page, not the login
    with translation.override("ja"):
        assert html.escape(str(LETTER_WILL_FOLLOW), quote=False) in response.text
    # The publish waits LETTER_PUBLISH_TIMEOUT (1 s); the rest is the page itself. Without
    # the bound this press took 15 s.
    assert press < settings.LETTER_PUBLISH_TIMEOUT + 3, f"press took {press:.1f}s"
    letter = Letter.objects.get(request=obj)
    assert letter.status == Letter.Status.QUEUED
    assert letter.unpublished_since is not None

    workers.start()  # renders, on the default queue
    workers.start(queues="sweep")  # the sweep's own worker
    letters_requeue_stale_task.delay()  # what beat publishes every minute, routed to "sweep"
    wait_until(settled(letter), timeout=120, why=workers.logs)
    produced = time.monotonic() - thawed

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert letter.unpublished_since is None
    assert letter.attempts == 1
    assert letter_storage.names() == {letter.file.name}
    print(f"press {press:.2f}s; letter produced {produced:.1f}s after the broker's return")


def test_the_sweep_task_is_routed_to_its_own_queue():
    from privacyoffice.celery import app

    route = app.amqp.router.route({}, "requests_app.letters_requeue_stale")
    assert route["queue"].name == "sweep"
    assert app.amqp.router.route({}, "requests_app.letter_render")["queue"].name == "celery"
