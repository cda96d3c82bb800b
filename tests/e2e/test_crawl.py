"""The browser crawl of issue 18: every admin page, as each role, in Japanese and in English.

Debian's Chromium (Playwright) on the live server, with `seed_demo`'s data. For each role
(staff, manager, auditor, superuser) and each language, one browser context logs in THROUGH THE
LOGIN FORM, then opens what the admin index links to: each list, the first object of each list,
each add page, and the custom views (dashboard, reports, ...), plus the object tools of each first
object (history, "data held on the person", ...) and the step forms its request page offers
(send the form, receive documents, ...). Pages are discovered from the index, never
listed here, so a page another app adds is crawled as soon as it is on the index.

Each page fails on:
- a 5xx answer or a JavaScript error;
- a code value of a model's choices, or a JSON list, in the visible text;
- in Japanese: an ISO (2026-12-16) or slashed (2026/12/16) date (in the text or a date input's
  value), an English word in the page's
  own wording (headings, labels, column heads, buttons, help, messages, filters' titles), a stock
  title with stray spaces ("開示等の請求 を追加");
- in English: Japanese in the page's own wording.
Each role logs in with an English browser too, and must land in Japanese (the site's default)
before choosing English with the switch. Django's stock history pages are opened in the
superuser's runs only (the same template for every role), to keep the crawl's time bounded.
The page's own wording is told from data (a customer's name, a comment) by where it sits: the
data cells of lists and the read-only values of forms are data, the rest is the page's.
A failure names the page, the role, the language and the offending text; every page's screenshot
is kept under var/e2e/crawl/ (<role>-<language>-NNN-<path>.png). The eight runs (four roles, two
languages) go three at a time, each in its own browser (E2E_CRAWL_PARALLEL sets how many): every
page is still opened and checked in every run.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from common.inventory import customer_correctable_fields
from consent_app.models import Customer
from privacyoffice.reports.definitions import REPORTS
from tests.conftest import skip_or_fail

from .conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

DEMO_PASSWORD = "crawl-password-2026"
ROLES = ["staff", "manager", "auditor", "admin"]  # seed_demo's users
SUPERUSER = "admin"
LANGUAGES = ["ja", "en"]
CRAWL_DIR = SCREENSHOT_DIR / "crawl"
# The eight runs go this many at a time (E2E_CRAWL_PARALLEL): two cores are busy with three
# (one browser renders while the live server builds the next page of another).
PARALLEL = int(os.environ.get("E2E_CRAWL_PARALLEL", "3"))

# Stable keys that are not choices: a letter's occasion ("statelog-157", "extension-3").
STORED_KEY = re.compile(r"(?:statelog|extension)-\d+")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
JSON_LIST = re.compile(r"\[\s*(?:\]|[\"'][^\"'\n]*[\"'](?:\s*,\s*[\"'][^\"'\n]*[\"'])*\s*\])")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
SLASH_DATE = re.compile(r"(?<![\d/])\d{4}/\d{1,2}/\d{1,2}(?![\d/])")
STRAY_SPACE = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff] (?:を|の|に|が)|する [\u3040-\u30ff\u3400-\u9fff]"
)
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_@./-])[A-Za-z][a-z]{2,}(?![A-Za-z0-9_@/-])")
# English words the Japanese UI rightly keeps: product names and file formats.
# "Control"/"Mac"/"Command" are keys in Django's own Japanese help; cron, Unix and HTTP are names.
KEPT_WORDS = {"Excel", "Celery", "Redis", "Shift", "Chromium", "Django", "Admin", "Control"}
KEPT_WORDS |= {"Mac", "Command", "cron", "Cron", "Unix", "HTTP", "Asia", "Tokyo"}

# The page's own wording; data cells are left out (see the module docstring).
CHROME_SELECTORS = (
    "title, #content h1, #content h2, #content h3, #content h4, legend, caption, label, "
    "#result_list thead th, fieldset th, .module th[scope=col], .object-tools a, "
    "#changelist-filter h2, #changelist-filter h3, #changelist-filter details > summary, "
    ".help, .messagelist li, .submit-row input[type=submit], .submit-row a, button, "
    "#user-tools, #nav-sidebar caption, #nav-sidebar th, .paginator, .actions label, "
    ".breadcrumbs a, .dashboard-card h2, .errornote, dt"
)
# Cells: elements whose whole text is one value. A raw code shows as a whole cell ("ja",
# "image/png", "statelog-157"); matching whole cells, not words, keeps English sentences
# ("your request") and letter templates' English bodies from counting as codes.
CELL_SELECTORS = "td, th, dd, li, a, span, .readonly, option, p, strong"
# The object's own name (its __str__: a customer's name, a recipient's) is data wherever it shows
# in the page's wording (title, heading, breadcrumbs); so are the user's name and the language
# switch's 日本語 / English, each written in its own language.
DATA_IN_CHROME = "#user-tools, #language-switch, .breadcrumbs"
COLLECT_JS = """
([chromeSelectors, cellSelectors, dataSelectors]) => {
  const text = (el) => (el.tagName === "INPUT" ? el.value : el.innerText ?? el.textContent)
    .trim();
  const isData = (el) => dataSelectors && el.closest(dataSelectors);
  const chrome = [];
  for (const el of document.querySelectorAll(chromeSelectors)) {
    const value = text(el);
    if (value && !isData(el)) chrome.push(value);
  }
  const cells = [];
  for (const el of document.querySelectorAll(cellSelectors)) {
    const value = text(el);
    if (value && value.length <= 80) cells.push(value);
  }
  // Past Home › app › model, the breadcrumbs name the object itself (its history page adds
  // one more crumb, ours): data, wherever it shows in the page's wording.
  const crumbs = document.querySelector(".breadcrumbs");
  const parts = crumbs ? crumbs.innerText.split("›").map((p) => p.trim()) : [];
  const objects = parts.slice(3).filter((p) => p.length > 0);
  // What the date inputs show (innerText leaves input values out).
  const dates = Array.from(
    document.querySelectorAll("input.vDateField, input.vDateTimeField, input[type=date]")
  ).map((el) => el.value).filter((value) => value);
  return {body: document.body.innerText, chrome, cells, title: document.title, objects, dates};
}
"""
LINKS_JS = """
(scope) => Array.from(document.querySelectorAll(scope)).map(a => a.getAttribute("href"))
"""


def _choice_codes(usernames: set[str]) -> dict[str, set[str]]:
    """{language: codes that must never show}: every model's choice codes that differ from
    their label in that language (a code equal to its label, as "CSV", may show), plus the
    stored codes that have no choices: the export log's report slugs."""
    codes: dict[str, set[str]] = {}
    for language in LANGUAGES:
        with translation.override(language):
            found: set[str] = set(REPORTS)
            labels = set()
            # A correction's customer field: its code (address) unless that is also its label
            # in this language (English "address").
            for name in customer_correctable_fields():
                found.add(name)
                labels.add(str(Customer._meta.get_field(name).verbose_name).casefold())
            for model in apps.get_models():
                for model_field in model._meta.get_fields():
                    for code, label in getattr(model_field, "flatchoices", None) or []:
                        if isinstance(code, str) and len(code) >= 2:
                            found.add(code)
                            labels.add(str(label).casefold())
            # A user name ("staff") is shown as itself where a user name belongs (the user list,
            # the lockout log), even when it spells a code.
            codes[language] = {
                code for code in found if code.casefold() not in labels and code not in usernames
            }
    return codes


