"""Deadline alerts: levels in Tokyo days, once per level, e-mails, the managers' digest,
the admin home page, and a scan whose cost grows only with what it alerts on."""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from requests_app.letters import alerts
from requests_app.letters.tasks import deadline_alerts_scan_task
from requests_app.models import DeadlineAlert, DisclosureRequest
from tests.factories import DeadlineAlertFactory, DisclosureRequestFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def at(time_machine):
    """Freeze the clock at a Tokyo wall-clock time: at(2026, 11, 24, 23, 59)."""

    def move(*args):
        time_machine.move_to(dt.datetime(*args, tzinfo=TOKYO), tick=False)

    move(2026, 11, 24, 9, 0)
    return move


def open_request(due: dt.date, assignee=None, state="verified", **fields) -> DisclosureRequest:
    return DisclosureRequestFactory(
        state=state,
        due_date=due,
        documents_received_on=due - dt.timedelta(days=14),
        assignee=assignee,
        **fields,
    )


def levels(request) -> list[str]:
    return sorted(request.alerts.values_list("level", flat=True))


# --- levels ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(4, []), (3, ["due_soon"]), (1, ["due_soon"]), (0, ["due_today"]), (-1, ["overdue"])],
)
def test_the_scan_raises_the_level_of_the_days_left(at, staff, days_left, expected):
    request = open_request(TODAY + dt.timedelta(days=days_left), assignee=staff)

    alerts.deadline_alerts_scan()

    assert levels(request) == expected


@pytest.mark.parametrize("state", ["inquiry", "form_sent", "responded", "closed", "withdrawn"])
def test_a_request_whose_clock_is_not_running_raises_nothing(at, staff, state):
    request = open_request(TODAY - dt.timedelta(days=5), assignee=staff, state=state)

    alerts.deadline_alerts_scan()

    assert levels(request) == []


def test_each_level_is_raised_and_e_mailed_once_however_often_the_scan_runs(at, staff):
    request = open_request(TODAY + dt.timedelta(days=2), assignee=staff)

    for _ in range(3):
        alerts.deadline_alerts_scan()

    assert levels(request) == ["due_soon"]
    assert len(mail.outbox) == 1


def test_the_levels_follow_one_another_as_the_days_pass(at, staff):
    request = open_request(dt.date(2026, 11, 26), assignee=staff)

    for day in (24, 25, 26, 27, 28):
        at(2026, 11, day, 9, 1)
        alerts.deadline_alerts_scan()

    assert levels(request) == ["due_soon", "due_today", "overdue"]
    assert [m.to for m in mail.outbox if request.reference in m.subject] == [[staff.email]] * 3


def test_due_today_turns_overdue_exactly_at_midnight_in_tokyo(at, staff):
    """GIVEN a request due on 24 Nov WHEN the scan runs at 23:59:59 JST (14:59:59 UTC) THEN it
    is due today; at 00:00:01 JST on the 25th (15:00:01 UTC on the 24th) it is overdue."""
    request = open_request(TODAY, assignee=staff)

    at(2026, 11, 24, 23, 59, 59)
    alerts.deadline_alerts_scan()
    assert levels(request) == ["due_today"]

    at(2026, 11, 25, 0, 0, 1)
    alerts.deadline_alerts_scan()
    assert levels(request) == ["due_today", "overdue"]
    overdue = request.alerts.get(level="overdue")
    assert overdue.raised_at.astimezone(dt.UTC).date() == TODAY  # still the 24th in UTC


def test_due_soon_starts_at_midnight_in_tokyo_three_days_ahead(at, staff):
    request = open_request(dt.date(2026, 11, 28), assignee=staff)

    at(2026, 11, 24, 23, 59, 59)
    alerts.deadline_alerts_scan()
    assert levels(request) == []

    at(2026, 11, 25, 0, 0, 1)
    alerts.deadline_alerts_scan()
    assert levels(request) == ["due_soon"]


def test_one_alert_per_request_level_and_due_date_is_a_database_constraint(staff):
    alert = DeadlineAlertFactory(request=open_request(TODAY, assignee=staff), level="due_today")

    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineAlert.objects.create(
            request=alert.request, level="due_today", due_date=alert.due_date
        )


