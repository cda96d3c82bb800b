"""Import customers from the CRM's CSV export: every row checked first, then all rows or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from consent_app.importing import IMPORT_MAX_BYTES, customer_import

# Printed errors stop here; the count says how many more there were.
MAX_PRINTED_ERRORS = 200


class Command(BaseCommand):
    help = (
        "Import customers from a CSV file (UTF-8 or Shift_JIS/CP932). Every row is validated "
        "first; if any row is wrong nothing is imported and the errors are listed per line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file exported from the CRM")
        parser.add_argument(
            "--encoding", choices=["auto", "utf-8", "cp932"], default="auto", help="default: auto"
        )
        parser.add_argument("--user", help="username recorded in the customers' history")
        parser.add_argument("--dry-run", action="store_true", help="validate only")

    def handle(self, *args, path: str, encoding: str, user: str | None, dry_run: bool, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        if file.stat().st_size > IMPORT_MAX_BYTES:
            raise CommandError(f"{path} is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No such user: {user}")
        result = customer_import(data=file.read_bytes(), by=by, encoding=encoding, dry_run=dry_run)
        if not result.ok:
            for error in result.errors[:MAX_PRINTED_ERRORS]:
                self.stderr.write(str(error))
            more = len(result.errors) - MAX_PRINTED_ERRORS
            if more > 0:
                self.stderr.write(f"... and {more} more errors.")
            raise CommandError(
                f"{len(result.errors)} error(s) in {result.rows} rows; nothing was imported."
            )
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows ({result.encoding}): {result.created} customers {verb} "
                f"created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
