"""Rewrite the README's table of report columns from the report definitions."""

from django.core.management.base import BaseCommand

from privacyoffice.reports.readme import README, with_table


class Command(BaseCommand):
    help = "Rewrite the report-column table in README.md from privacyoffice/reports/definitions.py."

    def handle(self, *args, **options) -> None:
        README.write_text(with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"{README}: report columns rewritten")