def test_an_extension_re_arms_the_alerts_for_the_new_due_date(at, staff):
    request = open_request(TODAY + dt.timedelta(days=1), assignee=staff)
    alerts.deadline_alerts_scan()
    DisclosureRequest.objects.filter(pk=request.pk).update(due_date=TODAY + dt.timedelta(days=3))

    alerts.deadline_alerts_scan()

    assert request.alerts.filter(level="due_soon").count() == 2
    assert sorted(request.alerts.values_list("due_date", flat=True)) == [
        TODAY + dt.timedelta(days=1),
        TODAY + dt.timedelta(days=3),
    ]


# --- e-mail ------------------------------------------------------------------------------------
def test_the_alert_e_mail_names_the_request_never_the_person(at, staff):
    request = open_request(TODAY, assignee=staff, requester_name="秘密 太郎")

    alerts.deadline_alerts_scan()

    [message] = mail.outbox
    assert message.to == [staff.email]
    assert request.reference in message.subject
    assert reverse("admin:requests_app_disclosurerequest_change", args=[request.pk]) in message.body
    assert "秘密" not in message.subject + message.body


def test_the_alert_e_mail_links_to_the_request_on_the_configured_site(at, staff, settings):
    settings.SITE_URL = "https://privacy.example.co.jp/"
    request = open_request(TODAY, assignee=staff)

    alerts.deadline_alerts_scan()

    path = reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
    assert f"https://privacy.example.co.jp{path}" in mail.outbox[0].body


def test_an_alert_on_a_request_nobody_is_assigned_goes_to_the_managers(
    at, manager, other_manager, staff
):
    open_request(TODAY)

    alerts.deadline_alerts_scan()

    assert sorted(mail.outbox[0].to) == sorted([manager.email, other_manager.email])


def test_a_failed_e_mail_is_sent_at_the_next_scan(at, staff):
    request = open_request(TODAY + dt.timedelta(days=1), assignee=staff)
    with mock.patch.object(
        locmem.EmailBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("x")
    ):
        result = alerts.deadline_alerts_scan()
    assert result.failed_emails == 1
    assert request.alerts.get().emailed_at is None

    alerts.deadline_alerts_scan()

    assert len(mail.outbox) == 1
    assert request.alerts.get().emailed_at is not None


def test_the_scan_sends_in_batches_over_one_connection_and_one_refusal_holds_back_no_other(
    at, staff, other_staff
):
    # Four e-mails in batches of two: the refused one shares its batch with one that must go.
    requests = [open_request(TODAY, assignee=staff) for _ in range(3)]
    refused = open_request(TODAY, assignee=other_staff)
    real_send = locmem.EmailBackend.send_messages

    def refuse_other_staff(backend, messages):
        if any(message.to == [other_staff.email] for message in messages):
            raise smtplib.SMTPRecipientsRefused({other_staff.email: (550, b"no")})
        return real_send(backend, messages)

    with (
        mock.patch.object(alerts, "EMAIL_BATCH_SIZE", 2),
        mock.patch.object(locmem.EmailBackend, "send_messages", refuse_other_staff),
        mock.patch.object(alerts, "get_connection", wraps=alerts.get_connection) as connect,
    ):
        result = alerts.deadline_alerts_scan()

    assert connect.call_count == 1
    assert (result.emailed, result.failed_emails) == (3, 1)
    assert all(request.alerts.get().emailed_at is not None for request in requests)
    assert refused.alerts.get().emailed_at is None
    alerts.deadline_alerts_scan()
    assert refused.alerts.get().emailed_at is not None
    assert [m.to for m in mail.outbox].count([other_staff.email]) == 1


def test_an_alert_answered_before_its_e_mail_went_out_is_not_sent(at, staff):
    request = open_request(TODAY, assignee=staff)
    alerts.deadline_alerts_raise()
    DisclosureRequest.objects.filter(pk=request.pk).update(state="responded")

    alerts.deadline_alerts_email()

    assert mail.outbox == []


# --- the managers' daily digest ----------------------------------------------------------------
def digests() -> list:
    return [m for m in mail.outbox if "overdue privacy requests" in m.subject or "件" in m.subject]


