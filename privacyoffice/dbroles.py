"""The two database roles and what the application role may do to each table.

- The OWNER role runs migrations, so it owns every table, sequence and function.
- The APPLICATION role (web and workers) is no superuser, owns nothing, and gets per table:
  the ledgers (privacyoffice.ledgers.LEDGERS): SELECT and INSERT only (the export log also
  UPDATE of its progress columns); the ledgers' head table: SELECT; every other table of an
  installed model: SELECT, INSERT, UPDATE, DELETE. Never TRUNCATE, REFERENCES or TRIGGER.
  Not owning a table, it can neither disable its triggers nor alter or drop it, and not being
  a superuser it cannot SET session_replication_role.
Grants are computed from the installed models on every `migrate` (post_migrate) and by
`manage.py setup_database_roles`; ALTER DEFAULT PRIVILEGES gives a table created by a later
migration the ordinary privileges even before that.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

from .ledgers import LEDGERS
from .ledgers.sql import HEAD_TABLE

logger = logging.getLogger(__name__)

# Documented defaults (README, "Database roles"): CI and the demo use them; production sets
# its own names and passwords in the environment.
DEFAULT_OWNER_ROLE = "privacyoffice_owner"
DEFAULT_APP_ROLE = "privacyoffice_app"
CI_OWNER_PASSWORD = "privacyoffice-owner-ci"  # noqa: S105  # nosec B105  # CI-only default
CI_APP_PASSWORD = "privacyoffice-app-ci"  # noqa: S105  # nosec B105  # CI-only default
ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
# Written once, then changed only by their purge function (privacyoffice.ledgers.sql): the
# application role may read and insert them, never update or delete.
PURGED_ONLY_BY_FUNCTION = (
    "requests_app.IdentityDocument",
    # The Art. 30 receipt records and the equivalent-measures checks are ledgers (LEDGERS):
    # SELECT and INSERT like the others, deleted only by privacyoffice_purge_data_receipts.
)


def owner_role() -> str:
    return os.environ.get("DATABASE_OWNER_ROLE", DEFAULT_OWNER_ROLE)


def app_role() -> str:
    return os.environ.get("DATABASE_APP_ROLE", DEFAULT_APP_ROLE)


def owner_password() -> str:
    return os.environ.get("DATABASE_OWNER_PASSWORD", CI_OWNER_PASSWORD)


def app_password() -> str:
    return os.environ.get("DATABASE_APP_PASSWORD", CI_APP_PASSWORD)


def database_url(settings_dict: dict, *, role: str) -> str:
    """DATABASE_URL for the owner or the application role, same server and database."""
    user, password = (
        (owner_role(), owner_password()) if role == "owner" else (app_role(), app_password())
    )
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{quote(user)}:{quote(password)}@{host}:{port}/{settings_dict['NAME']}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def create_roles(connection: BaseDatabaseWrapper, *, owner_can_create_databases: bool) -> None:
    """Create (or bring back in line) both roles. Needs a superuser or a CREATEROLE role.

    Roles are cluster-wide: running this for a second database, or twice, changes nothing but
    the passwords, to the ones in the environment.
    """
    owner, app = owner_role(), app_role()
    with connection.cursor() as cursor:
        # CREATEDB is only ever added to the owner, never taken away: roles are cluster-wide and
        # a CI run on the same server may need it while a demo's setup does not ask for it.
        for role, password, extra in (
            (owner, owner_password(), "CREATEDB" if owner_can_create_databases else ""),
            (app, app_password(), "NOCREATEDB"),
        ):
            verb = "ALTER" if role_exists(cursor, role) else "CREATE"
            cursor.execute(
                f"{verb} ROLE {_q(role)} LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION"
                f" NOBYPASSRLS {extra} PASSWORD %s",
                [password],
            )
        # The application must not inherit anything from the owner.
        cursor.execute(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
            " JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s",
            [owner, app],
        )
        if cursor.fetchone():
            cursor.execute(f"REVOKE {_q(owner)} FROM {_q(app)}")


def hand_database_to_owner(connection: BaseDatabaseWrapper) -> int:
    """As a superuser: make the owner role own the database, its schema and every object in it.

    For a database first migrated by another role (e.g. `postgres`). Returns how many objects
    changed hands.
    """
    owner = owner_role()
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
        cursor.execute(f"ALTER DATABASE {_q(database)} OWNER TO {_q(owner)}")
        cursor.execute(f"ALTER SCHEMA public OWNER TO {_q(owner)}")
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            " AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> %s",
            [owner],
        )
        for name, kind in cursor.fetchall():
            # A table's own sequences (serial, identity) follow it.
            what = {"v": "VIEW", "m": "MATERIALIZED VIEW"}.get(kind, "TABLE")
            cursor.execute(f"ALTER {what} {_q(name)} OWNER TO {_q(owner)}")
            changed += 1
        cursor.execute(
            "SELECT p.oid::regprocedure::text, p.prokind FROM pg_proc p JOIN pg_namespace n"
            " ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            " AND pg_get_userbyid(p.proowner) <> %s",
            [owner],
        )
        for signature, kind in cursor.fetchall():
            what = "AGGREGATE" if kind == "a" else "FUNCTION"
            cursor.execute(f"ALTER {what} {signature} OWNER TO {_q(owner)}")
            changed += 1
    return changed


def model_tables() -> list[str]:
    """Every table of every installed model (m2m tables included), the ledgers' too."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def grant_application_privileges(connection: BaseDatabaseWrapper) -> bool:
    """Grant the application role what each table needs; revoke the rest. Idempotent.

    Runs as the owner (post_migrate, or the command). Returns False (and changes nothing)
    when the application role does not exist in this cluster, e.g. on a laptop without roles.
    """
    if connection.vendor != "postgresql":
        return False
    app = _q(app_role())
    ledgers = {ledger.table: ledger for ledger in LEDGERS}
    insert_only = {apps.get_model(label)._meta.db_table for label in PURGED_ONLY_BY_FUNCTION}
    with connection.cursor() as cursor:
        if not role_exists(cursor, app_role()):
            return False
        cursor.execute("SELECT current_database(), current_user")
        database, owner = cursor.fetchone()
        # Nobody but the owner creates objects; the application only connects and reads them.
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {_q(database)} TO {app}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_q(owner)} IN SCHEMA public"
            f" GRANT {ORDINARY} ON TABLES TO {app}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_q(owner)} IN SCHEMA public"
            f" GRANT USAGE, SELECT ON SEQUENCES TO {app}"
        )
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        )
        existing = {row[0] for row in cursor.fetchall()}
        for table in [*model_tables(), "django_migrations"]:
            if table not in existing:
                continue
            cursor.execute(f"REVOKE ALL ON TABLE {_q(table)} FROM {app}")
            if table == HEAD_TABLE or table == "django_migrations":
                cursor.execute(f"GRANT SELECT ON TABLE {_q(table)} TO {app}")
            elif table in insert_only:
                cursor.execute(f"GRANT SELECT, INSERT ON TABLE {_q(table)} TO {app}")
            elif table in ledgers:
                cursor.execute(f"GRANT SELECT, INSERT ON TABLE {_q(table)} TO {app}")
                columns = ledgers[table].updatable_columns()
                if columns:
                    listed = ", ".join(_q(c) for c in columns)
                    cursor.execute(f"GRANT UPDATE ({listed}) ON TABLE {_q(table)} TO {app}")
            else:
                cursor.execute(f"GRANT {ORDINARY} ON TABLE {_q(table)} TO {app}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
    logger.info("database privileges granted to the application role on %s", database)
    return True