def _code_pattern(codes: set[str]) -> re.Pattern:
    """A whole cell that is one code, or a list of codes ("name, address")."""
    alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?:\s*[,、]\s*(?:{alternatives}))*")


@dataclass
class Crawl:
    role: str
    language: str
    code_pattern: re.Pattern
    offences: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    count: int = 0

    def offend(self, path: str, what: str, text: str) -> None:
        self.offences.append(f"{self.role}/{self.language} {path}: {what}: {text[:160]!r}")

    def check(self, path: str, page) -> None:
        shown = page.evaluate(COLLECT_JS, [CHROME_SELECTORS, CELL_SELECTORS, DATA_IN_CHROME])
        body: str = shown["body"]
        for cell in dict.fromkeys(shown["cells"]):
            if self.code_pattern.fullmatch(cell) or STORED_KEY.fullmatch(cell):
                self.offend(path, "code", cell)
        for match in JSON_LIST.finditer(body):
            self.offend(path, "JSON list", _line_around(body, match.start()))
        chrome = [shown["title"], *shown["chrome"]]
        for name in sorted(shown["objects"], key=len, reverse=True):
            chrome = [text.replace(name, "") for text in chrome]
        if self.language == "ja":
            for pattern, what in ((ISO_DATE, "ISO date"), (SLASH_DATE, "slashed date")):
                for match in pattern.finditer(body):
                    self.offend(path, what, _line_around(body, match.start()))
                for value in shown["dates"]:
                    if pattern.search(value):
                        self.offend(path, f"{what} in a date input", value)
            for text in dict.fromkeys(chrome):
                words = [w for w in ENGLISH_WORD.findall(text) if w not in KEPT_WORDS]
                if words:
                    self.offend(path, f"untranslated {words[:3]}", text)
            for text in chrome[:4]:
                if STRAY_SPACE.search(text):
                    self.offend(path, "stray space in a title", text)
        else:
            for text in dict.fromkeys(chrome):
                if JAPANESE.search(text):
                    self.offend(path, "Japanese in the English UI", text)


