"""The compliance dashboard: every number against hand-built data, its links, its permissions,
and a query count that does not grow with the data."""

import re
from datetime import date, datetime, timedelta
from html import unescape
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from privacyoffice import dashboard as selectors
from privacyoffice.models import DashboardSummary
from privacyoffice.tasks import refresh_dashboard_summary
from privacyoffice.views import PERIOD_UNKNOWN
from tests.factories import (
    DisclosureRequestFactory,
    IdentityDocumentFactory,
    PoConsentFlagFactory,
    PoPurposeFactory,
    PoRecipientFactory,
    PoSuppressionFactory,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=TOKYO)
TODAY = NOW.date()
URL = "/admin/dashboard/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def linked_numbers(html: str, href_part: str) -> list[str]:
    """The texts of the links whose href contains href_part (what a user clicks)."""
    return [
        text.strip()
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', html)
        if href_part in unquote(unescape(href))
    ]


def linked_number(html: str, href_part: str) -> str:
    numbers = linked_numbers(html, href_part)
    assert numbers, f"no link containing {href_part!r}"
    return numbers[0]


# --- permissions --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_managers_see_the_dashboard(client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["title"] == "Compliance dashboard" or "ダッシュボード" in str(
        response.context["title"]
    )


@pytest.mark.django_db
def test_auditors_see_the_dashboard(client, auditor):
    client.force_login(auditor)
    assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_staff_are_refused_the_dashboard(client, staff):
    client.force_login(staff)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client, outsider):
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_the_admin_home_links_managers_to_the_dashboard(client, manager):
    client.force_login(manager)
    assert URL in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_the_admin_home_shows_staff_no_dashboard_link(client, staff):
    client.force_login(staff)
    assert URL not in client.get(reverse("admin:index")).content.decode()


# --- requests -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_open_requests_are_counted_per_state_and_link_to_the_filtered_list(client, manager):
    for state, n in [("inquiry", 2), ("form_sent", 1), ("verified", 3), ("closed", 4)]:
        DisclosureRequestFactory.create_batch(n, state=state)
    html = page(client, manager)
    assert linked_number(html, "state__exact=inquiry") == "2"
    assert linked_number(html, "state__exact=form_sent") == "1"
    assert linked_number(html, "state__exact=verified") == "3"
    assert linked_number(html, "state__exact=documents_received") == "0"
    assert linked_number(html, "state__in=") == "6"


@pytest.mark.django_db
def test_due_soon_counts_running_clocks_due_from_today_to_three_days_ahead(client, manager):
    for days in (0, 3):
        DisclosureRequestFactory(state="verified", due_date=TODAY + timedelta(days=days))
    DisclosureRequestFactory(state="verified", due_date=TODAY + timedelta(days=4))
    DisclosureRequestFactory(state="responded", due_date=TODAY + timedelta(days=1))
    html = page(client, manager)
    assert linked_number(html, "due=soon") == "2"


@pytest.mark.django_db
def test_overdue_counts_running_clocks_past_their_due_date(client, manager):
    DisclosureRequestFactory(state="documents_received", due_date=TODAY - timedelta(days=1))
    DisclosureRequestFactory(state="response_drafted", due_date=TODAY - timedelta(days=30))
    DisclosureRequestFactory(state="verified", due_date=TODAY)  # due today: not yet overdue
    DisclosureRequestFactory(state="closed", due_date=TODAY - timedelta(days=5))
    html = page(client, manager)
    assert linked_number(html, "due=overdue") == "2"


def _answered(*, days_ago: int, took: int, late_by: int = 0):
    """A request answered `days_ago` days ago, `took` days after its documents arrived."""
    responded = NOW - timedelta(days=days_ago)
    received_on = responded.date() - timedelta(days=took)
    return DisclosureRequestFactory(
        state="closed",
        received_at=responded - timedelta(days=took + 2),
        documents_received_on=received_on,
        due_date=responded.date() - timedelta(days=late_by),
        responded_at=responded,
    )


