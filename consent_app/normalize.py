"""Normalisation for search and matching: one spelling per name, phone, e-mail and postal code.

Staff type a customer's name as they hear it (hiragana, katakana, half-width kana from an old CRM
screen, full-width Latin letters from a form); the same person must be found whichever they use.
Every search column is filled through these functions (customer services and the CSV import),
and every search term goes through the same function before it is compared.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
import phonenumbers

from .kanji_variants import fold_variants

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_HALF_WIDTH_KANA = re.compile(r"[\uff61-\uff9f]")
# Latin letters that may carry a diacritic (Latin-1 Supplement, Extended-A/B, Extended
# Additional): only these are decomposed, never kana (ガ must not lose its dakuten).
_ACCENTED_LATIN = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
# Apostrophes and the marks inside Latin names that staff leave out: O'Brien, D’Angelo,
# Jean-Luc, St. John. (ー, the katakana long vowel, is part of a name and stays.)
_NAME_PUNCTUATION = re.compile(r"['’‘ʼ`´\-.]")
# The region a phone number without its country code belongs to.
PHONE_REGION = "JP"
# A domestic number as most rows write it: ASCII digits, hyphens or spaces only.
_DOMESTIC_WRITTEN = re.compile(r"[0-9][0-9 -]*")


def normalize_name(value: str) -> str:
    """Fold a kanji or kana name to one searchable form.

    NFKC turns half-width katakana into full-width (ﾀﾞ → ダ) and full-width Latin/digits into
    ASCII; hiragana becomes katakana; every space (including the ideographic one) is removed so
    "山田 太郎" and "山田太郎" match; Latin letters are upper-cased, without their accents and
    apostrophes (José O'Brien → JOSEOBRIEN); every kanji folds to its variant group's form
    (髙橋 → 高橋, see kanji_variants).
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    if not text.isascii():
        text = _ACCENTED_LATIN.sub(_strip_accent, text)
        text = fold_variants(text)
    text = _NAME_PUNCTUATION.sub("", text)
    # NFKC already composes half-width kana; h2z would catch any residue outside NFKC's map.
    # Every half-width form has a compatibility decomposition, so none survives NFKC: h2z only
    # runs if one does (it cost half of each call; the import calls this 400,000 times).
    if _HALF_WIDTH_KANA.search(text):
        text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    text = _SPACES.sub("", text)
    return text.upper()


def _strip_accent(match: re.Match[str]) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", match.group()) if not unicodedata.combining(c)
    )


def name_grams(search_name: str) -> str:
    """The one- and two-character pieces of a search name, space-separated, each once.

    pg_trgm cannot serve a pattern under three characters (あ, 中島): a GIN index over these
    pieces can (`string_to_array(search_grams, ' ') @> ARRAY['中島']`). They never span the "|"
    between the kanji name and the reading, as the substring search never does.
    """
    grams: dict[str, None] = {}
    for part in search_name.split("|"):
        for i, char in enumerate(part):
            grams[char] = None
            if i + 1 < len(part):
                grams[part[i : i + 2]] = None
    return " ".join(grams)


def phone_digits(value: str) -> str:
    """The digits of a phone number as written (full-width digits too)."""
    if not value:
        return ""
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", str(value)))


def normalize_phone(value: str) -> str:
    """One canonical form per number, E.164: "+819012345678".

    "090-1234-5678", "+81 90 1234 5678", "０９０‐１２３４－５６７８" and "090ー1234ー5678" (as a
    Japanese IME types it) are one number; phonenumbers parses them, a number without a
    country code being Japanese. What it cannot read as a possible number keeps its digits
    only, so it still equals itself however it is punctuated.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _domestic_e164(text) or _parsed_e164(text)


def _parsed_e164(text: str) -> str:
    """phonenumbers' E.164 for an NFKC-normalised number, else its digits."""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return phone_digits(text)
    if not phonenumbers.is_possible_number(number):
        return phone_digits(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _domestic_e164(text: str) -> str:
    """What phonenumbers gives for the common case, without its parse (a third of an import's
    time): a Japanese number written with its trunk prefix, "090-1234-5678" or "03 1234 5678".

    Exactly phonenumbers' answer (tests/consent_app/test_phone_fast_path.py compares them) for
    a "0" followed by 9 or 10 digits, the first not "0": "0" is JP's national prefix for
    parsing, the rest is never itself a viable JP number (so the prefix is always stripped),
    9 and 10 digits are possible JP lengths, and E.164 is "+81" and the rest. Excluded: "00…"
    (JP's other prefixes for parsing) and "010…" (the international call prefix). Anything
    else returns "" and goes through phonenumbers.
    """
    if not _DOMESTIC_WRITTEN.fullmatch(text):
        return ""
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) not in (10, 11) or digits[0] != "0" or digits[1] == "0":
        return ""
    if digits.startswith("010"):
        return ""
    return "+81" + digits[1:]


def normalize_email(value: str) -> str:
    """Trimmed, NFKC-folded, lower-cased (full-width "ＴＡＲＯ＠…" typed on a Japanese IME too)."""
    if not value:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def normalize_postal_code(value: str) -> str:
    """Japanese postal code as "NNN-NNNN" when it has seven digits; otherwise the digits as typed.

    "〒100-0005", "〒 1000005", "1000005" and "１００－０００５" all become "100-0005".
    """
    if not value:
        return ""
    digits = phone_digits(value)
    if len(digits) == 7:
        return f"{digits[:3]}-{digits[3:]}"
    return digits


def normalize_customer_number(value: str) -> str:
    """Customer numbers are stored upper-case ASCII: "ｃ０００１２" finds "C00012"."""
    if not value:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).upper()
