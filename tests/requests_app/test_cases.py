"""Cases (issue 13): one case per letter from a person, a right per box ticked.

A request logged alone opens its case under the same reference; a right is added to an open case
or split off into its own, each written on the timeline with who and why; the case's due date is
the earliest of its open rights'; a letter's context carries the case and ticks every right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import services
from requests_app.cases import case_due_date, case_rights
from requests_app.letters.context import letter_context
from requests_app.models import DisclosureRequest, RequestCase, RequestComment
from requests_app.models import RequestState as S
from requests_app.services import cases
from tests.factories import PoLetterFactory

from .helpers import message, request_in

pytestmark = pytest.mark.django_db


def _open_case(staff):
    return services.request_create(
        by=staff,
        request_type="disclosure",
        requester_name="佐藤 花子",
        requester_address="東京都千代田区丸の内1-1-1",
        requester_email="hanako@example.jp",
    )


def test_a_request_logged_alone_opens_its_case_under_the_same_reference(staff):
    request = _open_case(staff)
    assert request.case.reference == request.reference
    assert list(case_rights(request.case)) == [request]


def test_a_right_added_to_an_open_case_takes_the_person_and_is_logged_with_who_and_why(staff):
    first = _open_case(staff)
    added = cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="provision_stop",
        reason="同じ書面で第三者提供の停止にもチェックがあった",
        legal_ground="rights_harm",
    )
    assert added.reference == f"{first.reference}-2"
    assert added.case_id == first.case_id
    assert (added.requester_name, added.requester_email) == ("佐藤 花子", "hanako@example.jp")
    assert added.state == S.INQUIRY
    assert [r.request_type for r in case_rights(first.case)] == ["disclosure", "provision_stop"]
    for right in (first, added):
        [comment] = RequestComment.objects.filter(request=right)
        assert comment.author == staff
        assert added.reference in comment.body
        assert "同じ書面で第三者提供の停止にもチェックがあった" in comment.body


def test_a_right_added_keeps_its_own_legal_rules(staff):
    first = _open_case(staff)
    with pytest.raises(ValidationError) as caught:
        # Art. 35(3): a suspension of provision states the person's legal ground.
        cases.case_add_right(case=first.case, by=staff, request_type="provision_stop", reason="x")
    assert "legal_ground" in caught.value.message_dict
    assert DisclosureRequest.objects.filter(case=first.case).count() == 1


def test_a_right_cannot_be_added_without_a_reason_or_by_an_auditor_or_to_an_ended_case(
    staff, auditor
):
    first = _open_case(staff)
    with pytest.raises(ValidationError) as caught:
        cases.case_add_right(case=first.case, by=staff, request_type="correction", reason=" ")
    assert message(cases.CASE_REASON_REQUIRED) in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        cases.case_add_right(case=first.case, by=auditor, request_type="correction", reason="x")
    assert caught.value.messages == [message(cases.CASE_CHANGE_FORBIDDEN)]
    closed = request_in(S.CLOSED)
    with pytest.raises(ValidationError) as caught:
        cases.case_add_right(case=closed.case, by=staff, request_type="correction", reason="x")
    assert caught.value.messages == [message(cases.CASE_NOT_OPEN)]
    assert DisclosureRequest.objects.count() == 2
    assert not RequestComment.objects.exists()


def test_a_right_split_off_gets_its_own_case_under_its_own_reference(staff):
    first = _open_case(staff)
    added = cases.case_add_right(
        case=first.case, by=staff, request_type="correction", reason="追記の書面"
    )
    new_case = cases.case_split_right(right=added, by=staff, reason="訂正の調査に延長が必要")
    added.refresh_from_db()
    assert new_case.reference == added.reference == f"{first.reference}-2"
    assert added.case == new_case
    assert list(case_rights(first.case)) == [first]
    assert [c.body for c in RequestComment.objects.filter(request=added).order_by("pk")][
        -1
    ].endswith("訂正の調査に延長が必要")
    # Its number is not given again to the next right added to the old case.
    again = cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="erasure",
        reason="再度",
        legal_ground="no_longer_needed",
    )
    assert again.reference == f"{first.reference}-3"


def test_the_first_right_and_an_only_right_are_not_split_off(staff):
    first = _open_case(staff)
    with pytest.raises(ValidationError) as caught:
        cases.case_split_right(right=first, by=staff, reason="x")
    assert caught.value.messages == [message(cases.SPLIT_ONLY_RIGHT)]
    cases.case_add_right(case=first.case, by=staff, request_type="correction", reason="x")
    with pytest.raises(ValidationError) as caught:
        cases.case_split_right(right=first, by=staff, reason="x")
    assert caught.value.messages == [message(cases.SPLIT_FIRST_RIGHT)]
    assert RequestCase.objects.count() == 1


def test_the_case_is_due_on_the_earliest_due_date_of_its_open_rights(staff):
    first = request_in(S.DOCUMENTS_RECEIVED)
    today = timezone.localdate()
    DisclosureRequest.objects.filter(pk=first.pk).update(due_date=today + timedelta(days=10))
    added = cases.case_add_right(case=first.case, by=staff, request_type="correction", reason="x")
    DisclosureRequest.objects.filter(pk=added.pk).update(
        state=S.DOCUMENTS_RECEIVED, due_date=today + timedelta(days=4)
    )
    assert case_due_date(first.case) == today + timedelta(days=4)
    DisclosureRequest.objects.filter(pk=added.pk).update(state=S.CLOSED)
    assert case_due_date(first.case) == today + timedelta(days=10)


def test_a_letter_of_a_two_right_case_ticks_both_boxes_and_lists_each_right(staff):
    first = _open_case(staff)
    cases.case_add_right(
        case=first.case,
        by=staff,
        request_type="provision_stop",
        reason="x",
        legal_ground="rights_harm",
    )
    letter = PoLetterFactory(request=first, kind="request_form", language="ja", status="queued")
    context = letter_context(letter=letter)
    ticked = [item["code"] for item in context["request_types"] if item["checked"]]
    assert ticked == ["disclosure", "provision_stop"]
    assert context["case"]["reference"] == first.reference
    assert [r["type_title"] for r in context["case"]["rights"]] == [
        "保有個人データの開示",
        "保有個人データの第三者への提供の停止",
    ]


def test_the_dashboard_counts_open_rights_and_the_cases_they_belong_to(client, staff, manager):
    from django.urls import reverse

    first = _open_case(staff)
    cases.case_add_right(case=first.case, by=staff, request_type="correction", reason="x")
    _open_case(staff)
    client.force_login(manager)
    html = client.get(reverse("admin:privacyoffice_dashboard")).content.decode()
    open_card = html.split("state__in=")[1].split("po-card-note")[1]
    assert "受付案件 2 件" in open_card or "in 2 cases" in open_card


@pytest.mark.parametrize("use_copy", [None, False])  # on PostgreSQL None is COPY
def test_the_register_has_a_row_per_right_with_its_case_appended(staff, use_copy):
    import csv
    import io

    from privacyoffice.reports.definitions import REPORTS
    from privacyoffice.reports.stream import CsvExport

    first = _open_case(staff)
    cases.case_add_right(case=first.case, by=staff, request_type="correction", reason="x")
    alone = _open_case(staff)
    report = REPORTS["request-register"]
    data = b"".join(CsvExport(report, date_from=None, date_to=None, use_copy=use_copy))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    got = sorted((r["reference"], r["case_reference"], r["case_rights"]) for r in rows)
    assert got == sorted(
        [
            (first.reference, first.reference, "2"),
            (f"{first.reference}-2", first.reference, "2"),
            (alone.reference, alone.reference, "1"),
        ]
    )
    # Appended: the earlier columns keep their places.
    assert [c.name for c in report.columns][-2:] == ["case_reference", "case_rights"]
    assert next(iter(rows[0])) == "reference"


# --- the request page: staff add and split rights through the admin (login form) -------------
def _login(client, user):
    from django.urls import reverse

    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302, response.content[:300]
    return client


def test_staff_add_a_right_and_split_it_off_on_the_request_page(client, staff):
    from django.urls import reverse

    first = _open_case(staff)
    _login(client, staff)
    page = client.get(reverse("admin:requests_app_disclosurerequest_change", args=[first.pk]))
    html = page.content.decode()
    add_url = reverse("admin:requests_app_disclosurerequest_case_add_right", args=[first.pk])
    assert add_url in html
    # Bad input: the Art. 35 ground is missing. A clear message, nothing changes.
    response = client.post(
        add_url, {"request_type": "provision_stop", "reason": "同じ書面の二つ目のチェック"}
    )
    assert response.status_code == 200
    assert DisclosureRequest.objects.count() == 1
    assert "errorlist" in response.content.decode()
    response = client.post(
        add_url,
        {
            "request_type": "provision_stop",
            "legal_ground": "rights_harm",
            "reason": "同じ書面の二つ目のチェック",
        },
    )
    added = DisclosureRequest.objects.get(reference=f"{first.reference}-2")
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("admin:requests_app_disclosurerequest_change", args=[added.pk])
    )
    html = client.get(response["Location"]).content.decode()
    assert first.reference in html and f"{first.reference}-2" in html  # the case line
    split_url = reverse("admin:requests_app_disclosurerequest_case_split", args=[added.pk])
    assert split_url in html
    response = client.post(split_url, {"reason": "提供停止のみ延長が必要"})
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.case.reference == added.reference
    # The first right carries the case's reference: no split button on its page.
    html = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[first.pk])
    ).content.decode()
    assert reverse("admin:requests_app_disclosurerequest_case_split", args=[first.pk]) not in html


def test_an_auditor_gets_no_case_buttons_and_is_refused_the_pages(client, staff, auditor):
    from django.urls import reverse

    first = _open_case(staff)
    _login(client, auditor)
    add_url = reverse("admin:requests_app_disclosurerequest_case_add_right", args=[first.pk])
    html = client.get(
        reverse("admin:requests_app_disclosurerequest_change", args=[first.pk])
    ).content.decode()
    assert add_url not in html
    assert client.get(add_url).status_code == 403
    response = client.post(add_url, {"request_type": "correction", "reason": "x"})
    assert response.status_code == 403
    assert DisclosureRequest.objects.count() == 1
