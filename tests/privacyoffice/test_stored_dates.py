"""Issue 20: rows stored before the date bounds existed never break a page.

A consent event recorded "0001-01-01" in Tokyo (BC in UTC: Python cannot even read it), one at
9999-12-31 23:00 (year 10000 once turned into Japan time), a request whose documents and fee
dates are BC or PostgreSQL's infinity: inserted here as the owner role (a DBA, or the rows an
older release let through), then every page that shows them is opened through the login form
as the role that reads them. The append-only event is never edited: it is read safely and
listed by `manage.py check_stored_dates`; the request's receipt is corrected on its own page.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from privacyoffice.stored_dates import implausible_stored_dates
from tests import factories as f

from .http import browser_for

pytestmark = [pytest.mark.security, pytest.mark.postgres]

EVENTS = "consent_app_consentevent"
REQUESTS = "requests_app_disclosurerequest"


def store_as_owner(sql: str, params: list) -> None:
    """What a row written before the bounds looks like: put there by the owner role."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def absurd_rows(transactional_db):
    customer = f.PoCustomerFactory()
    early, late, fine = f.PoConsentEventFactory.create_batch(3, customer=customer)
    # Consent events are append-only (their triggers refuse UPDATE): the DBA switches them off
    # for the test, as rows stored by an older release would simply be there.
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {EVENTS} DISABLE TRIGGER USER")
        cursor.execute(
            f"UPDATE {EVENTS} SET occurred_at = '0001-01-01 00:00:00+09:00' WHERE id = %s",
            [early.pk],
        )
        cursor.execute(
            f"UPDATE {EVENTS} SET occurred_at = '9999-12-31 23:00:00+00:00' WHERE id = %s",
            [late.pk],
        )
        cursor.execute(f"ALTER TABLE {EVENTS} ENABLE TRIGGER USER")
    request = f.DisclosureRequestFactory(customer=customer)
    store_as_owner(
        f"UPDATE {REQUESTS} SET documents_received_on = '0001-01-01 BC',"
        " fee_received_on = 'infinity', requester_date_of_birth = '0001-01-01' WHERE id = %s",
        [request.pk],
    )
    return {"customer": customer, "early": early, "late": late, "fine": fine, "request": request}


def test_the_pages_showing_absurd_stored_dates_answer(absurd_rows, live_server, staff, auditor):
    rows = absurd_rows
    customer, request = rows["customer"], rows["request"]
    pages = [
        reverse("admin:consent_app_consentevent_changelist"),
        reverse("admin:consent_app_consentevent_changelist") + f"?q={customer.number}",
        reverse("admin:consent_app_consentevent_change", args=[rows["early"].pk]),
        reverse("admin:consent_app_consentevent_change", args=[rows["late"].pk]),
        reverse("admin:consent_app_customer_change", args=[customer.pk]),
        reverse("admin:consent_app_customer_history", args=[customer.pk]),
        reverse("admin:requests_app_disclosurerequest_changelist") + "?queue=all",
        reverse("admin:requests_app_disclosurerequest_change", args=[request.pk]),
        reverse("admin:requests_app_disclosurerequest_history", args=[request.pk]),
        "/admin/dashboard/",
    ]
    # Staff work on every page but the dashboard (the managers' and auditors'); the auditor
    # reads the dashboard, the consent events and the requests. Never a 500.
    expected = {staff: set(pages) - {"/admin/dashboard/"}, auditor: {"/admin/dashboard/"}}
    for user in (staff, auditor):
        browser = browser_for(live_server.url, user)
        for page in pages:
            response = browser.get(page)
            assert response.status_code in (200, 403), (user.username, page, response.text[-800:])
            if page in expected[user]:
                assert response.status_code == 200, (user.username, page)
    staff_page = browser_for(live_server.url, staff).get(pages[7]).text
    assert request.reference in staff_page


def test_the_consent_ledger_export_reads_back_with_every_event(absurd_rows, live_server, auditor):
    browser = browser_for(live_server.url, auditor)
    response = browser.post(
        "/admin/reports/consent-ledger/",
        {"date_from": "", "date_to": "", "encoding": "cp932", "header": "codes"},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("cp932"), newline="")))
    ids = {int(r["event_id"]) for r in rows}
    assert {absurd_rows[k].pk for k in ("early", "late", "fine")} <= ids
    early = next(r for r in rows if int(r["event_id"]) == absurd_rows["early"].pk)
    assert early["occurred_at"]  # shown, not dropped


def test_the_command_lists_the_absurd_rows_by_id_and_fails(absurd_rows, capsys):
    found = {(p.table, p.column): p.ids for p in implausible_stored_dates()}
    events = sorted([absurd_rows["early"].pk, absurd_rows["late"].pk])
    assert found[(EVENTS, "occurred_at")] == events
    assert found[(REQUESTS, "documents_received_on")] == [absurd_rows["request"].pk]
    assert found[(REQUESTS, "fee_received_on")] == [absurd_rows["request"].pk]
    assert found[(REQUESTS, "requester_date_of_birth")] == [absurd_rows["request"].pk]
    with pytest.raises(CommandError):
        call_command("check_stored_dates")
    out = capsys.readouterr().out
    assert f"{EVENTS}.occurred_at: id " in out
    assert absurd_rows["customer"].family_name not in out  # ids only, never the person


def test_the_command_is_quiet_when_every_stored_date_is_plausible(transactional_db, capsys):
    f.PoConsentEventFactory()
    call_command("check_stored_dates")
    assert "No stored date outside the plausible range" in capsys.readouterr().out


def test_an_absurd_timestamp_is_read_as_the_nearest_one_python_can_show(absurd_rows):
    from consent_app.models import ConsentEvent

    early = ConsentEvent.objects.get(pk=absurd_rows["early"].pk)
    late = ConsentEvent.objects.get(pk=absurd_rows["late"].pk)
    assert early.occurred_at.year == 1 and late.occurred_at.year == 9999
    # The stored values are unchanged: the database still holds what was written.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT occurred_at::text FROM {EVENTS} WHERE id = %s", [absurd_rows["early"].pk]
        )
        assert cursor.fetchone()[0].endswith("BC")
