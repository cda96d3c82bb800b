"""List the stored dates outside the plausible range (rows written before the bounds existed).

Prints table, column, how many rows and their first ids (never the values or the person's
data); exit status 1 when any is found. A request's receipt date is corrected on its page
(Correct the receipt date, with a logged reason); an append-only row (a consent event) is never
edited: it stays as recorded, is read safely (privacyoffice.stored_dates), and is listed here.
"""

from django.core.management.base import BaseCommand, CommandError

from privacyoffice.stored_dates import implausible_stored_dates


class Command(BaseCommand):
    help = "List stored dates outside 1900-01-01 … 2100-12-31 (ids only)."

    def handle(self, *args, **options):
        problems = implausible_stored_dates()
        if not problems:
            self.stdout.write("No stored date outside the plausible range.")
            return
        for problem in problems:
            ids = ", ".join(str(pk) for pk in problem.ids)
            more = f" … ({problem.count} rows)" if problem.count > len(problem.ids) else ""
            self.stdout.write(f"{problem.table}.{problem.column}: id {ids}{more}")
        raise CommandError(f"{len(problems)} columns hold implausible stored dates.")
