"""The customer list pages by customer number (seek pagination): every customer reachable."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consent_app import admin_keyset
from consent_app.admin_customers import CustomerAdmin
from privacyoffice.admin_site import SEARCH_TOO_LONG
from tests.conftest import client_for
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:consent_app_customer_changelist")
PER_PAGE = 3


@pytest.fixture
def seven_customers(staff, monkeypatch):
    monkeypatch.setattr(CustomerAdmin, "list_per_page", PER_PAGE)
    return [
        CustomerFactory(by=staff, number=f"C{i:04d}", family_name="中島" if i % 2 else "山田")
        for i in range(1, 8)
    ]


def numbers(response) -> list[str]:
    return [c.number for c in response.context["cl"].result_list]


def link(response, name: str) -> str | None:
    # The link as the page shows it (the user's path), not as the changelist computed it.
    match = re.search(rf'href="([^"]*)" class="keyset-{name}"', response.content.decode())
    return match and match.group(1).replace("&amp;", "&")


def test_following_next_reaches_every_customer_once_in_number_order(client, staff, seven_customers):
    browser = client_for(client, staff)
    seen, url = [], CHANGELIST
    while url:
        response = browser.get(CHANGELIST + url if url.startswith("?") else url)
        seen += numbers(response)
        url = link(response, "next")
    assert seen == [c.number for c in seven_customers]


def test_the_last_page_shows_the_last_customers_and_previous_goes_back(
    client, staff, seven_customers
):
    browser = client_for(client, staff)
    first = browser.get(CHANGELIST)
    last = browser.get(CHANGELIST + link(first, "last"))
    assert numbers(last) == ["C0005", "C0006", "C0007"]
    assert link(last, "next") is None and link(last, "last") is None
    before = browser.get(CHANGELIST + link(last, "previous"))
    assert numbers(before) == ["C0002", "C0003", "C0004"]
    assert numbers(browser.get(CHANGELIST + link(before, "first"))) == ["C0001", "C0002", "C0003"]


def test_a_search_pages_by_number_too_and_a_new_search_starts_on_page_one(
    client, staff, seven_customers
):
    browser = client_for(client, staff)
    page = browser.get(CHANGELIST, {"q": "中島"})
    assert numbers(page) == ["C0001", "C0003", "C0005"]
    following = browser.get(CHANGELIST + link(page, "next"))
    assert numbers(following) == ["C0007"]
    body = following.content.decode()
    # The search box does not carry the position on: a new search starts from the first page.
    assert 'name="after"' not in body


def test_a_search_is_counted_only_up_to_the_bound(client, staff, seven_customers, monkeypatch):
    # GIVEN more matches than the bound WHEN searched THEN the count says "N or more": it never
    # counts every match of a one-character search over a million customers.
    monkeypatch.setattr(admin_keyset, "COUNT_BOUND", 2)
    response = client_for(client, staff).get(CHANGELIST, {"q": "中"})
    assert response.context["cl"].count_label == str(admin_keyset.COUNT_AT_LEAST % {"count": 2})
    assert response.context["cl"].count_label in response.content.decode()


def test_a_small_search_is_counted_exactly(client, staff, seven_customers):
    response = client_for(client, staff).get(CHANGELIST, {"q": "山田"})
    assert response.context["cl"].result_count == 3
    assert numbers(response) == ["C0002", "C0004", "C0006"]


def test_a_made_up_position_shows_an_empty_page_not_an_error(client, staff, seven_customers):
    response = client_for(client, staff).get(CHANGELIST, {"after": "ZZZ'; --"})
    assert response.status_code == 200 and numbers(response) == []


def test_sorted_by_another_column_the_list_keeps_numbered_pages(client, staff, seven_customers):
    response = client_for(client, staff).get(CHANGELIST, {"o": "2", "p": "2"})
    assert response.status_code == 200
    assert response.context["cl"].keyset is None and len(numbers(response)) == PER_PAGE


def test_a_deep_page_costs_the_same_queries_as_the_first(
    client, staff, seven_customers, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = client_for(client, staff)
    browser.get(CHANGELIST)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as first:
        browser.get(CHANGELIST)
    with django_assert_max_num_queries(len(first.captured_queries)):
        browser.get(CHANGELIST, {"after": "C0004"})
    with django_assert_max_num_queries(len(first.captured_queries)):
        browser.get(CHANGELIST, {"last": "1"})


@pytest.mark.parametrize(
    "term",
    [
        "%",
        "_",
        "|",
        "%%",
        "\\",
        "'",
        "あ" * settings.SEARCH_MAX_LENGTH,
        "あ" * 3000,
        "+" * 300,
        "〒",
    ],
)
def test_a_hostile_search_term_answers_a_page_not_an_error(client, staff, seven_customers, term):
    # GIVEN LIKE wildcards, the kanji/reading separator, quotes, and very long input typed in
    # the search box WHEN searched THEN the list answers (and a wildcard matches nobody); a
    # term longer than the site accepts answers the site's clear 400 page saying so, not a 500.
    response = client_for(client, staff).get(CHANGELIST, {"q": term})
    if len(term) > settings.SEARCH_MAX_LENGTH:
        assert response.status_code == 400
        with translation.override(response.wsgi_request.LANGUAGE_CODE):
            expected = str(SEARCH_TOO_LONG) % {"max": settings.SEARCH_MAX_LENGTH}
        assert html.escape(expected, quote=False) in response.content.decode()
        return
    assert response.status_code == 200
    if term in ("%", "_", "|", "%%"):
        assert numbers(response) == []


def test_a_row_link_of_a_search_carries_the_search_back(client, staff, seven_customers):
    # GIVEN a search WHEN the list renders THEN each row links to its page with the search kept
    # for "back to the list", exactly as Django's add_preserved_filters writes it.
    from urllib.parse import urlencode

    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters

    from consent_app.models import Customer

    response = client_for(client, staff).get(CHANGELIST, {"q": "中島"})
    first = response.context["cl"].result_list[0]
    djangos = add_preserved_filters(
        {
            "preserved_filters": urlencode({"_changelist_filters": urlencode({"q": "中島"})}),
            "opts": Customer._meta,
        },
        reverse("admin:consent_app_customer_change", args=[first.pk]),
    )
    assert f'href="{djangos}"' in response.content.decode()
