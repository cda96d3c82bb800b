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
- kCompatibilityVariant: compatibility ideographs and their unified form (NFKC does most; the
  twelve "unified" ones in the compatibility block, such as 﨑, it does not).
Not kSimplifiedVariant/kTraditionalVariant: Chinese script conversion would merge different
Japanese names (乾/幹/干, 沖/衝). Nor kSpecializedSemanticVariant (same meaning only in some
contexts).

Unihan is Chinese-centred: some Japanese old/new form pairs (澤/沢, 邊/辺) are not in it. The
Ministry of Justice's MJ character data would cover them; it is not packaged for Debian.
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
    ("Unihan_IRGSources.txt.bz2", "kCompatibilityVariant"),
)
UNIHAN_MISSING = (
    "Kanji variant folding needs Unihan from Debian's unicode-data package "
    "(apt-get install unicode-data; `make system-deps` does it), looked for in {path}."
)


def _code_points(value: str) -> list[int]:
    # "U+9AD8<kFenn U+2550E" → [0x9AD8, 0x2550E]: the sources after "<" are not needed here.
    return [int(token.split("<", 1)[0][2:], 16) for token in value.split()]


def _in_cp932(cp: int) -> bool:
    try:
        chr(cp).encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def _representative(group: list[int]) -> int:
    """The form a group folds to: one CP932 holds when there is one, then a BMP ideograph.

    Any fixed choice would match; this one keeps the stored search column in characters every
    font and CP932 client has (高 rather than 髙, 吉 rather than 𠮷).
    """
    return min(group, key=lambda cp: (not _in_cp932(cp), not 0x4E00 <= cp <= 0x9FFF, cp))


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
    groups: dict[int, list[int]] = {}
    for cp in parent:
        groups.setdefault(find(cp), []).append(cp)
    table: dict[int, int] = {}
    for group in groups.values():
        target = _representative(group)
        table.update({cp: target for cp in group if cp != target})
    return table


def fold_variants(text: str) -> str:
    """`text` with every kanji replaced by its variant group's form (高橋 and 髙橋 → 高橋)."""
    return text.translate(variant_table())
