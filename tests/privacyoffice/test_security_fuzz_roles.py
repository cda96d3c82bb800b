"""No 500 anywhere, as each role (issue 20): hypothesis walks every admin URL (the role walk's
list: every changelist, add and change form, history, custom view) and every admin action,
logged in as staff, manager and auditor, with hostile values in

- every changelist filter the page offers (its own parameter names, the date hierarchy's
  year/month/day), the search, ordering and paging parameters, and made-up ones;
- every field of every form the page shows (names read from the page itself, inline formsets'
  management fields included), posted back;
- every action, with hostile selections and extra fields.

Whatever comes in, the answer is a page or a refusal, never a 500 (the test client re-raises
what a view lets through); and a refused POST changes nothing: no row appears or disappears in
any table, and the page's object is unchanged.

Runtime stays bounded: FUZZ_EXAMPLES walks per role (default 2), each one request per URL; CI
runs the derandomized "ci" profile, so the examples are the same on every run.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories as f

from .test_roles_walk import (
    AUDITOR,
    MANAGER,
    STAFF,
    admin_actions,
    build_world,
    calls_for,
)
from .test_roles_walk import _logs_out as logs_out

pytestmark = [pytest.mark.security, pytest.mark.django_db]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

WALKS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2")),
    # No shrinking: one example is a whole walk, which already lists every problem it met
    # with its input; replaying walks to shrink would cost minutes for nothing.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "",
    " ",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "9999-99-99 99:99",
    "23:99:99",
    "../../etc/passwd",
    "\u202etxt.exe",
    "𠮷野家",
    "null",
    '{"a": [1, {"b": null}]}',
    "\r\n\r\n",
    '=HYPERLINK("http://x")',
    "A" * 5_000,
]
VALUE = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60), st.integers().map(str))
LIST_PARAMS = ["q", "o", "p", "e", "all", "_facets", "_popup", "_to_field", "queue", "due"]
_FIELD_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
_SKIP_FIELDS = {"csrfmiddlewaretoken"}


def _fingerprint_sql() -> str:
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if not model._meta.proxy and model._meta.managed
        }
    )
    counts = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)
    return f"SELECT {counts}"


def fingerprint() -> tuple[int, ...]:
    """Rows per table of every installed model (one query): a refused input leaves them all."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


def form_fields(html: str) -> list[str]:
    return sorted({name for name in _FIELD_NAME.findall(html) if name not in _SKIP_FIELDS})


def list_parameters(response) -> list[str]:
    """The filter parameters a changelist offers: its filters', the date hierarchy's."""
    cl = response.context.get("cl") if response.context else None
    if cl is None:
        return []
    names = set()
    for spec in cl.filter_specs:
        names.update(spec.expected_parameters())
    if cl.date_hierarchy:
        names.update(f"{cl.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


def _get_page(client, url: str):
    try:
        return client.get(url)
    except Exception:  # a plain GET failing is reported by the walk itself
        return None


class Walk:
    """One role's walk: collects every 500 (an exception through the test client) and every
    refused POST that changed something, with the input, instead of stopping at the first."""

    def __init__(self, client, world, role: str):
        self.client = client
        self.world = world
        self.role = role
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)
        log = os.environ.get("FUZZ_PROBLEM_LOG")  # to read a long walk's finds while it runs
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{self.role}: {text}\n")

    def request(self, method: str, url: str, data: dict):
        try:
            response = getattr(self.client, method)(url, data)
        except Exception as exc:  # the test client re-raises a view's exception: a 500
            self.problem(f"{method.upper()} {url} {data!r:.300}: {exc!r:.300}")
            return None
        if response.status_code >= 500:
            self.problem(f"{method.upper()} {url} {data!r:.300}: {response.status_code}")
        return response

    def post_refused_changes_nothing(self, url: str, data: dict, obj) -> None:
        before = fingerprint()
        obj = _as_stored(obj)  # a factory's float is the database's Decimal
        row = model_to_dict(obj) if obj is not None else None
        response = self.request("post", url, data)
        if response is None or response.status_code in (301, 302, 303):
            return  # accepted (or sent back with a message): nothing to compare
        if fingerprint() != before:
            self.problem(f"POST {url} {data!r:.300}: refused but rows changed")
        obj = _as_stored(obj)
        if row is not None and (obj is None or model_to_dict(obj) != row):
            self.problem(f"POST {url} {data!r:.300}: refused but the object changed")


def _as_stored(obj):
    if obj is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def _object_of(url: str, world) -> object | None:
    for obj in world.objects.values():
        meta = obj._meta
        if url.startswith(f"/admin/{meta.app_label}/{meta.model_name}/{quote(str(obj.pk))}/"):
            return obj
    return None


