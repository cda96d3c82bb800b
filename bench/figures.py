"""The figures of issue 8, each measured through the project's own code path.

Admin pages go through Django's test client (the whole middleware stack, as a browser's request
would); services, tasks and exports are called as the admin or the worker calls them. Whatever
a figure writes is rolled back (or deleted) afterwards, so every run sees the same data.

A figure whose feature cannot be found is reported as missing, with the reason; a figure that
raises is reported as an error with the exception: one broken feature never hides the others.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from . import figures_broker, figures_jobs, figures_provision
from . import generators as gen
from .figures_http import explain_selects_on, http_pages
from .harness import Result, Stats, failed, missing, run_child, timed
from .incident_figures import incident_notices, incident_snapshot
from .loader import BENCH_USERNAME
from .scales import Scale

CUSTOMER_TABLE = "consent_app_customer"


class Rollback(Exception):
    """Raised to undo what a measured run wrote."""


@contextmanager
def rolled_back() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def current_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _mogrify(sql: str, params: Any) -> str:
    """The statement with its parameters bound, as psql needs it."""
    from psycopg import ClientCursor

    connection.ensure_connection()
    return ClientCursor(connection.connection).mogrify(sql, params)


def psql_copy(select_sql: str, path: Path) -> tuple[float, int]:
    """psql's `\\copy (SELECT …) TO file` (the reference): seconds and rows."""
    one_line = " ".join(select_sql.split())
    command = f"\\copy ({one_line}) TO '{path}' WITH (FORMAT csv)"
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - psql with our own statement, no shell
        ["psql", current_database_url(), "-X", "-v", "ON_ERROR_STOP=1", "-c", command],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    match = re.search(r"COPY (\d+)", completed.stdout)
    return seconds, int(match.group(1)) if match else -1


def bench_user():
    return get_user_model().objects.get(username=BENCH_USERNAME)


def admin_client() -> Client:
    client = Client()
    client.force_login(bench_user())
    return client


