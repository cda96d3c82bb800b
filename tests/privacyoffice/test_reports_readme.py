"""The README's table of report columns is the one generated from the report definitions."""

from __future__ import annotations

import dataclasses

from privacyoffice.reports import readme
from privacyoffice.reports.definitions import REPORTS


def test_the_readme_column_table_is_generated_from_the_definitions():
    text = readme.README.read_text(encoding="utf-8")
    assert readme.table_in(text) == readme.column_table(), (
        "README.md's report columns are stale: run `manage.py readme_report_columns`"
    )


def test_the_generated_table_names_every_listed_report_and_column():
    table = readme.column_table()
    for report in REPORTS.values():
        row = next((line for line in table.splitlines() if f"(`{report.slug}`," in line), None)
        if not report.listed:
            assert row is None
            continue
        assert row is not None, report.slug
        assert [cell.split("`")[1] for cell in row.split(" | ")[1].split(", ")] == (
            report.column_names
        )


def test_a_changed_column_makes_the_readme_stale(monkeypatch):
    """GIVEN a column renamed in the definitions WHEN compared THEN the README disagrees."""
    text = readme.README.read_text(encoding="utf-8")
    report = REPORTS["letters"]
    renamed = dataclasses.replace(report.columns[0], name="letter_no")
    changed = dataclasses.replace(report, columns=(renamed, *report.columns[1:]))
    monkeypatch.setitem(REPORTS, "letters", changed)
    assert readme.table_in(text) != readme.column_table()
