"""Japanese as a first language: a complete catalogue, language negotiation, Japanese formats."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from privacyoffice.i18n import SESSION_KEY, staff_language_get, staff_language_set
from privacyoffice.i18n_third_party import DJANGO_ADMIN_TITLES
from privacyoffice.models import StaffPreference
from tests.conftest import client_for

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = PROJECT_ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# What `make makemessages` leaves out: environments, generated output, caches, the catalogue
# itself, and the tests (not user-facing).
NOT_SOURCE = (".venv", "venv", "var", ".git", "locale", "tests", "*.egg-info", "__pycache__")
NOT_SOURCE += (".pytest_cache", ".ruff_cache", ".hypothesis", "node_modules")


def _is_untranslated(entry: polib.POEntry) -> bool:
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not all(entry.msgstr_plural.values())
    return not entry.msgstr


def _extract_with_committed_translations(workdir: Path) -> polib.POFile:
    """Run makemessages on a copy of the sources, merged into a copy of the committed catalogue.

    A copy, because makemessages writes into the catalogue it finds: the test must not touch the
    working tree other people are editing. The merge is what a translator would get: every string
    marked in the code today, with the committed translation where one exists; a string whose
    English changed comes out fuzzy.
    """
    source = workdir / "src"
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    target = source / "locale" / "ja" / "LC_MESSAGES"
    target.mkdir(parents=True)
    if CATALOGUE.exists():
        shutil.copy(CATALOGUE, target / "django.po")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # Without settings, makemessages writes to ./locale only (never to settings.LOCALE_PATHS).
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-obsolete", "-v", "0"],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(target / "django.po"))


def test_every_string_marked_for_translation_has_a_japanese_translation(tmp_path):
    """GIVEN the sources as they are now WHEN their strings are extracted and merged with the
    committed Japanese catalogue THEN none is left without a translation (or fuzzy)."""
    catalogue = _extract_with_committed_translations(tmp_path)
    missing = [
        f"  {entry.msgid!r}  ({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:2])})"
        for entry in catalogue
        if not entry.obsolete and _is_untranslated(entry)
    ]
    assert not missing, (
        f"{len(missing)} string(s) have no Japanese translation. Run `make makemessages`, "
        f"translate them in {CATALOGUE.relative_to(PROJECT_ROOT)} (no fuzzy entries), then "
        "`make messages`:\n" + "\n".join(missing)
    )


def test_committed_catalogue_has_no_fuzzy_entries():
    """A fuzzy entry is a guess gettext ignores at run time: the English would show."""
    fuzzy = [e.msgid for e in polib.pofile(str(CATALOGUE)) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in {CATALOGUE.name}: {fuzzy}"


# Our catalogue is searched before Django's own: a project msgid that is also one of Django's
# replaces Django's Japanese everywhere (the admin's "Close" link once read 完了にする, the request
# transition). Use pgettext for such a word, or translate it as Django does. Deliberate exceptions:
SHADOWING_ALLOWED = {
    "English": "英語 in our language list; Django's 英語(米国) is for en-us",
    "name": "名称 (recipients, groups): Django's 名前 reads oddly for a company",
    # The admin's stock titles without Django's stray spaces (開示等の請求を追加).
    **dict.fromkeys(DJANGO_ADMIN_TITLES, "no stray spaces in the title"),
}


def test_project_translations_leave_djangos_own_japanese_unchanged():
    import django

    ours = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE)) if not e.msgctxt}
    changed = []
    for path in sorted(Path(django.__file__).parent.glob("**/locale/ja/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(path)):
            theirs, mine = entry.msgstr, ours.get(entry.msgid)
            if entry.msgctxt or not theirs or mine is None or entry.msgid in SHADOWING_ALLOWED:
                continue
            if mine != theirs:
                changed.append(f"  {entry.msgid!r}: Django {theirs!r}, ours {mine!r}")
    assert not changed, "project strings change Django's Japanese:\n" + "\n".join(changed)


def test_compiled_catalogue_is_up_to_date():
    """The site reads the .mo; an edited .po that was not compiled is not what users see."""
    assert COMPILED.exists(), f"{COMPILED} is missing: run `make messages`"
    assert COMPILED.stat().st_mtime >= CATALOGUE.stat().st_mtime, (
        f"{COMPILED.name} is older than {CATALOGUE.name}: run `make messages`"
    )


@pytest.mark.parametrize(
    ("package", "listed"),
    [
        ("simple_history", "SIMPLE_HISTORY"),
        ("django_fsm", "DJANGO_FSM"),
        ("axes", "AXES"),
    ],
)
def test_third_party_strings_we_translate_still_exist_in_the_installed_app(
    tmp_path, package, listed
):
    """privacyoffice/i18n_third_party.py copies these apps' English; after an upgrade that
    rewords one, our translation would silently stop applying."""
    import importlib

    from privacyoffice import i18n_third_party

    source = tmp_path / package
    shutil.copytree(
        Path(importlib.import_module(package).__file__).parent,
        source,
        ignore=shutil.ignore_patterns("locale", "migrations", "tests", "__pycache__"),
    )
    (source / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "-v", "0"],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
    )
    theirs = {e.msgid for e in polib.pofile(str(source / "locale/ja/LC_MESSAGES/django.po"))}
    gone = [msgid for msgid in getattr(i18n_third_party, listed) if msgid not in theirs]
    assert not gone, f"{package} no longer has: {gone}"


# --- language negotiation -----------------------------------------------------------------------
def _html_lang(response) -> str:
    match = re.search(rb'<html lang="([^"]+)"', response.content)
    assert match, "no <html lang> in the page"
    return match.group(1).decode()


def test_admin_speaks_japanese_when_the_browser_asks_for_japanese(client, staff):
    response = client_for(client, staff).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ja")
    assert _html_lang(response) == "ja"
    assert "個人情報保護室" in response.content.decode()


def test_admin_speaks_japanese_to_an_english_browser_until_the_user_chooses_english(client, staff):
    """A staff member's first login on an English Windows PC is in Japanese: the site's default."""
    response = client_for(client, staff).get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    assert _html_lang(response) == "ja"
    assert response.headers["Content-Language"] == "ja"


def test_admin_speaks_english_once_the_language_switch_chose_it(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/login/"})
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="ja")
    assert _html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"


def test_admin_speaks_japanese_when_the_browser_asks_for_a_language_we_do_not_offer(client, staff):
    response = client_for(client, staff).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_lang(response) == "ja"


def test_saved_preference_for_english_wins_over_a_japanese_browser(client, staff):
    staff_language_set(user=staff, language="en")
    response = client_for(client, staff).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ja")
    assert _html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"


def test_saved_preference_for_japanese_wins_over_an_english_browser(client, staff):
    staff_language_set(user=staff, language="ja")
    response = client_for(client, staff).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert _html_lang(response) == "ja"


def test_saved_preference_wins_over_the_language_cookie(client, staff):
    staff_language_set(user=staff, language="ja")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client_for(client, staff).get(reverse("admin:index"))
    assert _html_lang(response) == "ja"


def test_saved_preference_is_written_to_the_language_cookie(client, staff):
    """So the login page after a logout is in the user's language too."""
    staff_language_set(user=staff, language="en")
    response = client_for(client, staff).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_preference_is_read_from_the_database_once_per_session(client, staff):
    staff_language_set(user=staff, language="en")
    client_for(client, staff).get(reverse("admin:index"))
    # A changed preference is not re-read in the same session: the session holds it.
    StaffPreference.objects.filter(user=staff).update(language="ja")
    response = client.get(reverse("admin:index"))
    assert _html_lang(response) == "en"
    assert client.session[SESSION_KEY] == [staff.pk, "en"]


