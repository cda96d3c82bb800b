"""Kanji variant folding for search, read from the Unicode Consortium's Unihan database.

A clerk types 高橋 for a customer registered as 髙橋, or 山崎 for 山﨑: the same name to them,
different code points to the database. The variant pairs come from Unihan as Debian's
`unicode-data` package ships it (`/usr/share/unicode/Unihan_*.txt.bz2`): a maintained source,
never a hand-written list. Each group of characters linked by the fields below folds to one
member of the group, so the stored search column and the typed term meet whichever form either
of them uses (both directions).

Fields used, and why only these:
- kSemanticVariant, kZVariant: the same character written differently (髙/高, 﨑/崎);
- kSpoofingVariant: forms a reader cannot tell apart on screen (𠮷/吉) — a clerk types what
  they see;
Compatibility ideographs (U+F900…) need no field: normalize_name applies NFKC first, which
maps each to its unified form (kCompatibilityVariant says the same); the twelve unified ones in
that block, such as 﨑, are linked by kSemanticVariant.
Nor links that only Cantonese dictionaries attest (CANTONESE_SOURCES).
Not kSimplifiedVariant/kTraditionalVariant: Chinese script conversion would merge different
Japanese names (乾/幹/干, 沖/衝). Nor kSpecializedSemanticVariant (same meaning only in some
contexts).

Unihan is Chinese-centred: many Japanese old/new form pairs (澤/沢, 邊/辺, 國/国) are not in it.
The Ministry of Justice's MJ character data would cover them; it is not packaged for Debian (nor
on PyPI as data). JAPANESE_SUPPLEMENT below adds, on top of Unihan, the pairs a clerk meets in
names that Unihan lacks, each group with its source; it only adds links (never removes one).
"""

from __future__ import annotations

import bz2
import os
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

UNIHAN_DIR = Path(os.environ.get("UNIHAN_DIR", "/usr/share/unicode"))
# (file, field) pairs read; see the module docstring for the choice.
UNIHAN_FIELDS: tuple[tuple[str, str], ...] = (
    ("Unihan_Variants.txt.bz2", "kSemanticVariant"),
    ("Unihan_Variants.txt.bz2", "kZVariant"),
    ("Unihan_Variants.txt.bz2", "kSpoofingVariant"),
)
# kSemanticVariant names the dictionary that attests each link. Links attested only by the
# Cantonese dictionaries (Lau; Meyer and Wempe) follow Cantonese usage, not Japanese, and chain
# different Japanese names into one group: 寡 (a widow) with 關, and through it with 関 (issue 14:
# 関 found 寡). Unattributed links and those of other sources (Morohashi's Dai Kan-Wa Jiten for
# 﨑/崎, Fenn for 髙/高, …) are kept.
CANTONESE_SOURCES = frozenset({"kLau", "kMeyerWempe"})
# Japanese variant groups Unihan's fields above do not link (checked against the table this module
# builds: each group here folded to more than one form before it was added). Sources:
# - the Jōyō kanji table (常用漢字表, Cabinet Notice No. 2 of 2010), which prints each character's
#   traditional form (旧字体, the "康熙字典体") in parentheses: 沢(澤), 浜(濱), 辺(邊), …;
# - 邉, the form of 邊 common in the family name 渡邉 (渡辺, 渡邊): issue 14 names the trio. Not in
#   the Jōyō table (it is a variant of the old form, not of 辺); to be checked against the MJ data.
# Unihan links kZVariant/kSemanticVariant pairs such as 髙/高, 﨑/崎, 眞/真, 峯/峰 already.
JAPANESE_SUPPLEMENT: tuple[tuple[str, str], ...] = (
    # (group, source)
    ("辺邊邉", "Jōyō 辺(邊); 邉 the family-name form of 邊"),
    ("沢澤", "Jōyō 沢(澤)"),
    ("浜濱", "Jōyō 浜(濱)"),
    ("斎齋", "Jōyō 斎(齋)"),
    ("斉齊", "Jōyō 斉(齊)"),
    ("広廣", "Jōyō 広(廣)"),
    ("国國", "Jōyō 国(國)"),
    ("桜櫻", "Jōyō 桜(櫻)"),
    ("竜龍", "Jōyō 竜(龍)"),
    ("恵惠", "Jōyō 恵(惠)"),
    ("実實", "Jōyō 実(實)"),
    ("栄榮", "Jōyō 栄(榮)"),
    ("弥彌", "Jōyō 弥(彌)"),
    ("蔵藏", "Jōyō 蔵(藏)"),
    ("円圓", "Jōyō 円(圓)"),
    ("伝傳", "Jōyō 伝(傳)"),
    ("静靜", "Jōyō 静(靜)"),
    ("穂穗", "Jōyō 穂(穗)"),
    ("絵繪", "Jōyō 絵(繪)"),
    ("学學", "Jōyō 学(學)"),
    ("駅驛", "Jōyō 駅(驛)"),
    ("仏佛", "Jōyō 仏(佛)"),
    ("児兒", "Jōyō 児(兒)"),
    ("徳德", "Jōyō 徳(德)"),
    ("髪髮", "Jōyō 髪(髮)"),
    ("瀬瀨", "Jōyō 瀬(瀨)"),
)
UNIHAN_MISSING = (
    "Kanji variant folding needs Unihan from Debian's unicode-data package "
    "(apt-get install unicode-data; `make system-deps` does it), looked for in {path}."
)


