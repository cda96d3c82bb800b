"""Recompute every ledger's hash chain and check the recorded digests.

Exit status 0 when everything verifies; otherwise each ledger's first problems are printed
(table, row id, chain position) and the command fails. Run it as any role that can read the
tables (the application role is enough).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from privacyoffice.ledgers.verify import ledgers_verify

SHOWN_PER_LEDGER = 5


class Command(BaseCommand):
    help = "Verify the append-only ledgers' hash chains and digests; name the first broken row."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The ledgers are hash-chained on PostgreSQL only.")
        checks, digest_problems = ledgers_verify()
        failed = False
        for check in checks:
            if check.ok:
                self.stdout.write(
                    f"{check.table}: OK, {check.rows} rows, head {check.head_seq} "
                    f"{check.head_hash[:16]}"
                )
                continue
            failed = True
            self.stdout.write(self.style.ERROR(f"{check.table}: BROKEN"))
            for problem in check.problems[:SHOWN_PER_LEDGER]:
                self.stdout.write(f"  {check.table}: {problem}")
            if len(check.problems) > SHOWN_PER_LEDGER:
                self.stdout.write(f"  … and {len(check.problems) - SHOWN_PER_LEDGER} more")
        for problem in digest_problems:
            failed = True
            self.stdout.write(self.style.ERROR(f"digest: {problem}"))
        if failed:
            raise CommandError("The ledgers do not verify: see the rows named above.")
        self.stdout.write(self.style.SUCCESS("All ledgers verify."))
