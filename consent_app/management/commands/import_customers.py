"""Import customers from the CRM's CSV export: every row checked first, then all rows or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from consent_app.importing import IMPORT_MAX_BYTES, customer_import
from consent_app.models import AcquisitionMethod, Recipient
from consent_app.receipts import ReceiptDetails

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
        # APPI Art. 30: where the data comes from is stated, never assumed.
        parser.add_argument(
            "--source",
            choices=["own", "third-party"],
            required=True,
            help="own: collected by the company itself; third-party: received (Art. 30 record)",
        )
        parser.add_argument("--provider-code", help="code of a known recipient (fills the below)")
        parser.add_argument("--provider-name", default="")
        parser.add_argument("--provider-address", default="")
        parser.add_argument("--provider-representative", default="")
        parser.add_argument(
            "--acquisition", choices=AcquisitionMethod.values, default="", help="how it was got"
        )
        parser.add_argument("--acquisition-detail", default="")
        parser.add_argument("--items", default="", help="data items received, comma-separated")
        parser.add_argument("--special-care", action="store_true")

    def _receipt(self, options) -> ReceiptDetails | None:
        if options["source"] != "third-party":
            return None
        provider = None
        if options["provider_code"]:
            provider = Recipient.objects.filter(code=options["provider_code"]).first()
            if provider is None:
                raise CommandError(f"No recipient has the code {options['provider_code']}")
        return ReceiptDetails(
            provider=provider,
            provider_name=options["provider_name"] or getattr(provider, "name", ""),
            provider_address=options["provider_address"] or getattr(provider, "address", ""),
            provider_representative=options["provider_representative"]
            or getattr(provider, "representative", ""),
            acquisition=options["acquisition"],
            acquisition_detail=options["acquisition_detail"],
            data_items=[i.strip() for i in options["items"].split(",") if i.strip()],
            includes_special_care=options["special_care"],
        )

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
        with file.open("rb") as stream:
            result = customer_import(
                file=stream,
                by=by,
                encoding=encoding,
                dry_run=dry_run,
                received_from=self._receipt(options),
                collected_by_us=options["source"] == "own",
            )
        if not result.ok:
            for error in result.errors[:MAX_PRINTED_ERRORS]:
                self.stderr.write(str(error))
            more = result.error_count - MAX_PRINTED_ERRORS
            if more > 0:
                self.stderr.write(f"... and {more} more errors.")
            raise CommandError(
                f"{result.error_count} error(s) in {result.rows} rows; nothing was imported."
            )
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows ({result.encoding}): {result.created} customers {verb} "
                f"created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