def _get_ok(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return response


def measure_page(
    client: Client, url: str, runs: int
) -> tuple[Stats, int, Any, list[dict[str, str]]]:
    """Server time of GET url through the test client, its query count and the queries.

    The CPU time of this process per request is kept too (`LAST_PAGE_CPU_MS`): on a shared,
    loaded machine the wall time mostly measures waiting for a core.
    """
    cpu: list[float] = []

    def get() -> None:
        started = time.process_time()
        _get_ok(client, url)
        cpu.append(time.process_time() - started)

    stats = timed(get, runs)
    LAST_PAGE_CPU_MS[url] = round(Stats(cpu[-runs:]).median * 1000, 1)
    with CaptureQueriesContext(connection) as queries:
        response = _get_ok(client, url)
    return stats, len(queries.captured_queries), response, queries.captured_queries


LAST_PAGE_CPU_MS: dict[str, float] = {}


def page_extra(url: str, captured: list[dict[str, str]]) -> dict[str, Any]:
    return {"process_cpu_ms": LAST_PAGE_CPU_MS.get(url), "db_ms": db_ms(captured)}


def db_ms(queries: list[dict[str, str]]) -> float:
    """Time the database took for the captured queries (as Django timed them), in ms."""
    return round(sum(float(q["time"]) for q in queries) * 1000, 1)


def ms(stats: Stats) -> dict[str, Any]:
    return Stats([v * 1000 for v in stats.values]).as_dict(1)


def page_time(
    name: str, stats: Stats, limit_ms: int, url: str, captured: list[dict[str, str]], **kwargs: Any
) -> Result:
    """The `<name>.time` result of an admin page measured with `measure_page`."""
    extra = {**kwargs.pop("extra", {}), **page_extra(url, captured)}
    return Result(
        f"{name}.time",
        round(stats.median * 1000, 1),
        "ms",
        f"<= {limit_ms}",
        stats.median * 1000 <= limit_ms,
        stats=ms(stats),
        extra=extra,
        **kwargs,
    )


def seq_scans_on(table: str, queries: list[dict[str, str]]) -> list[str]:
    """EXPLAIN every captured SELECT that reads `table`; the plans' Seq Scans on it."""
    return [
        sql[:300]
        for sql, plan in explain_selects_on(table, queries)
        if f"Seq Scan on {table}" in plan
    ]


# --- admin pages --------------------------------------------------------------------------------
def customer_changelist(scale: Scale) -> list[Result]:
    name = "customer_changelist"
    url = reverse("admin:consent_app_customer_changelist")
    stats, queries, _response, captured = measure_page(admin_client(), url, scale.runs)
    return [
        page_time(name, stats, 60, url, captured),
        Result(f"{name}.queries", queries, "queries", "<= 8", queries <= 8),
    ]


def search_terms(scale: Scale) -> dict[str, tuple[str, str]]:
    """One existing (not erased) customer, searched the way staff type: (term, number)."""
    import jaconv

    i = (scale.customers * 7) // 13
    if i % 200 == 199:  # erased (see the loader)
        i += 1
    (_f, family_kana, _), (_g, given_kana, _) = gen.person(i)
    number = gen.customer_number(i)
    return {
        # Hiragana with a space, as typed from hearing the name; stored in katakana.
        "kana": (jaconv.kata2hira(f"{family_kana} {given_kana}"), number),
        "phone": (gen.phone(i), number),
        "email": (gen.email(i).upper(), number),
    }


def customer_searches(scale: Scale) -> list[Result]:
    from urllib.parse import urlencode

    admin = apps.get_app_config("admin")  # noqa: F841 - the admin is loaded
    from django.contrib import admin as django_admin

    Customer = apps.get_model("consent_app", "Customer")
    model_admin = django_admin.site._registry.get(Customer)
    results: list[Result] = []
    if model_admin is None or not model_admin.search_fields:
        for kind in ("kana", "phone", "email"):
            results.append(
                missing(
                    f"customer_search_{kind}.time",
                    "ms",
                    "<= 80, no Seq Scan",
                    "the customer admin has no search_fields",
                )
            )
        return results
    client = admin_client()
    base = reverse("admin:consent_app_customer_changelist")
    for kind, (term, number) in search_terms(scale).items():
        url = f"{base}?{urlencode({'q': term})}"
        stats, queries, response, captured = measure_page(client, url, scale.runs)
        cl = response.context["cl"] if response.context else None
        # A common name matches hundreds: the customer must be in the result, not on page 1.
        found = cl is not None and cl.queryset.filter(number=number).exists()
        scans = seq_scans_on(CUSTOMER_TABLE, captured)
        ok = stats.median * 1000 <= 80 and not scans and found
        note = f"{cl.result_count if cl else '?'} matches"
        if not found:
            note += f"; the searched customer {number} is not among them"
        else:
            note += f" (customer {number} among them)"
        if scans:
            note += f"; Seq Scan on {CUSTOMER_TABLE} in: {scans[0][:160]}"
        results.append(
            Result(
                f"customer_search_{kind}.time",
                round(stats.median * 1000, 1),
                "ms",
                "<= 80, no Seq Scan",
                ok,
                stats=ms(stats),
                note=note,
                extra={
                    "seq_scan": bool(scans),
                    "queries": queries,
                    "found": found,
                    **page_extra(url, captured),
                },
            )
        )
    return results


def _overdue_filter_url(client: Client, base: str) -> str | None:
    """The changelist URL of the admin's own 'overdue' filter choice, found in its filters."""
    response = _get_ok(client, base)
    cl = response.context["cl"] if response.context else None
    if cl is None:
        return None
    for spec in getattr(cl, "filter_specs", []):
        for choice in spec.choices(cl):
            query = str(choice.get("query_string") or "")
            display = str(choice.get("display") or "")
            if "overdue" in query.lower() or "overdue" in display.lower() or "超過" in display:
                return base + query
    return None


def request_changelist_overdue(scale: Scale) -> list[Result]:
    name = "request_changelist_overdue"
    client = admin_client()
    base = reverse("admin:requests_app_disclosurerequest_changelist")
    url = _overdue_filter_url(client, base)
    if url is None:
        return [missing(f"{name}.time", "ms", "<= 60", "the request admin has no overdue filter")]
    stats, queries, response, captured = measure_page(client, url, scale.runs)
    cl = response.context["cl"] if response.context else None
    return [
        page_time(
            name,
            stats,
            60,
            url,
            captured,
            note=f"{url.split('?', 1)[-1]}: {cl.result_count if cl else '?'} requests",
        ),
        Result(f"{name}.queries", queries, "queries", "<= 8", queries <= 8),
    ]


def request_change_page(scale: Scale) -> list[Result]:
    name = "request_change_page"
    Request = apps.get_model("requests_app", "DisclosureRequest")
    request = Request.objects.filter(state="response_drafted").order_by("pk").first()
    if request is None:
        return [failed(f"{name}.time", "ms", "<= 100", "no request in response_drafted")]
    url = reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
    stats, queries, response, captured = measure_page(admin_client(), url, scale.runs)
    body = response.content.decode()
    letters = request.letters.count()
    timeline = "timeline" in body.lower()
    return [
        page_time(
            name,
            stats,
            100,
            url,
            captured,
            note=f"request {request.pk}: {letters} letters, "
            f"{request.comments.count()} comments; timeline shown: {timeline}",
            extra={"queries": queries, "timeline_shown": timeline},
        )
    ]


DASHBOARD_URL_NAMES = ("admin:dashboard", "admin:privacyoffice_dashboard", "admin:compliance")


def dashboard(scale: Scale) -> list[Result]:
    name = "dashboard"
    url = None
    for candidate in DASHBOARD_URL_NAMES:
        try:
            url = reverse(candidate)
            break
        except NoReverseMatch:
            continue
    if url is None:
        return [missing(f"{name}.time", "ms", "<= 100", "no dashboard URL in the admin site")]
    refreshed = _refresh_dashboard_summary()
    stats, queries, _response, captured = measure_page(admin_client(), url, scale.runs)
    results = [
        page_time(name, stats, 100, url, captured, note=refreshed),
        Result(f"{name}.queries", queries, "queries", "fixed", None, status="info"),
    ]
    return results


def _refresh_dashboard_summary() -> str:
    """Run the beat task that refreshes the dashboard summary, if the dashboard has one."""
    try:
        from privacyoffice import dashboard as module
    except ImportError:
        return ""
    for fn_name in ("dashboard_summary_refresh", "summary_refresh", "refresh_summary"):
        fn = getattr(module, fn_name, None)
        if callable(fn):
            started = time.perf_counter()
            fn()
            return f"summary refreshed by {fn_name} in {time.perf_counter() - started:.1f} s"
    return ""


# --- exports --------------------------------------------------------------------------------------
def ledger_exports(scale: Scale, workdir: Path) -> list[Result]:
    """Memory per row: ours (the reports' COPY stream, in a child process) vs
    django-import-export."""
    try:
        from privacyoffice.reports.definitions import REPORTS
    except ImportError as exc:
        reason = f"no CSV report of the consent ledger ({exc})"
        return [missing("import_export.memory", "KB/row (theirs)", "ours flat", reason)]
    report = next(
        (r for slug, r in REPORTS.items() if "consent" in slug and "ledger" in slug), None
    )
    if report is None:
        reason = "no consent-ledger report"
        return [missing("import_export.memory", "KB/row (theirs)", "ours flat", reason)]
    ours_rate, ie_rate = [], []
    ours_rss, ie_rss, ie_rows = [], [], 0
    rows = 0
    for run in range(scale.heavy_runs):
        out = workdir / f"ledger-ours-{run}.csv"
        ours = run_child(
            "ledger_export", slug=report.slug, path=str(out), database_url=current_database_url()
        )
        out.unlink(missing_ok=True)
        ie = run_child(
            "import_export",
            rows=scale.import_export_rows,
            path=str(workdir / "ledger-ie.csv"),
            database_url=current_database_url(),
        )
        rows = ours["rows"]
        ours_rate.append(ours["rows"] / ours["seconds"])
        ie_rate.append(ie["rows"] / ie["seconds"])
        ours_rss.append(ours["rss_growth_mb"])
        ie_rss.append(ie["rss_growth_mb"])
        ie_rows = ie["rows"]
    ie_s = Stats(ie_rate)
    ie_kb_per_row = max(ie_rss) * 1024 / max(ie_rows, 1)
    ours_kb_per_row = max(ours_rss) * 1024 / max(rows, 1)
    # The COPY-against-COPY ratio is replaced by ledger_export_job (figures_jobs: the auditor's
    # POST → job → download through gunicorn and a real worker), and the rows/s ratio against
    # django-import-export is dropped (issue 14: 6 M rows of COPY against 100,000 ORM rows of
    # other columns compared nothing); only the memory per row stays, for information.
    return [
        Result(
            "import_export.memory",
            round(ie_kb_per_row, 3),
            "KB/row (theirs)",
            "ours flat where theirs grows",
            ours_kb_per_row * 10 < ie_kb_per_row,
            extra={"import_export_rows_per_s": ie_s.as_dict(0)},
            note=f"theirs +{max(ie_rss):.0f} MB for {ie_rows:,} rows; "
            f"ours +{max(ours_rss):.0f} MB for {rows:,} rows ({ours_kb_per_row:.4f} KB/row)",
        ),
    ]


# --- background work --------------------------------------------------------------------------
def deadline_scan(scale: Scale) -> list[Result]:
    name = "deadline_scan"
    scan = _find_deadline_scan()
    if scan is None:
        return [missing(f"{name}.time", "ms", "< 1000", "no deadline-alert scan found")]
    Alert = apps.get_model("requests_app", "DeadlineAlert")
    raise_only = _find_function("requests_app.letters.alerts", ("deadline_alerts_raise",))
    times, raised, again, raise_times = [], [], [], []
    for _run in range(scale.runs):
        with rolled_back():
            before = Alert.objects.count()
            started = time.perf_counter()
            scan()
            times.append(time.perf_counter() - started)
            middle = Alert.objects.count()
            scan()
            raised.append(middle - before)
            again.append(Alert.objects.count() - middle)
        if raise_only is not None:
            # The query and the inserts alone, without the e-mails the job sends after them.
            with rolled_back():
                started = time.perf_counter()
                raise_only()
                raise_times.append(time.perf_counter() - started)
    stats = Stats(times)
    open_count = (
        apps.get_model("requests_app", "DisclosureRequest")
        .objects.filter(state__in=["inquiry", "form_sent", "documents_received", "verified",
                                   "response_drafted"])
        .count()
    )  # fmt: skip
    return [
        Result(
            f"{name}.time",
            round(stats.median * 1000, 1),
            "ms",
            "< 1000",
            stats.median < 1.0,
            stats=ms(stats),
            note=f"the hourly job (deadline_alerts_scan): {open_count:,} open requests; "
            f"{raised[0]:,} alerts raised, up to 1,000 e-mailed (locmem) by the first run",
        ),
        *(
            [
                Result(
                    f"{name}.raise_time",
                    round(Stats(raise_times).median * 1000, 1),
                    "ms",
                    None,
                    None,
                    status="info",
                    stats=ms(Stats(raise_times)),
                    note="deadline_alerts_raise alone: the indexed query and the bulk insert, "
                    "without the e-mails",
                )
            ]
            if raise_times
            else []
        ),
        Result(
            f"{name}.second_run_new_alerts",
            max(again),
            "alerts",
            "0",
            max(again) == 0,
        ),
    ]


def _find_function(module_name: str, names: tuple[str, ...]) -> Callable[..., Any] | None:
    try:
        module = __import__(module_name, fromlist=["x"])
    except ImportError:
        return None
    return next((getattr(module, n) for n in names if callable(getattr(module, n, None))), None)


def _find_deadline_scan() -> Callable[[], Any] | None:
    candidates = [
        # The hourly beat job: raise the missing alerts, e-mail them, the managers' digest.
        ("requests_app.letters.alerts", ("deadline_alerts_scan", "deadline_alerts_raise")),
        ("requests_app.alerts", ("deadline_alerts_raise", "alerts_raise", "scan")),
        ("requests_app.letters.services", ("deadline_alerts_raise", "deadline_scan")),
    ]
    for module_name, names in candidates:
        try:
            module = __import__(module_name, fromlist=["x"])
        except ImportError:
            continue
        for fn_name in names:
            fn = getattr(module, fn_name, None)
            if callable(fn):
                return fn
    return None


def provision_batch_all_or_nothing(recipient, purpose) -> Result:
    """A failure injected after the records' INSERT (the file write): nothing may remain.

    In-process, as a fault cannot be injected into the worker from here; the batch figures
    themselves run on the user's path (figures_provision)."""
    from consent_app import provision

    Record = apps.get_model("consent_app", "ProvisionRecord")
    original = provision._write_csv

    def failing(batch):
        raise RuntimeError("bench: injected failure after the records were inserted")

    with rolled_back():
        batch = provision.provision_batch_create(
            recipient=recipient, purpose=purpose, by=bench_user(), enqueue=False
        )
        provision._write_csv = failing
        try:
            provision.provision_batch_execute(batch_id=batch.pk)
            raised = False
        except RuntimeError:
            raised = True
        finally:
            provision._write_csv = original
        left = Record.objects.filter(batch_id=batch.pk).count()
        batch.refresh_from_db()
        status_after = batch.status
    all_or_nothing = raised and left == 0 and status_after != "completed"
    return Result(
        "provision_batch.all_or_nothing",
        all_or_nothing,
        "bool",
        "true",
        all_or_nothing,
        note=f"failure injected after the INSERT: {left} records left, batch {status_after}",
    )


def letter_rendering(scale: Scale) -> list[Result]:
    name = "letter_render"
    try:
        from weasyprint import HTML

        from requests_app.letters import services as letter_services
        from requests_app.letters.context import letter_context
        from requests_app.letters.rendering import render_letter_html
    except ImportError as exc:
        return [
            missing(f"{name}.ratio_vs_weasyprint", "x", ">= 0.8", f"no letter rendering ({exc})")
        ]
    Request = apps.get_model("requests_app", "DisclosureRequest")
    Letter = apps.get_model("requests_app", "Letter")
    request = Request.objects.filter(state="form_sent").order_by("pk").first()
    kind = _one_page_letter_kind(request)
    ours_t, bare_t, ratios, pages = [], [], [], 0
    with rolled_back():
        letter = letter_services.letter_queue(
            request=request, kind=kind, occasion="bench-render", by=None
        )
        template = letter.template or letter_services.letter_template_current(
            kind=letter.kind, request_type=request.request_type, language=letter.language
        )
        Letter.objects.filter(pk=letter.pk).update(template=template)
        letter.refresh_from_db()
        html = render_letter_html(
            subject_source=template.subject,
            body_source=template.body,
            context=letter_context(letter=letter),
        )

        def ours() -> int:
            with rolled_back():
                letter_services.letter_generate(letter_id=letter.pk)
                return Letter.objects.get(pk=letter.pk).page_count or 0

        def bare() -> int:
            document = HTML(string=html).render()
            document.write_pdf()
            return len(document.pages)

        ours()
        bare()  # warm-up: fonts loaded, templates compiled
        for _run in range(max(scale.runs, 3)):
            started = time.perf_counter()
            pages = ours()
            ours_t.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare_pages = bare()
            bare_t.append(time.perf_counter() - started)
            ratios.append((pages / ours_t[-1]) / (bare_pages / bare_t[-1]))
    child = run_child(
        "letter", request_id=request.pk, kind=kind, database_url=current_database_url()
    )
    ratio, ours_s, bare_s = Stats(ratios), Stats(ours_t), Stats(bare_t)
    return [
        Result(
            f"{name}.ratio_vs_weasyprint",
            round(ratio.median, 2),
            "x WeasyPrint pages/s",
            ">= 0.8",
            ratio.median >= 0.8,
            stats=ratio.as_dict(2),
            note=f"letter_generate (render + store) {ours_s.median * 1000:.0f} ms vs bare "
            f"WeasyPrint {bare_s.median * 1000:.0f} ms on the same HTML; {kind} letter, "
            f"{pages} page(s)",
        ),
        Result(
            f"{name}.time",
            round(ours_s.median * 1000, 1),
            "ms per letter",
            "<= 300",
            ours_s.median <= 0.3 and pages == 1,
            stats=ms(ours_s),
        ),
        Result(
            f"{name}.rss_growth",
            round(child["rss_growth_mb"], 1),
            "MB per letter",
            "<= 150",
            child["rss_growth_mb"] <= 150,
            note="peak RSS growth of a fresh process generating one letter",
        ),
    ]


# Letters that usually fit on one page (the target is per one-page letter); the request form
# carries its instructions and runs to two.
ONE_PAGE_KINDS = ("more_documents", "extension_notice", "no_data_held", "request_form")


def _one_page_letter_kind(request) -> str:
    from requests_app.letters import services as letter_services

    Letter = apps.get_model("requests_app", "Letter")
    for kind in ONE_PAGE_KINDS:
        with rolled_back():
            letter = letter_services.letter_queue(
                request=request, kind=kind, occasion="bench-probe", by=None
            )
            letter_services.letter_generate(letter_id=letter.pk)
            pages = Letter.objects.get(pk=letter.pk).page_count
            stored = Letter.objects.get(pk=letter.pk).file
            if stored:
                stored.storage.delete(stored.name)
        if pages == 1:
            return kind
    return ONE_PAGE_KINDS[-1]


def customer_import(scale: Scale) -> list[Result]:
    name = "customer_import.time"
    try:
        from consent_app.importing import customer_import as import_service
    except ImportError:
        return [missing(name, "s", "< 30", "no customer CSV import")]
    data = import_csv(scale)
    user = bench_user()
    times, cpu, outcome = [], [], None
    try:
        for _run in range(scale.heavy_runs):
            with rolled_back():
                started, started_cpu = time.perf_counter(), time.process_time()
                # The bench file is the company's own CRM export (no Art. 30 receipt).
                outcome = import_service(data=data, by=user, collected_by_us=True)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
    finally:
        # Each rolled-back run leaves 100,000 dead rows in the customer table and its history;
        # with autovacuum off (as on the bench machine) they pile up run after run and slow
        # this figure and the customer pages of the next run (918,000 dead rows were found).
        vacuum(CUSTOMER_TABLE, "consent_app_historicalcustomer")
    stats = Stats(times)
    ok_rows = outcome is not None and outcome.ok and outcome.rows == scale.import_rows
    note = (
        f"{scale.import_rows:,} rows: {outcome.created:,} created, {outcome.updated:,} updated"
        if outcome and outcome.ok
        else f"import refused: {[str(e) for e in (outcome.errors if outcome else [])][:3]}"
    )
    return [
        Result(
            name,
            round(stats.median, 2),
            "s",
            "< 30",
            stats.median < 30 and ok_rows,
            stats=stats.as_dict(2),
            note=note,
            # The process's own CPU time per run: the Python side of the import, without the
            # database's work or the wait for a core.
            extra={"process_cpu_s": round(Stats(cpu).median, 2)},
        )
    ]


def vacuum(*tables: str) -> None:
    """VACUUM (ANALYZE) what a figure's rolled-back runs left dead (outside any transaction)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def import_csv(scale: Scale) -> bytes:
    """The CRM's CSV: 90 % new customers, 10 % changes to customers we hold."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["number", "family_name", "given_name", "family_name_kana", "given_name_kana",
         "postal_code", "prefecture", "address", "phone", "email", "date_of_birth",
         "preferred_language", "dealer_code"]
    )  # fmt: skip
    for j in range(scale.import_rows):
        if j % 10 == 9:
            i = (j * 7) % scale.customers
            if i % 200 == 199:  # an erased customer: an import may not bring them back
                i -= 1
            number = gen.customer_number(i)
        else:
            i = scale.customers + j
            number = f"N{j + 1:08d}"
        (family, family_kana, _), (given, given_kana, _) = gen.person(i)
        prefecture, address = gen.address(i)
        writer.writerow(
            [number, family, given, family_kana, given_kana, gen.postal_code(i), prefecture,
             address + "号", gen.phone(i), gen.email(i), gen.date_of_birth(i).isoformat(),
             "ja", f"D{11 + i % 30:04d}"]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


# --- the run ------------------------------------------------------------------------------------
FIGURES: dict[str, Callable[..., list[Result]]] = {
    "customer_changelist": customer_changelist,
    "customer_search": customer_searches,
    # Issue 14: the searches, request lists, change page and concurrency through gunicorn as
    # the staff persona (p95); the test client only as each figure's breakdown.
    "http_pages": http_pages,
    "dashboard": dashboard,
    "ledger_export": ledger_exports,
    "deadline_scan": deadline_scan,
    "provision_batch": figures_provision.provision_batches,
    "letter_render": letter_rendering,
    "customer_import": customer_import,
    # Issue 19: the same work on the user's path (gunicorn, a real worker, the role's login).
    "ledger_export_job": figures_jobs.ledger_export_job,
    "marketing_list_job": figures_jobs.marketing_list_job,
    "customer_import_job": figures_jobs.customer_import_job,
    "incident_snapshot": incident_snapshot,
    "incident_notices": incident_notices,
    # Issue 20: an auditor's page while three letter-owing presses hang on a frozen broker
    # (last: its presses commit, moving a few requests on).
    "frozen_broker": figures_broker.frozen_broker,
}
NEEDS_WORKDIR = {
    "ledger_export",
    "ledger_export_job",
    "marketing_list_job",
    "customer_import_job",
}


def run_all(scale: Scale, only: set[str] | None, out: TextIO) -> dict[str, Result]:
    from django.test.utils import setup_test_environment

    # response.context for the admin pages, mail in memory; already done under pytest.
    with contextlib.suppress(RuntimeError):
        setup_test_environment()
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="bench-", dir=settings.VAR_DIR) as tmp:
        workdir = Path(tmp)
        for key, figure in FIGURES.items():
            if only and key not in only:
                continue
            out.write(f"bench: measuring {key} ...\n")
            out.flush()
            started = time.perf_counter()
            try:
                rows = figure(scale, workdir) if key in NEEDS_WORKDIR else figure(scale)
            except Exception as exc:  # one broken feature must not hide the others
                connection.close()  # a failed statement leaves the connection unusable
                rows = [failed(f"{key}", "", "", f"{type(exc).__name__}: {exc}"[:500])]
            load = os.getloadavg()[0]
            for row in rows:
                # The machine is shared: the 1-minute load average says how noisy the run was.
                row.extra.setdefault("load_average_1min", round(load, 1))
                results[row.name] = row
                out.write(f"  {row.name}: {row.value} {row.unit} ({row.status})\n")
            out.write(f"  ({time.perf_counter() - started:.1f} s)\n")
    return results


def dumps(results: dict[str, Result]) -> str:
    return json.dumps({k: v.as_json() for k, v in results.items()}, ensure_ascii=False, indent=2)
