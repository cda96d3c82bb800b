"""The formula guard: a CSV cell a spreadsheet would run as a formula is written as text.

One definition for the whole project (reports, marketing lists, electronic disclosure copies),
in Python and in SQL, so every CSV the office hands out is neutralised the same way.
"""

from __future__ import annotations

from typing import Any

# A spreadsheet executes a cell that starts with one of these (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Prefixing an apostrophe makes Excel and LibreOffice show the text instead of running it.
FORMULA_GUARD = "'"


def neutralise(text: str) -> str:
    """The cell as a spreadsheet will show it, never as a formula it would run."""
    if text and text[0] in FORMULA_TRIGGERS:
        return FORMULA_GUARD + text
    return text


def csv_safe(value: Any) -> str:
    """Any value as a neutralised CSV cell; None is the empty cell."""
    return "" if value is None else neutralise(str(value))


def pg_neutralised_sql(sql: str) -> str:
    """SQL that neutralises the text value of `sql` on PostgreSQL, as `neutralise` does.

    `sql` appears three times: the caller repeats its parameters three times.
    """
    triggers = ", ".join(f"chr({ord(c)})" for c in FORMULA_TRIGGERS)
    return (
        f"CASE WHEN substr(({sql})::text, 1, 1) IN ({triggers})"
        f" THEN '{FORMULA_GUARD}{FORMULA_GUARD}' || ({sql})::text ELSE ({sql})::text END"
    )
