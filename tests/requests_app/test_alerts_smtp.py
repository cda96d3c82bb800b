"""Deadline alerts and the managers' digest over a real SMTP server on localhost (aiosmtpd).

The hourly task runs as beat runs it, with Django's SMTP backend talking TCP to the server; the
server may be down, or cut the connection in the middle of a batch. Whatever it does, an alert
is marked e-mailed only once the server accepted its message, and every alert arrives in the end.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from privacyoffice.celery import app as celery_app
from requests_app.letters.tasks import deadline_alerts_scan_task
from requests_app.models import DeadlineAlert
from tests.conftest import LiveWorker, _redis_reachable, skip_or_fail, wait_for
from tests.local_servers import free_port
from tests.local_servers.smtp import RunningSmtp

from .test_alerts import TODAY, TOKYO, open_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(time_machine):
    """test_alerts' clock (a fixture imported by name would shadow the test arguments)."""

    def move(*args):
        time_machine.move_to(dt.datetime(*args, tzinfo=TOKYO), tick=False)

    move(2026, 11, 24, 9, 0)
    return move


@pytest.fixture
def smtp(settings):
    with RunningSmtp() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server


def marked_references() -> set[str]:
    return set(
        DeadlineAlert.objects.filter(emailed_at__isnull=False).values_list(
            "request__reference", flat=True
        )
    )


def received_references(server, references) -> set[str]:
    subjects = server.subjects()
    return {ref for ref in references if any(ref in subject for subject in subjects)}


def test_alerts_and_the_digest_arrive_at_a_real_smtp_server(at, smtp, staff, manager):
    mine = open_request(TODAY, assignee=staff)
    unassigned_late = open_request(TODAY - dt.timedelta(days=2))

    result = deadline_alerts_scan_task()

    assert (result["emailed"], result["failed_emails"]) == (2, 0)
    to_alice = [item for item in smtp.received if item.recipients == [staff.email]]
    assert [mine.reference in item.subject for item in to_alice] == [True]
    assert "本日が期限" in to_alice[0].subject  # the level, in the office's language
    assert f"/admin/requests_app/disclosurerequest/{mine.pk}/change/" in to_alice[0].body
    to_maria = [item for item in smtp.received if item.recipients == [manager.email]]
    # The unassigned overdue alert, then the daily digest listing it.
    assert len(to_maria) == 2
    assert all(unassigned_late.reference in item.body for item in to_maria)
    assert all(mine.requester_name not in item.body for item in smtp.received)
    assert marked_references() == {mine.reference, unassigned_late.reference}


def test_a_server_that_drops_the_connection_mid_batch_loses_no_alert(at, smtp, staff):
    references = {open_request(TODAY, assignee=staff).reference for _ in range(7)}
    # Every connection is cut at its fourth message: the batch breaks, then the one-by-one
    # resend breaks again on its own fourth message.
    smtp.drop_after = 3

    for _scan in range(5):
        result = deadline_alerts_scan_task()
        # Never marked before the server accepted it.
        assert marked_references() <= received_references(smtp, references)
        if not DeadlineAlert.objects.filter(emailed_at__isnull=True).exists():
            break
    else:
        pytest.fail("alerts still unsent after five scans")

    assert smtp.drops >= 2
    assert result["failed_emails"] == 0
    assert received_references(smtp, references) == references
    assert marked_references() == references


def test_while_the_server_is_down_every_alert_waits_for_the_next_scan(at, settings, staff):
    references = {open_request(TODAY, assignee=staff).reference for _ in range(3)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens

    result = deadline_alerts_scan_task()

    assert (result["emailed"], result["failed_emails"]) == (0, 3)
    assert marked_references() == set()

    with RunningSmtp() as server:
        settings.EMAIL_PORT = server.port
        at(2026, 11, 24, 10, 0)
        result = deadline_alerts_scan_task()

    assert result["emailed"] == 3
    assert received_references(server, references) == references


def test_a_digest_cut_off_by_the_server_is_sent_by_the_next_scan(at, smtp, staff, manager):
    late = open_request(TODAY - dt.timedelta(days=1), assignee=staff)
    # The alert e-mail goes through, the digest right after it on the same connection does not.
    smtp.drop_after = 1

    first = deadline_alerts_scan_task()

    assert (first["emailed"], first["digest_recipients"]) == (1, 0)
    assert [item.recipients for item in smtp.received] == [[staff.email]]

    smtp.drop_after = None
    at(2026, 11, 24, 10, 0)
    second = deadline_alerts_scan_task()

    assert second["digest_recipients"] == 1
    digests = [item for item in smtp.received if item.recipients == [manager.email]]
    assert len(digests) == 1
    assert late.reference in digests[0].body

    at(2026, 11, 24, 11, 0)
    deadline_alerts_scan_task()
    assert len([item for item in smtp.received if item.recipients == [manager.email]]) == 1


# --- the hourly job on a real worker ---------------------------------------------------------
@pytest.mark.services
def test_the_hourly_scan_on_a_real_worker_delivers_over_smtp(transactional_db, staff):
    """GIVEN a live Celery worker whose settings name the SMTP server WHEN beat's hourly task
    runs THEN the alert reaches the server and is marked e-mailed."""
    if reason := _redis_reachable():
        skip_or_fail(reason)
    request = open_request(timezone.localdate(), assignee=staff)
    with RunningSmtp() as server:
        worker = LiveWorker()
        base_env = worker.env
        worker.env = lambda: {
            **base_env(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": server.host,
            "EMAIL_PORT": str(server.port),
            "SITE_URL": "https://privacy.example.co.jp",
        }
        celery_app.control.purge()
        worker.start()
        try:
            deadline_alerts_scan_task.delay()
            wait_for(lambda: marked_references() == {request.reference}, timeout=90)
        finally:
            worker.stop()

    assert server.received[0].recipients == [staff.email]
    assert request.reference in server.received[0].subject
    assert "https://privacy.example.co.jp/admin/" in server.received[0].body