def _line_around(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)]


def _admin_path(href: str | None) -> str | None:
    """The path of a same-site admin page worth opening, else None."""
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    parsed = urlparse(href)
    if parsed.netloc or not parsed.path.startswith("/admin/"):
        return None
    if parsed.path.startswith(("/admin/logout", "/admin/login")) or "/delete/" in parsed.path:
        return None
    if any(part in parsed.path for part in ("/download", "/file/", "/export/")):
        return None  # files are read back by their own tests, not looked at as pages
    return parsed.path


def _listen(crawl: Crawl, page) -> None:
    """Collect the page's JavaScript errors and 5xx answers into crawl.errors as they happen."""
    page.on("pageerror", lambda error: crawl.errors.append(f"JavaScript error: {error}"))
    page.on(
        "console",
        lambda message: (
            crawl.errors.append(f"JavaScript console error: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            crawl.errors.append(f"server error: {response.status} {response.url}")
            if response.status >= 500
            else None
        ),
    )


def _visit(crawl: Crawl, page, path: str) -> bool:
    """Open path, check it; False when the page did not answer 200."""
    if path in crawl.seen:
        return False
    crawl.seen.add(path)
    crawl.errors.clear()
    response = page.goto(path, wait_until="load")
    status = response.status if response else 0
    crawl.count += 1
    name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
    shot = CRAWL_DIR / f"{crawl.role}-{crawl.language}-{crawl.count:03d}-{name}.png"
    page.screenshot(path=str(shot))
    for error in crawl.errors:
        what, _, text = error.partition(": ")
        crawl.offend(path, what, text)
    if status != 200:
        if status >= 500 and not crawl.errors:
            crawl.offend(path, "server error", str(status))
        return False
    crawl.check(path, page)
    return True


def _links(page, scope: str) -> list[str]:
    return list(dict.fromkeys(p for p in map(_admin_path, page.evaluate(LINKS_JS, scope)) if p))


def _open(crawl: Crawl, page, path: str, *, follow: bool) -> None:
    """Open a page the index leads to. A list: its first object (the first link of the first
    row) and that object's own tools (history, the compilation, the step forms). Any other page
    (an app's index, the dashboard, the reports), once: the pages it links to, the same way."""
    if not _visit(crawl, page, path):
        return
    if page.locator("#result_list").count():
        first = _links(page, "#result_list tbody tr:first-child a")
        if first and _visit(crawl, page, first[0]):
            for tool in _links(page, ".object-tools a, #workflow a.button"):
                # Django's stock history page is the same template for every role: the
                # superuser's run (who has them all) opens it, the others skip it for time.
                if crawl.role == SUPERUSER or not tool.endswith("/history/"):
                    _visit(crawl, page, tool)
    elif follow:
        for link in _links(page, "#content-main a"):
            _open(crawl, page, link, follow=False)


def _crawl(crawl: Crawl, page) -> None:
    _visit(crawl, page, "/admin/")
    # The index's own links (apps, models, add pages) and the home page's (dashboard, reports),
    # not the recent-actions sidebar.
    for path in _links(page, "#content a:not(#content-related a)"):
        _open(crawl, page, path, follow=True)


def _log_in(page, username: str) -> None:
    """Through the login form, as a person would: the first submit button logs in."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form input[type=submit], form button[type=submit]").first.click()
    page.wait_for_url("**/admin/")


def _longest_first(role: str) -> int:
    order = [SUPERUSER, "manager", "auditor", "staff"]
    return order.index(role) if role in order else len(order)


def _crawl_as(chromium, base_url: str, role: str, language: str, code_pattern) -> Crawl:
    """One role in one language: its own browser context, logged in through the form."""
    context = chromium.new_context(
        base_url=base_url,
        locale="ja-JP" if language == "ja" else "en-US",
        timezone_id="Asia/Tokyo",
        extra_http_headers={"Accept-Language": f"{language},en;q=0.5"},
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.set_default_timeout(60_000)
        page = context.new_page()
        _log_in(page, role)
        # Japanese first, even in an English browser: English is the user's choice.
        crawl = Crawl(role=role, language=language, code_pattern=code_pattern)
        landed = page.locator("html").get_attribute("lang")
        if landed != "ja":
            crawl.offend("/admin/", "an English browser did not land in Japanese", landed or "")
        if language == "en":
            page.click("#language-switch button[value=en]")
            page.wait_for_load_state()
        chosen = page.locator("html").get_attribute("lang")
        if chosen != language:
            crawl.offend("/admin/", f"the page is not in {language}", chosen or "")
        _listen(crawl, page)
        _crawl(crawl, page)
        return crawl
    finally:
        context.close()


def _crawl_all(base_url: str, runs: list[tuple[str, str]], codes, parallel: int) -> list[Crawl]:
    """Every (role, language) run, `parallel` at a time. Each thread drives its own Playwright
    and Chromium (Playwright's sync API belongs to the thread that started it): while one
    browser renders and photographs a page, the live server builds another's."""
    from playwright.sync_api import sync_playwright

    jobs: queue.Queue[tuple[str, str]] = queue.Queue()
    for run in runs:
        jobs.put(run)
    done: list[Crawl] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
                )
                try:
                    while True:
                        try:
                            role, language = jobs.get_nowait()
                        except queue.Empty:
                            return
                        pattern = _code_pattern(codes[language])
                        done.append(_crawl_as(chromium, base_url, role, language, pattern))
                finally:
                    chromium.close()
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=worker, name=f"crawl-{n}") for n in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return done