def _code_points(value: str) -> list[int]:
    """The linked code points of a field's value, without the links only Cantonese usage
    attests: "U+9AD8<kFenn U+2550E U+95DC<kLau" → [0x9AD8, 0x2550E]."""
    linked = []
    for token in value.split():
        code, _sep, sources = token.partition("<")
        named = {source.split(":", 1)[0] for source in sources.split(",") if source}
        if named and named <= CANTONESE_SOURCES:
            continue
        linked.append(int(code[2:], 16))
    return linked


# Shift_JIS codes up to here are JIS X 0208 level 1, the everyday kanji (rows 16–47).
_SJIS_LEVEL_1_LAST = 0x9872


def _rank(cp: int) -> tuple[int, int]:
    """How everyday a character is in Japanese, from the JIS X 0208 table Python's codecs hold.

    JIS level 1 first, then level 2 (in JIS order: 崎 before 埼), then CP932's vendor extras
    (髙, 﨑), then other BMP ideographs.
    """
    char = chr(cp)
    try:
        code = int.from_bytes(char.encode("shift_jis"), "big")
    except UnicodeEncodeError:
        try:
            char.encode("cp932")
        except UnicodeEncodeError:
            return (4 if cp <= 0xFFFF else 5, 0)
        return (3, 0)
    return (1 if code <= _SJIS_LEVEL_1_LAST else 2, code)


def _representative(group: list[int]) -> int:
    """The form a group folds to: the everyday Japanese one (JIS level 1, then level 2, …).

    Any fixed choice would match; this one keeps the stored search column in the characters a
    clerk types (高 rather than 髙, 崎 rather than 﨑, 藤 rather than 籐).
    """
    return min(group, key=lambda cp: (_rank(cp), cp))


@cache
def variant_table() -> dict[int, int]:
    """Code point → the code point its variant group folds to (only those that change)."""
    parent: dict[int, int] = {}

    def find(cp: int) -> int:
        parent.setdefault(cp, cp)
        while parent[cp] != cp:
            parent[cp] = parent[parent[cp]]
            cp = parent[cp]
        return cp

    wanted: dict[str, set[str]] = {}
    for filename, field_name in UNIHAN_FIELDS:
        wanted.setdefault(filename, set()).add(field_name)
    for filename, fields in wanted.items():
        path = UNIHAN_DIR / filename
        if not path.exists():
            raise ImproperlyConfigured(UNIHAN_MISSING.format(path=path))
        with bz2.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("#") or not line.strip():
                    continue
                code, field_name, value = line.rstrip("\n").split("\t", 2)
                if field_name not in fields:
                    continue
                a = find(int(code[2:], 16))
                for other in _code_points(value):
                    b = find(other)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
                        a = min(a, b)
    for members, _source in JAPANESE_SUPPLEMENT:
        first = find(ord(members[0]))
        for char in members[1:]:
            other = find(ord(char))
            if first != other:
                parent[max(first, other)] = min(first, other)
                first = min(first, other)
    groups: dict[int, list[int]] = {}
    for cp in parent:
        groups.setdefault(find(cp), []).append(cp)
    table: dict[int, int] = {}
    for code_points in groups.values():
        target = _representative(code_points)
        table.update({cp: target for cp in code_points if cp != target})
    return table


def fold_variants(text: str) -> str:
    """`text` with every kanji replaced by its variant group's form (高橋 and 髙橋 → 高橋)."""
    return text.translate(variant_table())