@pytest.mark.django_db
def test_on_time_rate_and_median_days_cover_the_last_30_days_by_default(client, manager):
    _answered(days_ago=1, took=10)
    _answered(days_ago=5, took=20, late_by=3)
    _answered(days_ago=29, took=5)
    _answered(days_ago=40, took=30, late_by=10)  # outside 30 days
    html = page(client, manager)
    since = (NOW.date() - timedelta(days=29)).isoformat()
    # On time: 2 of 3 answered in the period; median of 5, 10 and 20 days.
    assert linked_numbers(html, f"responded_at__gte={since}") == ["66.7%", "10"]


@pytest.mark.django_db
def test_choosing_90_days_widens_the_on_time_rate_and_median(client, manager):
    _answered(days_ago=1, took=10)
    _answered(days_ago=5, took=20, late_by=3)
    _answered(days_ago=29, took=5)
    _answered(days_ago=40, took=30, late_by=10)
    data = selectors.dashboard_get(period_days=90)
    assert (data.performance.on_time, data.performance.with_due_date) == (2, 4)
    assert data.performance.median_days == 15.0  # median of 5, 10, 20, 30
    html = page(client, manager, period="90")
    assert linked_number(html, "responded_at__gte=") == "50.0%"


@pytest.mark.django_db
def test_a_response_late_in_the_evening_counts_on_its_tokyo_day(client, manager):
    # 23:30 in Tokyo on the due date is 14:30 UTC the same day: on time.
    DisclosureRequestFactory(
        state="responded",
        documents_received_on=date(2026, 6, 1),
        due_date=date(2026, 6, 10),
        responded_at=datetime(2026, 6, 10, 23, 30, tzinfo=TOKYO),
    )
    performance = selectors.response_performance(today=TODAY, period_days=30)
    assert (performance.on_time, performance.median_days) == (1, 9.0)


@pytest.mark.django_db
def test_an_unknown_period_falls_back_to_30_days_with_a_message(client, manager):
    html = page(client, manager, period="7")
    assert str(PERIOD_UNKNOWN) in unescape(html)
    assert 'aria-current="true"' in html


@pytest.mark.django_db
def test_requests_per_month_by_type_cover_12_months_and_link_to_each_month(client, manager):
    DisclosureRequestFactory(request_type="disclosure", received_at=NOW - timedelta(days=1))
    DisclosureRequestFactory(request_type="disclosure", received_at=NOW - timedelta(days=2))
    DisclosureRequestFactory(
        request_type="erasure", received_at=datetime(2026, 5, 31, 23, 59, tzinfo=TOKYO)
    )
    DisclosureRequestFactory(
        request_type="erasure", received_at=datetime(2025, 7, 1, 0, 0, tzinfo=TOKYO)
    )
    DisclosureRequestFactory(
        request_type="erasure", received_at=datetime(2025, 6, 30, 23, 0, tzinfo=TOKYO)
    )
    months = selectors.requests_per_month(today=TODAY)
    assert months[0].start == date(2025, 7, 1)
    assert months[-1].start == date(2026, 6, 1)
    assert months[-1].counts["disclosure"] == 2
    assert months[-2].counts["erasure"] == 1
    assert months[0].counts["erasure"] == 1
    assert sum(m.total for m in months) == 4
    html = page(client, manager)
    assert "<svg" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script breaks the CSP"
    june = "received_at__gte=2026-06-01T00:00:00+09:00"
    assert (
        linked_number(
            html, f"{june}&received_at__lt=2026-07-01T00:00:00+09:00&request_type__exact=disclosure"
        )
        == "2"
    )


# --- consent, suppressions, agreements, documents -----------------------------------------------
@pytest.mark.django_db
def test_consent_rate_per_purpose_and_channel_counts_granted_over_all_flags(client, manager):
    purpose = PoPurposeFactory(code="po-mail", channels=["email", "post"])
    PoConsentFlagFactory.create_batch(3, purpose=purpose, channel="email", state="granted")
    PoConsentFlagFactory(purpose=purpose, channel="email", state="withdrawn")
    PoConsentFlagFactory(purpose=purpose, channel="post", state="withdrawn")
    refresh_dashboard_summary()
    html = page(client, manager)
    base = f"purpose__id__exact={purpose.pk}&channel__exact=email"
    assert linked_number(html, f"{base}&state__exact=granted") == "3"
    assert linked_number(html, f"{base}&state__exact=withdrawn") == "1"
    assert re.search(rf'href="[^"]*{re.escape(base)}"[^>]*>75\.0%<', unescape(html))
    post = f"purpose__id__exact={purpose.pk}&channel__exact=post"
    assert linked_number(html, f"{post}&state__exact=granted") == "0"