def test_every_admin_page_reads_as_japanese_office_work_for_every_role(
    live_server, transactional_db, monkeypatch
):
    """GIVEN the demo data WHEN each role opens every page the admin index leads to, in Japanese
    and in English THEN no page shows a code, a JSON list, an ISO date (Japanese), a word of the
    other language in its own wording, a server error or a JavaScript error."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", customers=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    CRAWL_DIR.mkdir(parents=True, exist_ok=True)
    for old in CRAWL_DIR.glob("*.png"):
        old.unlink()
    codes = _choice_codes(set(get_user_model().objects.values_list("username", flat=True)))
    # The longest runs first (the superuser's opens the history pages too), so that the threads
    # finish together instead of one crawling the superuser alone at the end.
    runs = [
        (role, language) for role in sorted(ROLES, key=_longest_first) for language in LANGUAGES
    ]

    crawls = _crawl_all(live_server.url, runs, codes, PARALLEL)

    assert sorted((c.role, c.language) for c in crawls) == sorted(runs)
    offences = [offence for crawl in crawls for offence in crawl.offences]
    for crawl in crawls:
        assert crawl.count > 5, f"{crawl.role}/{crawl.language}: only {crawl.count} pages"
    total = sum(crawl.count for crawl in crawls)
    assert not offences, f"{len(offences)} offences on {total} pages:\n" + "\n".join(offences)