ROLES = [STAFF, MANAGER, AUDITOR]


@pytest.fixture
def personas(staff, manager, auditor, outsider, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {STAFF: staff, MANAGER: manager, AUDITOR: auditor, "outsider": outsider}


@pytest.fixture
def world(personas):
    return build_world(personas)


class _Rollback(Exception):
    pass


def each_example_from_the_same_world(run) -> None:
    """Run one example in a savepoint rolled back afterwards: every example (and hypothesis'
    replay of a failing one) starts from the same rows, so its draws are the same."""
    try:
        with transaction.atomic():
            run()
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.parametrize("role", ROLES)
@WALKS
@given(data=st.data())
def test_every_admin_url_and_form_as_each_role_never_gives_a_500(
    client, personas, world, role, data
):
    """GIVEN one real row of every model and the role logged in
    WHEN every admin URL is requested with hostile list parameters and every form on it is
    posted back with hostile values THEN no answer is a 500, and a refused POST changes
    nothing."""
    f.login_with_second_factor(client, personas[role])
    walk = Walk(client, world, role)
    each_example_from_the_same_world(lambda: _walk_urls(walk, world, role, data))
    assert not walk.problems, f"{role}:\n" + "\n".join(walk.problems)


def _walk_urls(walk: Walk, world, role: str, data) -> None:
    client = walk.client
    for call in calls_for(role, world):
        if logs_out(call.key):
            continue
        if call.method == "POST":  # a POST-only view (mark sent, retry, scan): its own fields
            keys = st.sampled_from(sorted(call.data) or ["x"]) | st.text(min_size=1, max_size=20)
            payload = data.draw(st.dictionaries(keys, VALUE, max_size=4), label=call.url)
            walk.post_refused_changes_nothing(call.url, payload, _object_of(call.url, world))
            continue
        page = _get_page(client, call.url)
        if page is not None and page.streaming:
            # A download: no form on it. Not close()d: closing a response sends
            # request_finished, which would close the test's database connection.
            continue
        if page is None or page.status_code != 200:
            walk.request("get", call.url, {})  # records the failure if it is one
            continue
        offered = list_parameters(page)
        if offered:
            keys = st.sampled_from(offered + LIST_PARAMS) | st.text(min_size=1, max_size=20)
            query = data.draw(st.dictionaries(keys, VALUE, max_size=4), label=call.url)
            walk.request("get", call.url, query)
        is_html = page.get("Content-Type", "").startswith("text/html")
        fields = form_fields(page.content.decode()) if is_html else []
        if fields and "/delete/" not in call.url:
            payload = data.draw(
                st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUE)),
                label=f"POST {call.url}",
            )
            walk.post_refused_changes_nothing(call.url, payload, _object_of(call.url, world))


@pytest.mark.parametrize("role", ROLES)
@WALKS
@given(data=st.data())
def test_every_admin_action_as_each_role_never_gives_a_500(client, personas, world, role, data):
    """GIVEN the role logged in WHEN every admin action is posted with hostile selections and
    extra fields THEN no answer is a 500."""
    f.login_with_second_factor(client, personas[role])
    walk = Walk(client, world, role)
    each_example_from_the_same_world(lambda: _walk_actions(walk, world, data))
    assert not walk.problems, f"{role}:\n" + "\n".join(walk.problems)


def _walk_actions(walk: Walk, world, data) -> None:
    extra = st.sampled_from(["apply", "post", "assignee", "reason", "index", "select_across"])
    for _key, label, name in admin_actions():
        model = next(m for m in admin.site._registry if m._meta.label == label)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        selected = data.draw(
            st.lists(st.one_of(st.just(str(world.objects[label].pk)), VALUE), max_size=3),
            label=f"{label}:{name} selection",
        )
        fields = data.draw(st.dictionaries(extra, VALUE, max_size=3), label=f"{label}:{name}")
        walk.request("post", url, {"action": name, "_selected_action": selected, **fields})


def test_every_admin_model_has_an_integer_key():
    """The site refuses an action's non-integer selection before Django's action handling
    (PrivacyOfficeAdminSite._refused_query); that holds only while every key is an integer."""
    for model in admin.site._registry:
        assert model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}, model


def test_an_action_with_a_selection_that_is_no_key_is_refused_with_a_message(client, manager):
    """Found by the fuzzing above: the letter, suppression and request actions answered 500."""
    from privacyoffice.admin_site import SELECTION_INVALID

    f.login_with_second_factor(client, manager)
    url = reverse("admin:requests_app_letter_changelist")
    before = fingerprint()

    response = client.post(url, {"action": "retry_failed", "_selected_action": ["1", "x"]})

    assert response.status_code == 400
    assert str(SELECTION_INVALID) in response.content.decode()
    assert fingerprint() == before