@pytest.mark.django_db
def test_suppressions_in_force_exclude_lifted_ones(client, manager):
    PoSuppressionFactory.create_batch(2)
    PoSuppressionFactory(recipient=PoRecipientFactory())
    PoSuppressionFactory(lifted_at=NOW - timedelta(days=1))
    refresh_dashboard_summary()
    html = page(client, manager)
    assert linked_number(html, "lifted_at__isnull=True") == "3"
    assert linked_number(html, "recipient__isnull=True") == "2"
    assert linked_number(html, "recipient__isnull=False") == "1"


@pytest.mark.django_db
def test_recipients_whose_agreement_ends_within_60_days_are_listed(client, manager):
    PoRecipientFactory(name="期限間近", agreement_end=TODAY + timedelta(days=60))
    PoRecipientFactory(name="今日まで", agreement_end=TODAY)
    PoRecipientFactory(name="先の話", agreement_end=TODAY + timedelta(days=61))
    PoRecipientFactory(name="終了済み", agreement_end=TODAY - timedelta(days=1))
    PoRecipientFactory(name="無効", agreement_end=TODAY + timedelta(days=10), active=False)
    html = page(client, manager)
    assert linked_number(html, "agreement_end__lte=2026-08-14") == "2"
    assert "期限間近" in html and "今日まで" in html
    assert "先の話" not in html and "終了済み" not in html and "無効" not in html


@pytest.mark.django_db
def test_identity_documents_await_purge_once_their_request_closed_long_enough_ago(
    client, manager, settings
):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    due = IdentityDocumentFactory(
        request__state="closed", request__closed_at=NOW - timedelta(days=31)
    )
    IdentityDocumentFactory(request=due.request)
    IdentityDocumentFactory(request__state="closed", request__closed_at=NOW - timedelta(days=29))
    IdentityDocumentFactory(
        request__state="closed",
        request__closed_at=NOW - timedelta(days=90),
        purged_at=NOW - timedelta(days=50),
    )
    IdentityDocumentFactory(request__state="verified")
    html = page(client, manager)
    assert linked_number(html, "purge=due") == "2"


@pytest.mark.django_db
def test_the_documents_awaiting_purge_link_lists_exactly_the_counted_documents(
    client, manager, settings
):
    """
    GIVEN documents of requests closed, withdrawn and lapsed over the purge period ago, and
          documents still inside the period, already purged or of an open request
    WHEN  the manager follows the dashboard's "awaiting purge" number
    THEN  the identity-document list opens (200) on exactly the documents counted
    """
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    long_ago = NOW - timedelta(days=31)
    due = [
        IdentityDocumentFactory(request__state=state, request__closed_at=long_ago)
        for state in ("closed", "withdrawn", "lapsed")
    ]
    IdentityDocumentFactory(request__state="closed", request__closed_at=NOW - timedelta(days=29))
    IdentityDocumentFactory(
        request__state="closed", request__closed_at=long_ago, purged_at=NOW - timedelta(days=1)
    )
    IdentityDocumentFactory(request__state="verified", request__closed_at=long_ago)
    html = page(client, manager)
    hrefs = [
        unescape(href)
        for href in re.findall(r'<a href="([^"]*)"', html)
        if "purge=due" in unquote(unescape(href))
    ]
    assert linked_number(html, "purge=due") == "3"
    response = client.get(hrefs[0])
    assert response.status_code == 200
    listed = {document.pk for document in response.context["cl"].result_list}
    assert listed == {document.pk for document in due}


# --- the summary refreshed by beat --------------------------------------------------------------
@pytest.mark.django_db
def test_the_beat_task_stores_the_consent_summary_with_its_time():
    refresh_dashboard_summary()
    summary = DashboardSummary.objects.get(key=selectors.SUMMARY_KEY)
    assert summary.computed_at == NOW
    assert "consent_rates" in summary.data


