"""The transition log's admin list in Japanese: translated titles, state labels, references."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from tests.conftest import client_for
from tests.factories import DisclosureRequestFactory, PoStateLogFactory

LIST_URL = "admin:django_fsm_log_statelog_changelist"


def get_list(client, user, **params):
    return client_for(client, user).get(reverse(LIST_URL), params, HTTP_ACCEPT_LANGUAGE="ja")


def test_the_list_shows_japanese_titles_state_labels_and_the_reference(db, client, staff):
    request = DisclosureRequestFactory(reference="PR-2026-000123")
    PoStateLogFactory(content_object=request, by=staff, description="書類を送付")

    response = get_list(client, staff)

    assert response.status_code == 200
    html = response.content.decode()
    for label in ("日時", "請求", "手続", "変更前の状態", "変更後の状態", "実施者", "コメント"):
        assert label in html
    assert "Target state" not in html
    assert ">transition<" not in html.replace(" ", "").lower()
    # the transition's button label and the states' labels, not their codes
    assert "請求書を送付" in html
    assert "問合せ受付" in html
    assert "請求書送付済み" in html
    assert ">form_sent<" not in html
    assert ">send_form<" not in html
    # the reference, linking to the request
    url = reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
    assert f'<a href="{escape(url)}">PR-2026-000123</a>' in html
    assert "書類を送付" in html


def test_the_target_state_and_step_filters_are_translated_and_filter(db, client, staff):
    PoStateLogFactory(content_object=DisclosureRequestFactory(reference="PR-2026-000201"))
    PoStateLogFactory(
        content_object=DisclosureRequestFactory(reference="PR-2026-000202"),
        source_state="form_sent",
        state="withdrawn",
        transition="withdraw",
    )

    response = get_list(client, staff, state="withdrawn")
    html = response.content.decode()

    assert response.status_code == 200
    assert "PR-2026-000202" in html
    assert "PR-2026-000201" not in html
    assert "撤回" in html

    by_step = get_list(client, staff, transition="send_form").content.decode()
    assert "PR-2026-000201" in by_step
    assert "PR-2026-000202" not in by_step


def test_the_log_stays_read_only(db, client, superuser):
    log = PoStateLogFactory()
    browser = client_for(client, superuser)

    add = browser.get(reverse("admin:django_fsm_log_statelog_add"))
    change = browser.post(reverse("admin:django_fsm_log_statelog_change", args=[log.pk]), {})
    view = browser.get(reverse("admin:django_fsm_log_statelog_change", args=[log.pk]))

    assert add.status_code == 403
    assert change.status_code == 403
    assert view.status_code == 200
    assert log.content_object.reference in view.content.decode()


def test_the_query_count_does_not_grow_with_the_rows(
    db, client, staff, django_assert_max_num_queries
):
    browser = client_for(client, staff)
    browser.get(reverse(LIST_URL))  # warm the session and the content type cache
    counts = []
    for rows in (5, 30):
        PoStateLogFactory.create_batch(rows - StateLog.objects.count(), by=staff)
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(12):
            response = browser.get(reverse(LIST_URL), HTTP_ACCEPT_LANGUAGE="ja")
        assert response.status_code == 200
        assert response.content.decode().count('/change/">PR-2026-') == rows
        counts.append(len(queries))

    assert counts[0] == counts[1]
