"""Bad input at the admin: hypothesis throws hostile values at every add form, the request pages
and the transition endpoints. Whatever comes in, the answer is a page or a refusal, never a 500.

The test client re-raises any exception a view lets through, so an unhandled error fails the
example that caused it, and hypothesis shrinks it to the smallest such input.
"""

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f

pytestmark = [pytest.mark.security, pytest.mark.django_db]

FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' OR '1'='1' --",
        "9" * 400,
        "-1",
        "1e309",
        "NaN",
        "2026-02-30",
        "9999-99-99 99:99",
        "../../etc/passwd",
        "\u202etxt.exe",
        "ｱｲｳｴｵ",
        "𠮷野家",
        "null",
        "[]",
        '{"a": [1, {"b": null}]}',
        "\r\n\r\n",
        '=HYPERLINK("http://x")',
        "A" * 20_000,
    ]
)
VALUE = st.one_of(HOSTILE, st.text(max_size=200), st.integers().map(str))
VALUES = st.one_of(VALUE, st.lists(VALUE, max_size=3))


def _registered(label: str):
    return next(m for m in admin.site._registry if m._meta.label == label)


def _all_models() -> list[str]:
    return sorted(m._meta.label for m in admin.site._registry)


def _form_fields(model_admin, user, obj=None) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj)
    return sorted(form.base_fields)


@pytest.mark.parametrize("label", _all_models())
@FUZZ
@given(data=st.data())
def test_hostile_values_in_any_add_form_never_cause_a_server_error(client, superuser, label, data):
    model = _registered(label)
    model_admin = admin.site._registry[model]
    client.force_login(superuser)
    fields = _form_fields(model_admin, superuser)
    payload = data.draw(st.fixed_dictionaries(dict.fromkeys(fields, VALUES)))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    response = client.post(url, payload)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "label, build",
    [
        ("consent_app.Customer", lambda staff: f.CustomerFactory(by=staff)),
        ("requests_app.DisclosureRequest", lambda staff: f.DisclosureRequestFactory()),
        ("consent_app.Recipient", lambda staff: f.RecipientFactory()),
    ],
    ids=["customer", "request", "recipient"],
)
@FUZZ
@given(data=st.data())
def test_hostile_values_in_a_change_form_never_cause_a_server_error(
    client, superuser, label, build, data
):
    model = _registered(label)
    obj = build(superuser)
    client.force_login(superuser)
    fields = _form_fields(admin.site._registry[model], superuser, obj)
    payload = data.draw(st.fixed_dictionaries(dict.fromkeys(fields, VALUES)))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    assert client.post(url, payload).status_code < 500


@pytest.fixture
def open_request(staff):
    return f.DisclosureRequestFactory(state="inquiry")


TRANSITIONS = [
    "send_form",
    "receive_documents",
    "request_more_documents",
    "verify_identity",
    "draft_response",
    "send_back",
    "approve_and_send",
    "close",
    "withdraw",
    "lapse",
]
STATES = [
    "inquiry",
    "form_sent",
    "documents_received",
    "verified",
    "response_drafted",
    "responded",
    "closed",
    "withdrawn",
    "lapsed",
]


@FUZZ
@given(
    name=st.one_of(st.sampled_from(TRANSITIONS), st.text(min_size=1, max_size=40)),
    object_id=st.one_of(st.just(None), st.text(min_size=1, max_size=20)),
    payload=st.dictionaries(st.text(max_size=20), VALUES, max_size=6),
    method=st.sampled_from(["get", "post"]),
)
def test_any_transition_url_answers_without_a_server_error(
    client, manager, open_request, name, object_id, payload, method
):
    f.login_with_second_factor(client, manager)
    target = quote(object_id, safe="") if object_id is not None else open_request.pk
    url = f"/admin/requests_app/disclosurerequest/{target}/transition/{quote(name, safe='')}/"
    response = getattr(client, method)(url, payload)
    assert response.status_code < 500


@pytest.mark.parametrize("name", TRANSITIONS)
@FUZZ
@given(data=st.data())
def test_hostile_transition_forms_never_cause_a_server_error(client, manager, name, data):
    from requests_app.forms import TRANSITION_FORMS

    obj = f.DisclosureRequestFactory(state=data.draw(st.sampled_from(STATES)))
    f.login_with_second_factor(client, manager)
    fields = sorted(TRANSITION_FORMS[name].base_fields)
    payload = data.draw(st.fixed_dictionaries(dict.fromkeys(fields, VALUES)))
    if data.draw(st.booleans()):
        payload["expected_state"] = obj.state  # get past the concurrency check now and then
    url = reverse("admin:requests_app_disclosurerequest_transition", args=[obj.pk, name])
    assert client.post(url, payload).status_code < 500


@pytest.mark.parametrize("page", ["upload", "comment", "extend"])
@FUZZ
@given(
    payload=st.dictionaries(
        st.sampled_from(
            [
                "document_type",
                "for_agent",
                "file",
                "body",
                "new_due_date",
                "reason",
                "expected_state",
            ]
        ),
        VALUES,
        max_size=7,
    )
)
def test_hostile_posts_to_the_request_pages_never_cause_a_server_error(
    client, manager, open_request, page, payload
):
    f.login_with_second_factor(client, manager)
    url = reverse(f"admin:requests_app_disclosurerequest_{page}", args=[open_request.pk])
    assert client.post(url, payload).status_code < 500


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["q", "o", "p", "state__exact", "all", "e", "_popup", "_to_field"]),
        VALUE,
        max_size=4,
    ),
    label=st.sampled_from(["consent_app.Customer", "requests_app.DisclosureRequest"]),
)
def test_hostile_changelist_searches_and_filters_never_cause_a_server_error(
    client, manager, label, query
):
    model = _registered(label)
    f.login_with_second_factor(client, manager)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url, query).status_code < 500


def test_an_invalid_crontab_is_refused_with_a_message_not_a_server_error(client, superuser):
    """Found by the fuzzing above: django-celery-beat's page crashed on month "-1"."""
    from privacyoffice.admin_hardening import INVALID_CRONTAB_FIELD

    client.force_login(superuser)
    url = reverse("admin:django_celery_beat_crontabschedule_add")
    fields = {"minute": "0", "hour": "3", "day_of_week": "*", "day_of_month": "*"}
    response = client.post(url, {**fields, "month_of_year": "-1", "timezone": "Asia/Tokyo"})
    assert response.status_code == 200
    assert str(INVALID_CRONTAB_FIELD % {"value": "-1"}) in response.content.decode()


@pytest.mark.parametrize("query", [{"state__exact": "\x00"}, {"q": "a\x00"}, {"\x00": "1"}])
def test_a_nul_character_in_a_changelist_query_is_refused_not_a_server_error(
    client, manager, query
):
    """Found by the fuzzing above: PostgreSQL text cannot hold NUL, the filter raised a 500."""
    from privacyoffice.security import NUL_IN_QUERY

    f.login_with_second_factor(client, manager)
    response = client.get(reverse("admin:requests_app_disclosurerequest_changelist"), query)
    assert response.status_code == 400
    assert str(NUL_IN_QUERY) in response.content.decode()
