"""Date inputs in the Japanese UI (issue 18): written and read back as 2026年3月5日, in a browser.

The admin's calendar writes the first input format (2026年03月10日) and reads the typed value back
with admin/js/core.js's strptime, which splits only on ". - /"; privacyoffice/static/
privacyoffice/japanese_dates.js teaches it 年月日, so it opens at the typed month.
"""

import pytest
from django.urls import reverse

from .conftest import log_in

pytestmark = [pytest.mark.e2e]


def test_the_calendar_opens_at_the_typed_japanese_date_and_writes_one_back(page, shot, staff):
    """GIVEN staff on the incident form in Japanese WHEN they type 2026年3月5日 and open the
    calendar THEN it shows March 2026; WHEN they pick the 10th THEN the input reads 2026年03月10日,
    with no JavaScript error on the way."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, staff.username)
    page.goto(reverse("admin:incidents_app_incident_add"))
    page.fill("#id_learned_at_0", "2026年3月5日")

    page.click("#calendarlink0")
    caption = page.locator("#calendarin0 caption").inner_text()
    shot("calendar-march")
    assert "2026" in caption and "3月" in caption, caption

    page.locator("#calendarin0 td a", has_text="10").first.click()
    assert page.input_value("#id_learned_at_0") == "2026年03月10日"
    page.click("#calendarlink0")
    assert "3月" in page.locator("#calendarin0 caption").inner_text()
    assert not errors
