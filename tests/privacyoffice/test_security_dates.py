"""Dates that break pages (issue 20): a receipt of 0001-01-01 became PR-1-000001 with a BC
timestamp whose page, history and lists then answered 500 for everyone; 9999-12-31 gave a 500
on save; `?received_at__year=0` or `10000` a 500; a receipt in the future took next year's
numbering; dates of birth of 0001-01-01 or in the future were accepted.

Every date input is bounded (common.dates) with a message and nothing saved; a bad
date filter answers 400 with the range; the database refuses an implausible receipt whatever
the client; a row already broken is repaired by migration 0008 and its date corrected on the
request's own page.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from common import dates
from consent_app.models import Customer
from requests_app.models import DisclosureRequest, ReferenceCounter, RequestComment
from requests_app.models import RequestState as S
from requests_app.services import intake
from tests import factories as f
from tests.conftest import client_for
from tests.requests_app.helpers import request_in

from .http import browser_for

pytestmark = [pytest.mark.security, pytest.mark.django_db]

ADD_URL = "admin:requests_app_disclosurerequest_add"
ADD_FORM = {
    "request_type": "disclosure",
    "channel": "post",
    "received_at_1": "10:00:00",
    "requester_name": "山田 花子",
    "language": "ja",
    "agent_type": "",
    "disclosure_method_requested": "paper",
    "identity_documents-TOTAL_FORMS": "0",
    "identity_documents-INITIAL_FORMS": "0",
    "corrections-TOTAL_FORMS": "0",
    "corrections-INITIAL_FORMS": "0",
}


def ja(message, **params) -> str:
    with translation.override("ja"):
        return html.escape(str(message) % params if params else str(message), quote=False)


def range_message() -> str:
    with translation.override("ja"):
        return ja(dates.DATE_OUT_OF_RANGE, **dates._range_params())


def future_message() -> str:
    with translation.override("ja"):
        return ja(dates.DATE_IN_FUTURE, today=dates._shown(timezone.localdate()))


def add_request(client, **fields):
    return client.post(reverse(ADD_URL), {**ADD_FORM, **fields}, HTTP_ACCEPT_LANGUAGE="ja")


# --- inputs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_an_implausible_receipt_date_is_refused_with_the_range_and_nothing_is_created(
    client, staff, day
):
    response = add_request(client_for(client, staff), received_at_0=day)

    assert response.status_code == 200
    assert range_message() in response.content.decode()
    assert not DisclosureRequest.objects.exists()
    assert not ReferenceCounter.objects.exists()  # no number was taken, of any year


def test_a_receipt_in_the_future_is_refused_and_takes_no_number_of_next_year(client, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = add_request(client_for(client, staff), received_at_0=tomorrow.isoformat())

    assert response.status_code == 200
    assert future_message() in response.content.decode()
    assert not DisclosureRequest.objects.exists()
    assert not ReferenceCounter.objects.filter(year=timezone.localdate().year + 1).exists()


def test_the_service_refuses_a_future_receipt_too(staff):
    with pytest.raises(intake.ValidationError) as exc:
        intake.request_create(
            by=staff,
            request_type="disclosure",
            requester_name="山田 花子",
            received_at=timezone.now() + dt.timedelta(days=400),
        )
    assert "received_at" in exc.value.message_dict
    assert not ReferenceCounter.objects.exists()


def test_a_receipt_today_is_numbered_in_this_year(client, staff):
    response = add_request(
        client_for(client, staff), received_at_0=timezone.localdate().isoformat()
    )

    assert response.status_code == 302
    reference = DisclosureRequest.objects.get().reference
    assert reference.startswith(f"PR-{timezone.localdate().year}-")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("0001-01-01", lambda: ja(dates.BIRTH_TOO_EARLY, earliest=dates._shown(dates.EARLIEST))),
        (
            (dt.date.today() + dt.timedelta(days=2)).isoformat(),
            lambda: ja(dates.BIRTH_IN_FUTURE),
        ),
    ],
    ids=["year-1", "future"],
)
def test_an_implausible_date_of_birth_is_refused_on_a_request_and_on_a_customer(
    client, manager, day, expected
):
    client = client_for(client, manager)
    with translation.override("ja"):
        message = expected()

    response = add_request(
        client,
        received_at_0=timezone.localdate().isoformat(),
        requester_date_of_birth=day,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DisclosureRequest.objects.exists()

    customer = f.CustomerFactory(by=manager)
    response = client.post(
        reverse("admin:consent_app_customer_change", args=[customer.pk]),
        {
            "family_name": customer.family_name,
            "given_name": customer.given_name,
            "date_of_birth": day,
            "preferred_language": "ja",
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).date_of_birth == customer.date_of_birth


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_report_date_range_out_of_range_is_refused_with_a_message(client, manager, day):
    client = client_for(client, manager)
    url = reverse("admin:privacyoffice_report", kwargs={"slug": "request-register"})

    response = client.post(
        url,
        {"date_from": day, "encoding": "utf-8", "header": "codes"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 200
    assert range_message() in response.content.decode()


def test_an_extension_to_an_absurd_date_is_refused_with_a_message(client, manager):
    obj = request_in(S.DOCUMENTS_RECEIVED)
    client = client_for(client, manager)
    url = reverse("admin:requests_app_disclosurerequest_extend", args=[obj.pk])

    response = client.post(
        url,
        {"expected_state": obj.state, "new_due_date": "9999-12-31", "reason": "x"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 200
    assert range_message() in response.content.decode()
    assert DisclosureRequest.objects.get(pk=obj.pk).due_date == obj.due_date


# --- filters -----------------------------------------------------------------------------------
BAD_FILTERS = [
    {"received_at__year": "0"},
    {"received_at__year": "9999"},
    {"received_at__year": "10000"},
    {"received_at__year": "２０２６"},
    {"received_at__year": "2026", "received_at__month": "13"},
    {"received_at__year": "2026", "received_at__month": "2", "received_at__day": "0"},
    {"received_at__year": "-1"},
]


@pytest.mark.django_db(transaction=True)
def test_bad_date_filters_answer_400_with_the_range_for_every_role_over_http(
    live_server, staff, manager, auditor
):
    """GIVEN each role logged in through the login form WHEN they open the request list with a
    year of 0, 9999 or 10000 (or a month 13, a day 0) THEN 400 with the range, never a 500;
    a plausible year still filters."""
    request_in(S.INQUIRY)
    path = reverse("admin:requests_app_disclosurerequest_changelist")
    for user in (staff, manager, auditor):
        browser = browser_for(live_server.url, user)
        for query in BAD_FILTERS:
            response = browser.get(path, params={**query, "queue": "all"})
            assert response.status_code == 400, (user.username, query)
            assert "1900" in response.text and "2100" in response.text
        ok = browser.get(path, params={"received_at__year": timezone.localdate().year})
        assert ok.status_code == 200, user.username


@pytest.mark.parametrize(
    "query", [{"received_at__year": "1900"}, {"received_at__year": "2100"}, {"due_date__gte": "x"}]
)
def test_the_edges_of_the_range_and_other_bad_lookups_never_give_a_500(client, manager, query):
    response = client_for(client, manager).get(
        reverse("admin:requests_app_disclosurerequest_changelist"), query
    )
    assert response.status_code in (200, 302)


# --- the database, and a row already broken ------------------------------------------------------
@pytest.mark.postgres
def test_the_database_refuses_a_bc_receipt_from_any_client():
    obj = request_in(S.INQUIRY)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE requests_app_disclosurerequest SET received_at = '0001-01-01 BC' WHERE id = %s",
            [obj.pk],
        )


@pytest.mark.postgres
def test_a_request_stored_with_a_bc_receipt_is_repaired_and_its_date_corrected(client, staff):
    """GIVEN a request stored as PR-1-000001 with a BC receipt (before the constraint existed),
    whose page answers (read safely) WHEN migration 0008's repair runs THEN its page and the
    lists answer, and staff correct the receipt date on its page, the reason on its timeline."""
    obj = f.DisclosureRequestFactory(reference="PR-1-000001")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check may be pending
        cursor.execute(
            "ALTER TABLE requests_app_disclosurerequest "
            "DROP CONSTRAINT request_received_at_plausible"
        )
        cursor.execute(
            "UPDATE requests_app_disclosurerequest "
            "SET received_at = '0001-01-01 00:00:00+09:00' WHERE id = %s",
            [obj.pk],
        )
    client = client_for(client, staff)
    change = reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])
    # The 500 (the row could not be read) is gone even before the repair: a BC
    # timestamp is read as the earliest one Python can show (privacyoffice.stored_dates).
    assert client.get(change).status_code == 200

    migration = importlib.import_module("requests_app.migrations.0008_h20b_plausible_dates")
    migration.repair_implausible_receipts(apps, None)

    assert client.get(change).status_code == 200
    lists = reverse("admin:requests_app_disclosurerequest_changelist")
    assert obj.reference in client.get(lists, {"queue": "all"}).content.decode()
    correct = reverse("admin:requests_app_disclosurerequest_correct_receipt", args=[obj.pk])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        correct,
        {"received_at_0": yesterday.isoformat(), "received_at_1": "09:30:00", "reason": "誤入力"},
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert timezone.localtime(obj.received_at).date() == yesterday
    assert obj.reference == "PR-1-000001"  # printed on letters already: it stays
    comment = RequestComment.objects.get(request=obj)
    assert "誤入力" in comment.body and comment.author == staff


def test_a_receipt_correction_to_the_future_is_refused_and_changes_nothing(client, staff):
    obj = request_in(S.INQUIRY)
    correct = reverse("admin:requests_app_disclosurerequest_correct_receipt", args=[obj.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client_for(client, staff).post(
        correct,
        {"received_at_0": tomorrow.isoformat(), "received_at_1": "09:30:00", "reason": "x"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 200
    assert future_message() in response.content.decode()
    assert DisclosureRequest.objects.get(pk=obj.pk).received_at == obj.received_at
    assert not RequestComment.objects.filter(request=obj).exists()


def test_a_receipt_correction_needs_a_reason_and_an_auditor_may_not_make_it(client, staff, auditor):
    obj = request_in(S.INQUIRY)
    correct = reverse("admin:requests_app_disclosurerequest_correct_receipt", args=[obj.pk])
    today = timezone.localdate().isoformat()
    form = {"received_at_0": today, "received_at_1": "09:00:00", "reason": "  "}

    assert client_for(client, staff).post(correct, form).status_code == 200
    assert client_for(client, auditor).post(correct, {**form, "reason": "x"}).status_code == 403
    assert DisclosureRequest.objects.get(pk=obj.pk).received_at == obj.received_at