def test_managers_get_one_overdue_digest_a_day_while_requests_are_overdue(at, staff, manager):
    late = open_request(TODAY - dt.timedelta(days=2), assignee=staff)
    later = open_request(TODAY - dt.timedelta(days=1), assignee=staff)

    for hour in (9, 10, 11):
        at(2026, 11, 24, hour, 1)
        alerts.deadline_alerts_scan()
    to_managers = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(to_managers) == 1
    assert late.reference in to_managers[0].body and later.reference in to_managers[0].body

    at(2026, 11, 25, 0, 1)
    alerts.deadline_alerts_scan()
    assert len([m for m in mail.outbox if m.to == [manager.email]]) == 2


def test_the_digest_counts_the_overdue_rights_and_the_cases_they_belong_to(at, staff, manager):
    # Issue 13: a letter asking for disclosure and suspension of provision is one case.
    late = open_request(TODAY - dt.timedelta(days=2), assignee=staff)
    open_request(
        TODAY - dt.timedelta(days=2),
        assignee=staff,
        case=late.case,
        reference=f"{late.reference}-2",
        request_type="provision_stop",
    )
    open_request(TODAY - dt.timedelta(days=1), assignee=staff)
    alerts.deadline_alerts_scan()
    [digest] = [m for m in mail.outbox if m.to == [manager.email]]
    assert "Overdue requests: 3; cases they belong to: 2." in digest.body or (
        "期限超過の請求：3 件（受付案件 2 件）" in digest.body
    )


def test_the_digest_stops_once_the_request_is_answered(at, staff, manager):
    request = open_request(TODAY - dt.timedelta(days=1), assignee=staff)
    alerts.deadline_alerts_scan()
    DisclosureRequest.objects.filter(pk=request.pk).update(state="responded")

    at(2026, 11, 25, 9, 1)
    alerts.deadline_alerts_scan()

    assert len([m for m in mail.outbox if m.to == [manager.email]]) == 1


def test_a_digest_that_could_not_be_sent_is_sent_by_the_next_scan(at, staff, manager):
    open_request(TODAY - dt.timedelta(days=1), assignee=staff)
    real_send = locmem.EmailBackend.send_messages

    def fail_for_managers(backend, messages):
        if any(message.to == [manager.email] for message in messages):
            raise smtplib.SMTPServerDisconnected("down")
        return real_send(backend, messages)

    with mock.patch.object(locmem.EmailBackend, "send_messages", fail_for_managers):
        alerts.deadline_alerts_scan()
    alerts.deadline_alerts_scan()

    assert len([m for m in mail.outbox if m.to == [manager.email]]) == 1


# --- cost --------------------------------------------------------------------------------------
def test_the_scan_does_not_query_per_open_request_it_does_not_alert_on(
    at, staff, django_assert_max_num_queries
):
    for n in range(40):
        open_request(TODAY + dt.timedelta(days=10 + n), assignee=staff)  # not due soon
    for _ in range(5):
        request = open_request(TODAY + dt.timedelta(days=1), assignee=staff)
        DeadlineAlertFactory(request=request, level="due_soon", emailed_at=request.received_at)

    with django_assert_max_num_queries(4):
        result = alerts.deadline_alerts_scan()

    assert result.raised == 0


@pytest.mark.postgres
def test_the_scan_query_uses_the_partial_index_of_open_requests_by_due_date():
    query = alerts._requests_needing_alerts(TODAY)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny test tables would be scanned sequentially; ask what the planner can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # An index scan or a bitmap scan, depending on the statistics the earlier tests left.
    assert "request_open_due_idx" in plan
    assert "Seq Scan on requests_app_disclosurerequest" not in plan
    # Requests already alerted at their level drop out by an anti-join, not a filter per row.
    assert "Anti Join" in plan


def test_the_task_runs_the_scan_and_reports_what_it_did(at, staff):
    open_request(TODAY, assignee=staff)

    result = deadline_alerts_scan_task()

    assert result["raised"] == 1 and result["emailed"] == 1


# --- the admin home page -----------------------------------------------------------------------
def test_the_home_page_shows_the_users_open_alerts(at, client, staff, other_staff):
    mine = open_request(TODAY, assignee=staff)
    theirs = open_request(TODAY, assignee=other_staff)
    alerts.deadline_alerts_scan()
    client.force_login(staff)

    page = client.get(reverse("admin:index")).content.decode()

    assert mine.reference in page
    assert theirs.reference not in page
    assert 'id="deadline-alerts"' in page


