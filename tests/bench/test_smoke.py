"""The benchmark at tiny scale: it loads, measures every figure and writes results.json.

`make bench` is not part of `make test`; this smoke run is, so the loader and the figures keep up
with the models and features they measure (a new required field, a renamed service, an admin
that stops rendering): any figure that raises fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import models

from bench import figures
from bench.harness import missing
from bench.loader import NULL, LoadContext, _fallback, load
from bench.scales import SCALES
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.bench, pytest.mark.postgres]

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def bench_database_url():
    """A database of this test's own (the bench drops and re-creates it), dropped afterwards."""
    import psycopg
    from psycopg import sql

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        # Module-scoped fixtures run before the autouse marker check: skip here as it would.
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    server = f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    name = f"test_bench_smoke_{os.getpid()}"
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def tiny_results(bench_database_url, tmp_path_factory):
    """`python -m bench --scale tiny` run as `make bench SCALE=tiny` runs it; its results.json.

    Run once for the module: the assertions below read the same run.
    """
    output = tmp_path_factory.mktemp("bench") / "results.json"
    env = dict(os.environ, DATABASE_URL=bench_database_url, PYTHONPATH=PROJECT_ROOT)
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "tiny", "--output", str(output)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(output.read_text(encoding="utf-8")), completed.stdout


def test_the_tiny_bench_reports_every_figure_without_an_error(tiny_results):
    """GIVEN the tiny scale WHEN the bench runs THEN no figure raised (missing is allowed)."""
    results, _stdout = tiny_results
    errors = {k: v["note"] for k, v in results.items() if v["status"] == "error"}
    assert errors == {}


def test_the_results_have_the_required_shape(tiny_results):
    results, _stdout = tiny_results
    for name, row in results.items():
        assert {"value", "unit", "target", "ok"} <= row.keys(), name
        assert row["ok"] in (True, False, None), name


def test_a_missing_figure_is_never_ok(tiny_results):
    results, _stdout = tiny_results
    for name, row in results.items():
        if row["status"] == "missing":
            assert row["ok"] is False and row["value"] is None, name


def test_every_figure_of_the_issue_has_a_row(tiny_results):
    results, _stdout = tiny_results
    prefixes = {name.split(".")[0] for name in results}
    expected = {
        "customer_changelist",
        "customer_search_kana",
        "customer_search_phone",
        "customer_search_email",
        "request_changelist_overdue",
        "request_change_page",
        "dashboard",
        "marketing_list_job",
        "ledger_export_job",
        "import_export",
        "deadline_scan",
        "provision_batch",
        "letter_render",
        "customer_import",
        "customer_import_job",
        "load",
        "total",
    }
    assert expected <= prefixes


ISSUE_14_KEYS = (
    "customer_search_1char.time",
    "customer_search_2kanji.time",
    "customer_search_nomatch_2char.time",
    "customer_search_variant.time",
    "customer_search_postal.time",
    "customer_search_phone_intl.time",
    "request_changelist_sorted_due.time",
    "customer_changelist_deep.time",
    "request_change_page.time",
    "request_changelist_overdue.time",
    "concurrency.request_changelist.rps",
    "stock_admin.customer_search_2kanji.ratio",
)


def test_every_figure_of_issue_14_is_measured_over_http_under_its_key(tiny_results):
    results, _stdout = tiny_results
    assert {k: results.get(k, {}).get("status") for k in ISSUE_14_KEYS} == dict.fromkeys(
        ISSUE_14_KEYS, "measured"
    )
    # Each page figure carries its test-client breakdown, with the searches' plans.
    for key in ISSUE_14_KEYS[:10]:
        assert "queries" in results[key]["breakdown"], key
    assert "import_export.ratio" not in results


def test_the_bench_prints_the_table(tiny_results):
    _results, stdout = tiny_results
    assert "| figure | value (median) |" in stdout


def test_the_bench_refuses_a_database_without_bench_in_its_name():
    env = dict(
        os.environ,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/privacyoffice",
        PYTHONPATH=PROJECT_ROOT,
    )
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "tiny"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert "refusing" in completed.stderr


@pytest.mark.django_db
def test_the_loaded_consent_flags_replay_from_the_ledger():
    """GIVEN a tiny load WHEN the ledger is replayed THEN every flag is what it implies."""
    from consent_app.models import ConsentFlag, Customer
    from consent_app.selectors import consent_replay

    load(SCALES["tiny"])
    for customer in Customer.objects.order_by("pk")[:50]:
        flags = {
            (f.purpose_id, f.channel): f.state
            for f in ConsentFlag.objects.filter(customer=customer)
        }
        assert flags == consent_replay(customer=customer)


@pytest.mark.django_db
def test_the_load_holds_every_request_state_with_a_fifth_open():
    from requests_app.models import OPEN_STATES, DisclosureRequest, RequestState

    load(SCALES["tiny"])
    states = set(DisclosureRequest.objects.values_list("state", flat=True))
    assert states == set(RequestState.values)
    open_count = DisclosureRequest.objects.filter(state__in=OPEN_STATES).count()
    assert open_count == SCALES["tiny"].open_requests


@pytest.mark.django_db
def test_the_searched_customer_exists_with_the_normalised_columns():
    from consent_app.models import Customer

    load(SCALES["tiny"])
    terms = figures.search_terms(SCALES["tiny"])
    _term, number = terms["phone"]
    customer = Customer.objects.get(number=number)
    assert customer.erased_at is None
    # E.164, as consent_app.normalize writes it: 03-8643-9418 → +81386439418.
    digits = "".join(ch for ch in customer.phone if ch.isdigit())
    assert customer.search_phone == "+81" + digits[1:]
    assert "|" in customer.search_name


def test_a_field_the_loader_does_not_know_gets_a_value_by_its_type():
    ctx = LoadContext(scale=SCALES["tiny"], now=None, today=None)  # type: ignore[arg-type]
    unique = models.CharField(max_length=10, unique=True)
    unique.set_attributes_from_name("code")
    nullable = models.CharField(max_length=10, null=True)
    nullable.set_attributes_from_name("extra")
    flag = models.BooleanField(default=True)
    flag.set_attributes_from_name("flag")
    assert _fallback(unique, ctx)(41) == "code41"
    assert _fallback(nullable, ctx) == NULL
    assert _fallback(flag, ctx) == "t"


def test_a_required_foreign_key_the_loader_cannot_fill_is_a_clear_error():
    ctx = LoadContext(scale=SCALES["tiny"], now=None, today=None)  # type: ignore[arg-type]
    from consent_app.models import ConsentEvent

    with pytest.raises(LookupError, match=r"ConsentEvent\.customer"):
        _fallback(ConsentEvent._meta.get_field("customer"), ctx)


def test_a_missing_result_is_not_ok_and_has_no_value():
    row = missing("x.time", "ms", "<= 1", "not built")
    assert row.as_json()["ok"] is False
    assert row.as_json()["value"] is None


def test_the_bench_database_url_names_its_own_database(bench_database_url):
    assert urlparse(bench_database_url).path.startswith("/test_bench_smoke_")


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_loaded_ledgers_verify():
    """GIVEN a tiny load (as whatever role runs the tests) WHEN the chains are recomputed THEN
    every ledger verifies: the rows COPY wrote are chained."""
    from privacyoffice.ledgers.verify import ledgers_verify

    load(SCALES["tiny"])
    checks, digest_problems = ledgers_verify()
    assert [c.problems for c in checks if not c.ok] == []
    assert digest_problems == []
    consent = next(c for c in checks if c.table == "consent_app_consentevent")
    assert consent.rows == SCALES["tiny"].consent_events