def test_language_switch_saves_the_staff_users_preference(client, staff):
    client_for(client, staff).post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert staff_language_get(user=staff) == "en"


def test_language_switch_redirects_back_and_the_page_follows_the_choice(client, staff):
    client = client_for(client, staff)
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": reverse("admin:index")},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ja")
    assert _html_lang(page) == "en"


def test_language_switch_to_an_unoffered_language_saves_nothing(client, staff):
    client_for(client, staff).post(reverse("set_language"), {"language": "fr", "next": "/admin/"})
    assert not StaffPreference.objects.filter(user=staff).exists()


def test_language_switch_before_login_only_sets_the_cookie(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/admin/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not StaffPreference.objects.exists()


def test_language_switch_by_a_user_without_staff_access_saves_nothing(client, outsider):
    client_for(client, outsider).post(
        reverse("set_language"), {"language": "en", "next": "/admin/"}
    )
    assert not StaffPreference.objects.exists()


def test_staff_language_set_refuses_an_unoffered_language(staff):
    with pytest.raises(ValueError, match="unsupported language"):
        staff_language_set(user=staff, language="fr")


# --- the header ---------------------------------------------------------------------------------
def test_login_page_offers_both_languages_posting_to_set_language(client, db):
    html = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    form = re.search(r'<form id="language-switch".*?</form>', html, re.S)
    assert form, "no language switch on the login page"
    assert f'action="{reverse("set_language")}"' in form.group(0)
    assert re.search(r'value="en"[^>]*>\s*English\s*<', form.group(0))
    assert re.search(r'value="ja"[^>]*disabled[^>]*>\s*日本語\s*<', form.group(0))


def test_login_pages_first_submit_button_logs_in_not_the_language_switch(client, db):
    """A password manager or a script presses the first submit button: it must be the login's."""
    html = client.get(reverse("admin:login")).content.decode()
    first_submit = re.search(r'<(?:input|button)[^>]*type="submit"[^>]*>', html)
    assert first_submit, "no submit button on the login page"
    assert 'name="language"' not in first_submit.group(0)
    assert html.index('id="login-form"') < html.index('id="language-switch"')


def test_admin_pages_have_no_inline_script(client, staff):
    """The Content-Security-Policy allows scripts from 'self' only: an inline one would not run."""
    html = client_for(client, staff).get(reverse("admin:index")).content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not inline, f"inline script(s): {inline}"


# --- formats ------------------------------------------------------------------------------------
def test_dates_read_as_japanese_in_the_japanese_ui():
    with translation.override("ja"):
        assert formats.date_format(datetime.date(2026, 11, 24)) == "2026年11月24日"


def test_datetimes_read_as_japanese_with_a_24_hour_clock():
    moment = datetime.datetime(2026, 11, 24, 9, 5)
    with translation.override("ja"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "2026年11月24日 09:05"


def test_dates_stay_english_in_the_english_ui():
    with translation.override("en"):
        assert formats.date_format(datetime.date(2026, 11, 24)) == "Nov. 24, 2026"


@pytest.mark.parametrize("typed", ["2026/11/24", "2026-11-24", "2026年11月24日"])
def test_japanese_date_field_accepts_the_ways_japanese_staff_type_a_date(typed):
    with translation.override("ja"):
        assert forms.DateField().clean(typed) == datetime.date(2026, 11, 24)


@pytest.mark.parametrize("typed", ["2026年1月5日", "2026年01月05日", "2026/1/5"])
def test_japanese_date_field_accepts_a_month_and_day_with_or_without_a_leading_zero(typed):
    with translation.override("ja"):
        assert forms.DateField().clean(typed) == datetime.date(2026, 1, 5)


def test_a_date_input_in_the_japanese_ui_shows_the_date_as_japanese_text():
    """One form in the Japanese UI: what a date input shows (and the admin's calendar writes, the
    first input format) is 2026年11月24日, never 2026/11/24 or 2026-11-24."""
    from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime

    with translation.override("ja"):
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y年%m月%d日"
        date_html = AdminDateWidget().render("day", datetime.date(2026, 11, 24))
        moment = datetime.datetime(2026, 11, 24, 9, 5)
        split_html = AdminSplitDateTime().render("at", moment)
        datetime_html = forms.DateTimeInput().render("at", moment)
    assert 'value="2026年11月24日"' in date_html
    assert 'value="2026年11月24日"' in split_html and 'value="09:05:00"' in split_html
    assert 'value="2026年11月24日 09:05:00"' in datetime_html
    with translation.override("ja"):
        assert formats.date_format(datetime.date(2026, 1, 5), "SHORT_DATE_FORMAT") == "2026年1月5日"


def test_the_admin_pages_load_the_calendar_reader_for_japanese_dates(client, staff):
    """The admin's calendar reads an input back with a parser that knows only . - /: every admin
    page loads the script that teaches it 年月日 (else it opens at today, not the typed date)."""
    html = client_for(client, staff).get(reverse("admin:index")).content.decode()
    assert "privacyoffice/japanese_dates.js" in html


def test_japanese_date_field_refuses_the_us_month_first_order():
    with translation.override("ja"), pytest.raises(forms.ValidationError):
        forms.DateField().clean("11/24/2026")
