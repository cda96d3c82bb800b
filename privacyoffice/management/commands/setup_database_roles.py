"""Create the owner and application roles and grant the application its per-table privileges.

    # as a superuser (CI, a new server): roles, ownership, triggers, grants
    DATABASE_URL=postgres://postgres@db/privacyoffice manage.py setup_database_roles --create-roles
    # as the owner (after each release's migrate, which also does it): triggers and grants only
    manage.py setup_database_roles

Idempotent: run it as often as you like; roles are cluster-wide, so a second database on the
same server reuses them. Names and passwords come from DATABASE_OWNER_ROLE, DATABASE_APP_ROLE,
DATABASE_OWNER_PASSWORD and DATABASE_APP_PASSWORD (README: "Database roles").
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from privacyoffice import dbroles
from privacyoffice.ledgers.sql import install


class Command(BaseCommand):
    help = "Create the owner and application database roles and grant per-table privileges."

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-roles",
            action="store_true",
            help="Create or update both roles and hand the database to the owner (superuser).",
        )
        parser.add_argument(
            "--print-url",
            choices=["owner", "app"],
            help="Print DATABASE_URL for that role (same host and database) and stop.",
        )
        parser.add_argument(
            "--owner-can-create-databases",
            action="store_true",
            help="Let the owner role create databases (CI: the test runner creates its own).",
        )

    def handle(
        self,
        *args,
        create_roles: bool,
        owner_can_create_databases: bool,
        print_url: str | None,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist only on PostgreSQL (DATABASE_URL).")
        owner, app = dbroles.owner_role(), dbroles.app_role()
        if print_url:
            self.stdout.write(dbroles.database_url(connection.settings_dict, role=print_url))
            return
        with transaction.atomic():
            if create_roles:
                dbroles.create_roles(
                    connection, owner_can_create_databases=owner_can_create_databases
                )
                moved = dbroles.hand_database_to_owner(connection)
                self.stdout.write(f"roles {owner} and {app} ready; {moved} objects handed over")
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('privacyoffice_ledgerhead') IS NOT NULL")
                if not cursor.fetchone()[0]:
                    self.stdout.write(
                        "Not migrated yet: run `migrate` as the owner; it installs the "
                        "ledgers and grants the application role its privileges."
                    )
                    return
                cursor.execute("SELECT current_user")
                current = cursor.fetchone()[0]
                if current != owner:
                    # A superuser acts as the owner, so the functions and default
                    # privileges below are the owner's.
                    cursor.execute(f"SET LOCAL ROLE {dbroles._q(owner)}")
            install(connection)
            if not dbroles.grant_application_privileges(connection):
                raise CommandError(
                    f"The application role {app} does not exist: run with --create-roles "
                    "as a superuser first."
                )
        self.stdout.write(self.style.SUCCESS(f"privileges granted to {app}"))
