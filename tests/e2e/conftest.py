"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, on the live server.

Playwright never downloads a browser here: it launches the system Chromium through
`executable_path` (E2E_CHROMIUM overrides /usr/bin/chromium). Where that is missing the tests
are skipped with the reason, and in CI (REQUIRE_SERVICES=1) they fail instead.

Every test gets a fresh browser context (no cookies) whose Accept-Language is Japanese, like
the staff's office PCs; `shot("name")` saves a full-page screenshot to var/e2e/<test>-NN-name.png
so a person can look at each step. Test modules here carry `pytestmark = pytest.mark.e2e`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

from tests.conftest import PROJECT_ROOT, skip_or_fail

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT_DIR = PROJECT_ROOT / "var" / "e2e"
# No GPU, no network of its own, no background updates: a quiet, reproducible browser, also as
# root in a container (--no-sandbox).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery-staple"  # the personas' password (tests/conftest.py)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module."""
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    # refuse ORM calls from the test body as "async"; they are plain sync calls, so allow them
    # for as long as the browser lives (and only then).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def open_page(browser, live_server, request) -> Iterator[Callable[..., Page]]:
    """open_page() gives a page in a fresh browser context (its own cookies: one per user).

    A Japanese browser in Tokyo by default; open_page(language="en") for an English one.
    The base URL is the live server, so page.goto("/admin/") works. When the test fails, each
    open page is saved as var/e2e/<test>-failed-N.png: what the browser showed at that moment.
    """
    contexts = []

    def open_(language: str = "ja") -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP" if language == "ja" else "en-US",
            # The office's clock: otherwise the admin's date widgets warn of a time difference.
            timezone_id="Asia/Tokyo",
            extra_http_headers={"Accept-Language": f"{language},en;q=0.5"},
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
        pages = [page for context in contexts for page in context.pages]
        from playwright.sync_api import Error as PlaywrightError

        for number, page in enumerate(pages, start=1):
            # A crashed page must not hide the test's own failure.
            with contextlib.suppress(PlaywrightError):
                page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-failed-{number}.png"))
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    """One page, as a Japanese member of staff at the office would have it."""
    return open_page()


@pytest.fixture
def shot(request) -> Callable[..., Path]:
    """shot("logged-in") saves var/e2e/<test name>-01-logged-in.png and returns its path.

    It photographs the test's `page`; shot("approved", page=manager_page) another one.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    for old in SCREENSHOT_DIR.glob(f"{test_name}-*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def take(step: str, page: Page | None = None) -> Path:
        target = page or request.getfixturevalue("page")
        path = SCREENSHOT_DIR / f"{test_name}-{next(counter):02d}-{step}.png"
        target.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the real login form, as a person would."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
