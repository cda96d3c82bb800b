"""The README's table of report columns, generated from the report definitions.

The columns are defined once (`definitions.py`); the README's table is written from them by
`manage.py readme_report_columns` (run it after adding a column), and a test fails when
the two disagree.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from .definitions import REPORTS

BEGIN = "<!-- report columns: generated from privacyoffice/reports/definitions.py -->"
END = "<!-- end of report columns -->"
README = Path(__file__).resolve().parents[2] / "README.md"


def column_table() -> str:
    """The markdown table of every listed report: title, slug, date filter, columns."""
    lines = ["| report (`slug`, filtered on) | columns |", "|---|---|"]
    with translation.override("en"):
        for report in REPORTS.values():
            if not report.listed:
                continue
            columns = ", ".join(
                f"`{column.name}`" + (f" ({column.note})" if column.note else "")
                for column in report.columns
            )
            filtered_on = report.date_field or "—"
            lines.append(f"| {report.title} (`{report.slug}`, {filtered_on}) | {columns} |")
    return "\n".join(lines)


def table_in(text: str) -> str:
    """The table between the README's markers."""
    start = text.index(BEGIN) + len(BEGIN)
    return text[start : text.index(END)].strip("\n")


def with_table(text: str) -> str:
    start = text.index(BEGIN) + len(BEGIN)
    return text[:start] + "\n" + column_table() + "\n" + text[text.index(END) :]
