"""Country names in the UI's language, from Debian's `iso-codes` (ISO 3166-1), never a typed list.

A recipient's country is stored as its ISO 3166-1 alpha-2 code (`US`); a privacy officer reads
米国 in the Japanese UI and United States in the English one. The names come from iso-codes as
Debian ships it: `/usr/share/iso-codes/json/iso_3166-1.json` (the English names) and its gettext
catalogue `/usr/share/locale/<lang>/LC_MESSAGES/iso_3166-1.mo` (their translations), maintained
with the standard. Where the standard has a common name beside the formal one and it is
translated, the common name is used (台湾, ベトナム); otherwise the translated name, then the
official one (大韓民国 (韓国), 米国, チェコ共和国); the English name if none is translated. An
unknown code shows as itself, never as nothing.
"""

from __future__ import annotations

import gettext
import json
import os
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

ISO_CODES_DIR = Path(os.environ.get("ISO_CODES_DIR", "/usr/share/iso-codes/json"))
LOCALE_DIR = Path(os.environ.get("ISO_CODES_LOCALE_DIR", "/usr/share/locale"))
DOMAIN = "iso_3166-1"


@cache
def _entries() -> dict[str, dict[str, str]]:
    """{alpha-2 code: its iso-codes entry (name, common_name, official_name)}."""
    path = ISO_CODES_DIR / f"{DOMAIN}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {entry["alpha_2"]: entry for entry in data["3166-1"]}


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[language], fallback=True)


def _short(language: str | None) -> str:
    return (language or get_language() or "ja").split("-")[0].lower()


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (the active one by default): country_name("US") → 米国."""
    entry = _entries().get((code or "").upper())
    if entry is None:
        return code or ""
    short = _short(language)
    common = entry.get("common_name")
    if short == "en":
        return common or entry["name"]
    catalogue = _catalogue(short)
    # The first of its names the catalogue translates (a newer name may not be translated yet:
    # Czechia, while the formal Czech Republic is).
    for name in (common, entry["name"], entry.get("official_name")):
        if name and (translated := catalogue.gettext(name)) != name:
            return translated
    return entry["name"]


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as (code, name in the language), Japan first, then by name."""
    short = _short(language)
    names = [(code, country_name(code, short)) for code in _entries()]
    names.sort(key=lambda pair: (pair[0] != "JP", pair[1]))
    return names