def test_the_home_page_shows_only_the_highest_level_of_a_request(at, client, staff):
    request = open_request(TODAY, assignee=staff)
    at(2026, 11, 23, 9, 0)
    alerts.deadline_alerts_scan()
    at(2026, 11, 24, 9, 0)
    alerts.deadline_alerts_scan()
    client.force_login(staff)

    page = client.get(reverse("admin:index")).content.decode()

    assert page.count(request.reference) == 1
    assert 'po-alert-due_today"' in page


def test_an_alert_of_an_answered_request_leaves_the_home_page(at, client, staff):
    request = open_request(TODAY, assignee=staff)
    alerts.deadline_alerts_scan()
    DisclosureRequest.objects.filter(pk=request.pk).update(state="responded")
    client.force_login(staff)

    page = client.get(reverse("admin:index")).content.decode()

    assert request.reference not in page


def test_the_assignee_dismisses_an_alert(at, client, staff):
    request = open_request(TODAY, assignee=staff)
    alerts.deadline_alerts_scan()
    alert = request.alerts.get()
    client.force_login(staff)

    response = client.post(reverse("admin:requests_app_deadlinealert_dismiss", args=[alert.pk]))

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.dismissed_at is not None
    assert request.reference not in client.get(reverse("admin:index")).content.decode()


def test_someone_else_cannot_dismiss_my_alert(at, client, staff, other_staff):
    request = open_request(TODAY, assignee=staff)
    alerts.deadline_alerts_scan()
    alert = request.alerts.get()
    client.force_login(other_staff)

    response = client.post(reverse("admin:requests_app_deadlinealert_dismiss", args=[alert.pk]))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.dismissed_at is None


def test_managers_see_and_dismiss_alerts_of_unassigned_requests(at, client, manager):
    request = open_request(TODAY)
    alerts.deadline_alerts_scan()
    client.force_login(manager)

    assert request.reference in client.get(reverse("admin:index")).content.decode()
    alert = request.alerts.get()
    client.post(reverse("admin:requests_app_deadlinealert_dismiss", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.dismissed_at is not None


def test_the_home_page_alerts_cost_a_constant_number_of_queries(
    at, client, staff, django_assert_max_num_queries
):
    for n in range(15):
        open_request(TODAY - dt.timedelta(days=n % 3), assignee=staff)
    alerts.deadline_alerts_scan()
    client.force_login(staff)
    client.get(reverse("admin:index"))  # warm the session and permission caches

    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:index"))

    assert page.content.decode().count("po-alert-") == 15


def test_the_scan_button_queues_the_scan(client, staff):
    client.force_login(staff)

    with mock.patch.object(deadline_alerts_scan_task, "delay") as delay:
        response = client.post(reverse("admin:requests_app_deadlinealert_scan"), follow=True)

    delay.assert_called_once_with()
    assert str(alerts_admin_messages().SCAN_QUEUED) in response.content.decode()


def test_the_scan_button_runs_the_scan_here_when_the_queue_is_down(at, client, staff):
    request = open_request(TODAY, assignee=staff)
    client.force_login(staff)

    with mock.patch.object(deadline_alerts_scan_task, "delay", side_effect=BrokerError("down")):
        response = client.post(reverse("admin:requests_app_deadlinealert_scan"))

    assert response.status_code == 302
    assert levels(request) == ["due_today"]


def test_an_auditor_cannot_run_the_scan(client, auditor):
    client.force_login(auditor)

    with mock.patch.object(deadline_alerts_scan_task, "delay") as delay:
        response = client.post(reverse("admin:requests_app_deadlinealert_scan"))

    assert response.status_code == 403
    assert not delay.called


def alerts_admin_messages():
    from requests_app import admin_alerts

    return admin_alerts


def test_the_request_page_shows_its_alerts_and_letters(at, client, staff):
    from tests.factories import LetterFactory

    request = open_request(TODAY, assignee=staff)
    alerts.deadline_alerts_scan()
    letter = LetterFactory(request=request, status="generated", file="letters/x.pdf")
    client.force_login(staff)

    page = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
    ).content.decode()

    assert str(DeadlineAlert.Level.DUE_TODAY.label) in page
    assert reverse("admin:requests_app_letter_download", args=[letter.pk]) in page