@pytest.mark.django_db
def test_a_summary_older_than_five_minutes_is_shown_as_stale(client, manager):
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        refresh_dashboard_summary()
    html = page(client, manager)
    assert "po-freshness po-stale" in html
    assert "(10 min ago)" in html or "10" in html


@pytest.mark.django_db
def test_a_fresh_summary_is_read_not_recomputed(client, manager):
    with time_machine.travel(NOW - timedelta(minutes=2), tick=False):
        refresh_dashboard_summary()
    PoSuppressionFactory()  # arrives after the summary: shown at the next refresh
    html = page(client, manager)
    assert "po-stale" not in html
    assert linked_number(html, "lifted_at__isnull=True") == "0"


@pytest.mark.django_db
def test_a_summary_far_too_old_is_recomputed_on_the_page(client, manager):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        refresh_dashboard_summary()
    PoSuppressionFactory()
    html = page(client, manager)
    assert linked_number(html, "lifted_at__isnull=True") == "1"
    assert DashboardSummary.objects.get().computed_at == NOW


@pytest.mark.django_db
def test_the_beat_task_stores_requests_per_month_and_documents_awaiting_purge(settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    DisclosureRequestFactory(request_type="correction", received_at=NOW - timedelta(days=1))
    IdentityDocumentFactory(request__state="closed", request__closed_at=NOW - timedelta(days=31))
    refresh_dashboard_summary()
    data = DashboardSummary.objects.get(key=selectors.SUMMARY_KEY).data
    assert [row["start"] for row in data["requests_per_month"]] == [
        start.isoformat() for start in selectors.month_starts(today=TODAY)
    ]
    assert data["requests_per_month"][-1]["counts"]["correction"] == 1
    assert data["documents_awaiting_purge"] == 1


@pytest.mark.django_db
def test_a_request_received_after_a_fresh_summary_is_charted_at_the_next_refresh(client, manager):
    """
    GIVEN a summary refreshed by beat 2 minutes ago
    WHEN  a request arrives and the manager opens the dashboard, then beat refreshes again
    THEN  the chart counts it only after the refresh, and says when its numbers were computed
    """
    with time_machine.travel(NOW - timedelta(minutes=2), tick=False):
        refresh_dashboard_summary()
    DisclosureRequestFactory(request_type="disclosure", received_at=NOW - timedelta(minutes=1))
    june = "received_at__gte=2026-06-01T00:00:00+09:00&received_at__lt=2026-07-01T00:00:00+09:00"
    disclosures = f"{june}&request_type__exact=disclosure"
    html = page(client, manager)
    assert linked_number(html, disclosures) == "0"
    assert html.count('<p class="po-freshness">') == 2  # the chart's and the consent rates'
    refresh_dashboard_summary()
    assert linked_number(page(client, manager), disclosures) == "1"


@pytest.mark.django_db
def test_documents_awaiting_purge_come_from_the_summary_with_its_time(client, manager, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    with time_machine.travel(NOW - timedelta(minutes=2), tick=False):
        refresh_dashboard_summary()
    IdentityDocumentFactory(request__state="closed", request__closed_at=NOW - timedelta(days=31))
    html = page(client, manager)
    assert linked_number(html, "purge=due") == "0"
    assert '<div class="po-card-note po-freshness">' in html
    refresh_dashboard_summary()
    assert linked_number(page(client, manager), "purge=due") == "1"


@pytest.mark.django_db
def test_a_summary_from_before_the_month_turned_is_not_charted(client, manager):
    """
    GIVEN a summary refreshed at 23:58 on 31 May (its 12 months end with May)
    WHEN  the dashboard opens at 00:01 on 1 June, before beat's next refresh
    THEN  the chart counts June's 12 months itself, June included, and shows no summary time
    """
    first_of_june = datetime(2026, 6, 1, 0, 1, tzinfo=TOKYO)
    with time_machine.travel(first_of_june - timedelta(minutes=3), tick=False):
        refresh_dashboard_summary()
    DisclosureRequestFactory(request_type="erasure", received_at=first_of_june)
    with time_machine.travel(first_of_june, tick=False):
        data = selectors.dashboard_get()
        html = page(client, manager)
    assert not data.months_from_summary
    assert [m.start for m in data.months][-1] == date(2026, 6, 1)
    assert data.months[-1].counts["erasure"] == 1
    assert html.count('<p class="po-freshness">') == 1  # the consent rates' only


# --- scale --------------------------------------------------------------------------------------
def _bulk_requests(count: int, start: int) -> None:
    from requests_app.models import DisclosureRequest, RequestCase

    states = ["inquiry", "verified", "documents_received", "closed", "responded"]
    types = ["disclosure", "erasure", "correction", "purpose_notice"]
    cases = RequestCase.objects.bulk_create(
        [RequestCase(reference=f"PR-BULK-{start + i:07d}") for i in range(count)]
    )
    DisclosureRequest.objects.bulk_create(
        [
            DisclosureRequest(
                reference=f"PR-BULK-{start + i:07d}",
                case=cases[i],
                request_type=types[i % len(types)],
                state=states[i % len(states)],
                requester_name="山田 太郎",
                received_at=NOW - timedelta(days=i % 400),
                documents_received_on=(NOW - timedelta(days=i % 400)).date(),
                due_date=(NOW - timedelta(days=i % 400 - 14)).date(),
                responded_at=NOW - timedelta(days=i % 400 - 10) if i % 5 >= 3 else None,
            )
            for i in range(count)
        ]
    )


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"period": "365"}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_page_makes_the_same_small_number_of_queries_for_10_or_1000_requests(
    client, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    refresh_dashboard_summary()
    _bulk_requests(10, start=0)
    small = _queries_for_page(client)
    _bulk_requests(990, start=10)
    with django_assert_max_num_queries(small):
        client.get(URL, {"period": "365"})
    # session, user, permissions (2), the dashboard's own 5 (6 on SQLite: its median; the month
    # counts and documents awaiting purge come with the summary), the incident and supervision
    # figures (3), session save (3)
    assert small <= 17


# --- a number and the list it links to ---------------------------------------------------------
REQUEST_LIST = reverse("admin:requests_app_disclosurerequest_changelist")


def _request_figure_links(html: str) -> list[tuple[str, int]]:
    """(href, number) of every whole-number figure that links to the request list."""
    return [
        (unescape(href), int(text.strip().replace(",", "")))
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', html)
        if unescape(href).startswith(REQUEST_LIST + "?") and text.strip().replace(",", "").isdigit()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        NOW,
        # 00:30 in Tokyo is still the previous day in UTC: the two must agree on Tokyo's day.
        datetime(2026, 6, 15, 0, 30, tzinfo=TOKYO),
        datetime(2026, 6, 15, 23, 59, tzinfo=TOKYO),
    ],
)
def test_every_request_figure_equals_the_count_of_the_list_it_links_to(client, manager, moment):
    # Every state, with due dates on each side of each boundary (overdue, due today, the last
    # day of "due soon", the day after it) and none.
    today = moment.date()
    for state in ("inquiry", "form_sent", "documents_received", "verified", "response_drafted",
                  "responded", "closed", "withdrawn", "lapsed"):  # fmt: skip
        for offset in (-30, -1, 0, 1, 3, 4, None):
            due = None if offset is None else today + timedelta(days=offset)
            DisclosureRequestFactory(state=state, due_date=due, received_at=moment)
    with time_machine.travel(moment, tick=False):
        client.force_login(manager)
        html = client.get(URL).content.decode()
        links = _request_figure_links(html)
        hrefs = {href.split("?", 1)[1].split("=", 1)[0] for href, _number in links}
        assert {"due", "state__exact", "state__in"} <= hrefs
        due_numbers = {href: number for href, number in links if "due=" in href}
        # The fixture's expected figures: 3 running-clock states × (-30, -1) and × (0, 1, 3).
        assert sorted(due_numbers.values()) == [6, 9]
        for href, number in links:
            listed = client.get(href)
            assert listed.status_code == 200, href
            assert listed.context["cl"].result_count == number, href
