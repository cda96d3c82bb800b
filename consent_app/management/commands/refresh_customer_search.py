"""`manage.py refresh_customer_search`: rewrite the customers' search columns (search_refresh)."""

from django.core.management.base import BaseCommand

from consent_app.search_refresh import customer_search_columns_refresh


class Command(BaseCommand):
    help = (
        "Recompute every customer's search columns (after an upgrade of unicode-data or a change "
        "of the normalisation rules)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5_000)

    def handle(self, *args, **options):
        changed = customer_search_columns_refresh(batch_size=options["batch_size"])
        self.stdout.write(f"{changed} customers' search columns rewritten.")
        if changed:
            # The rewritten rows wait in the GIN indexes' pending lists until the next vacuum,
            # and every short-name search reads those lists: vacuum now rather than later.
            self.stdout.write("Then run: VACUUM (ANALYZE) consent_app_customer;")
