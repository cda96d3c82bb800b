"""Issue 14's figures, measured through gunicorn as the staff persona (p95 of the round trip).

Each page is requested over HTTP (`bench/http.py`: production settings, debug off, logged in
through the login form as `bench-http-staff`, an ordinary member of the privacy-staff group),
20 timed runs after a warm-up; the figure is the 95th percentile in ms. Then, as a breakdown
only, the same URL once through Django's test client as the same persona: its queries, the
database's time, whether the searched customer is among the matches, and every captured SELECT
on the customer table `EXPLAIN`ed (no `Seq Scan on consent_app_customer` allowed in a search).

The stock-admin reference is a plain ModelAdmin (Django's `icontains` search over the name,
reading, phone and e-mail columns, its exact full count and OFFSET pages: what a team gets out
of the box), served by a second gunicorn in the same run (`bench.stock_urls`) and timed the same
way on the same two-kanji search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from . import generators as gen
from .harness import Result, failed
from .http import PERSONAS, HttpStats, concurrent_load, gunicorn_server
from .scales import Scale

CUSTOMER_TABLE = "consent_app_customer"
# Runs per HTTP figure at the full and small scales (the targets are p95 over 20 runs).
HTTP_RUNS = 20
CONCURRENT_CLIENTS = 8
CONCURRENT_SECONDS = 30
STOCK_ADMIN_PATH = "/stock-admin/consent_app/customer/"
# Two kanji no generated name holds (and no reading: ゑゐ are not used in modern names).
NO_MATCH_TERM = "ゑゐ"
# A two-kanji family name among the generated ones (pg_trgm cannot serve two characters).
TWO_KANJI_TERM = "中島"


@dataclass(frozen=True)
class Page:
    key: str  # the key in results.json, without ".time"
    path: str
    limit_ms: int
    number: str = ""  # a customer the page must find (searches)
    seq_scan_forbidden: bool = False
    note: str = ""


def runs_for(scale: Scale) -> int:
    return HTTP_RUNS if scale.name != "tiny" else 2


def _customer_index(scale: Scale) -> int:
    i = (scale.customers * 7) // 13
    return i + 1 if i % 200 == 199 else i  # every 200th is erased (see the loader)


def _typeable(cp: int) -> bool:
    # The name variants a Japanese PC has beyond JIS X 0208: CP932's vendor kanji (髙, 﨑), the
    # forms registered names carry (not 𫭂, which nobody types; not 籐 for 藤, another word).
    char = chr(cp)
    try:
        char.encode("cp932")
    except UnicodeEncodeError:
        return False
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return True
    return False


def _variant_spelling(name: str) -> str:
    """`name` with its first kanji that has a typeable variant written in that form (高 → 髙)."""
    from consent_app.kanji_variants import variant_table

    table = variant_table()
    others: dict[int, int] = {}
    for variant, target in table.items():
        if _typeable(variant):
            others.setdefault(target, variant)
    for position, char in enumerate(name):
        cp = ord(char)
        folded = table.get(cp)
        other = folded if folded and _typeable(folded) else others.get(cp)
        if other:
            return name[:position] + chr(other) + name[position + 1 :]
    return ""


def _variant_customer(scale: Scale) -> tuple[str, str]:
    """(typed term, customer number): a loaded customer whose name has a variant kanji."""
    start = _customer_index(scale)
    for i in range(start, start + 2 * len(gen.SURNAMES)):
        if i % 200 == 199:
            continue
        (family, _kana, _), (given, _gkana, _) = gen.person(i)
        typed = _variant_spelling(family)
        if typed:
            return f"{typed} {given}", gen.customer_number(i)
    return "", ""


def pages(scale: Scale) -> list[Page]:
    customers = reverse("admin:consent_app_customer_changelist")
    requests_list = reverse("admin:requests_app_disclosurerequest_changelist")
    i = _customer_index(scale)
    number = gen.customer_number(i)
    two_kanji = TWO_KANJI_TERM
    variant_term, variant_number = _variant_customer(scale)
    phone = gen.phone(i)
    intl_phone = "+81 " + phone[1:].replace("-", " ")

    def search(term: str) -> str:
        return f"{customers}?{urlencode({'q': term})}"

    Request = apps.get_model("requests_app", "DisclosureRequest")
    drafted = Request.objects.filter(state="response_drafted").order_by("pk").first()
    from requests_app.admin_requests import DisclosureRequestAdmin

    due_column = list(DisclosureRequestAdmin.list_display).index("due_badge") + 1
    deep_after = _deep_page_cursor()
    result = [
        Page("customer_search_1char", search("あ"), 80, seq_scan_forbidden=True),
        Page(
            "customer_search_2kanji",
            search(two_kanji),
            80,
            number=_first_with_family(scale, two_kanji),
            seq_scan_forbidden=True,
        ),
        Page("customer_search_nomatch_2char", search(NO_MATCH_TERM), 80, seq_scan_forbidden=True),
        Page(
            "customer_search_variant",
            search(variant_term),
            80,
            number=variant_number,
            seq_scan_forbidden=True,
            note=f"typed {variant_term!r}",
        ),
        Page(
            "customer_search_postal",
            search("〒" + gen.postal_code(i)),
            80,
            number=number,
            seq_scan_forbidden=True,
        ),
        Page(
            "customer_search_phone_intl",
            search(intl_phone),
            80,
            number=number,
            seq_scan_forbidden=True,
            note=f"typed {intl_phone!r} for {phone}",
        ),
        Page(
            "request_changelist_sorted_due",
            f"{requests_list}?{urlencode({'queue': 'all', 'o': due_column})}",
            80,
        ),
        Page(
            "customer_changelist_deep",
            f"{customers}?{urlencode({'after': deep_after})}",
            80,
            note="the page 19,999 of OFFSET paging would show, reached by seek (?after=)",
        ),
        Page("request_changelist_overdue", f"{requests_list}?due=overdue", 40),
    ]
    if drafted is not None:
        change = reverse("admin:requests_app_disclosurerequest_change", args=[drafted.pk])
        result.insert(-1, Page("request_change_page", change, 60, note=f"request {drafted.pk}"))
    return result


def _first_with_family(scale: Scale, family: str) -> str:
    start = _customer_index(scale)
    for i in range(start, start + len(gen.SURNAMES) * 2):
        if gen.person(i)[0][0] == family and i % 200 != 199:
            return gen.customer_number(i)
    return ""


def _deep_page_cursor(page: int = 19_999, per_page: int = 50) -> str:
    """The number after which OFFSET page `page` would start (or the last page's, if fewer)."""
    Customer = apps.get_model("consent_app", "Customer")
    total = Customer.objects.count()
    offset = min((page - 1) * per_page, max(total - per_page, 0))
    if offset == 0:
        return ""
    return (
        Customer.objects.order_by("number").values_list("number", flat=True)[offset - 1 : offset]
    ).get()


def explain_selects_on(table: str, queries: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(SQL, EXPLAIN plan) of every captured SELECT that reads `table`."""
    explained = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or table not in sql:
                continue
            cursor.execute("EXPLAIN " + sql)
            explained.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return explained


def breakdown(path: str, number: str) -> dict[str, Any]:
    """The page once through the test client as the staff persona: queries, DB time, plans."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=PERSONAS["staff"]))
    client.get(path)  # warm
    started = time.process_time()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    cpu_ms = (time.process_time() - started) * 1000
    queries = captured.captured_queries
    explained = explain_selects_on(CUSTOMER_TABLE, queries)
    plans = [plan for _sql, plan in explained]
    scans = [sql[:300] for sql, plan in explained if f"Seq Scan on {CUSTOMER_TABLE}" in plan]
    cl = response.context["cl"] if response.context and "cl" in response.context else None
    found = None
    if number and cl is not None:
        found = cl.queryset.filter(number=number).exists()
    return {
        "status_code": response.status_code,
        "queries": len(queries),
        "db_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "test_client_cpu_ms": round(cpu_ms, 1),
        "seq_scan": bool(scans),
        "seq_scan_sql": scans[:1],
        "found": found,
        "count_label": getattr(cl, "count_label", None) if cl is not None else None,
        "explain": [plan.splitlines()[:6] for plan in plans][:3],
    }


def page_result(page: Page, stats: HttpStats, detail: dict[str, Any]) -> Result:
    p95_ms = stats.p95 * 1000
    ok = p95_ms <= page.limit_ms
    target = f"<= {page.limit_ms} (p95, staff, HTTP)"
    notes = [page.note] if page.note else []
    if page.seq_scan_forbidden:
        target += ", no Seq Scan"
        ok = ok and not detail["seq_scan"]
        notes.append("Seq Scan on customers!" if detail["seq_scan"] else "no Seq Scan")
    if page.number:
        ok = ok and bool(detail["found"])
        notes.append(f"customer {page.number} {'found' if detail['found'] else 'NOT found'}")
    if detail.get("count_label"):
        notes.append(str(detail["count_label"]))
    ms = HttpStats([v * 1000 for v in stats.values]).as_dict(1)
    return Result(
        f"{page.key}.time",
        round(p95_ms, 1),
        "ms (p95)",
        target,
        ok,
        stats=ms,
        note="; ".join(notes),
        extra={"median_ms": ms["median"], "breakdown": detail},
    )


def http_pages(scale: Scale) -> list[Result]:
    runs = runs_for(scale)
    results: list[Result] = []
    page_list = pages(scale)
    ours_2kanji: HttpStats | None = None
    with gunicorn_server(workers=3) as site:
        staff = site.login(PERSONAS["staff"])
        for page in page_list:
            try:
                stats = site.time_get(staff, page.path, runs)
            except AssertionError as exc:
                results.append(failed(f"{page.key}.time", "ms (p95)", "", str(exc)))
                continue
            results.append(page_result(page, stats, breakdown(page.path, page.number)))
            if page.key == "customer_search_2kanji":
                ours_2kanji = stats
        seconds = CONCURRENT_SECONDS if scale.name != "tiny" else 3
        sessions = [site.login(PERSONAS["staff"]) for _ in range(CONCURRENT_CLIENTS)]
        # All open requests (50 rows a page): the persona has no requests assigned, and its
        # own empty queue would measure a page with nothing on it.
        path = reverse("admin:requests_app_disclosurerequest_changelist") + "?queue=open"
        load = concurrent_load(site, sessions, path, seconds)
    results.append(
        Result(
            "concurrency.request_changelist.rps",
            round(load.rps, 1),
            "req/s",
            f">= 60, 0 errors ({CONCURRENT_CLIENTS} clients, 3 workers, {seconds} s)",
            load.rps >= 60 and load.errors == 0,
            note=f"{path}: {load.requests} requests, {load.errors} errors, "
            f"p95 {load.p95 * 1000:.0f} ms",
            extra={"errors": load.errors, "p95_ms": round(load.p95 * 1000, 1)},
        )
    )
    results.append(_stock_admin_ratio(scale, ours_2kanji))
    return results


def _stock_admin_ratio(scale: Scale, ours: HttpStats | None) -> Result:
    """The plain ModelAdmin on the same two-kanji search, in its own gunicorn, same persona."""
    name = "stock_admin.customer_search_2kanji.ratio"
    if ours is None:
        return failed(name, "x", ">= 10", "our two-kanji search was not measured")
    path = f"{STOCK_ADMIN_PATH}?{urlencode({'q': TWO_KANJI_TERM})}"
    runs = max(3, runs_for(scale) // 4)  # the stock page takes seconds at full scale
    with gunicorn_server(workers=1, DJANGO_SETTINGS_MODULE="bench.stock_settings") as site:
        staff = site.login(PERSONAS["staff"])
        stock = site.time_get(staff, path, runs)
    ratio = stock.p95 / ours.p95
    return Result(
        name,
        round(ratio, 1),
        "x faster (p95)",
        ">= 10",
        ratio >= 10,
        note=f"stock ModelAdmin p95 {stock.p95 * 1000:.0f} ms ({runs} runs), "
        f"ours {ours.p95 * 1000:.0f} ms",
        extra={"stock_ms": HttpStats([v * 1000 for v in stock.values]).as_dict(1)},
    )
