"""The append-only ledgers: the ONE list of them, and how each row's hash is computed.

Every table named here gets, on each `migrate` (privacyoffice.ledgers.install, run from
post_migrate on PostgreSQL):
- two columns the models do not declare, `ledger_seq` and `ledger_hash`, filled by a BEFORE
  INSERT trigger: the row's place in its chain and sha256(previous row's hash || row content);
- a trigger refusing any change to those two columns, and a statement trigger refusing TRUNCATE;
- privileges for the application role: SELECT and INSERT only (plus UPDATE of the columns named
  in `updatable`, for the export log's progress).
A new append-only model is one more line below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Expression


@dataclass(frozen=True)
class Ledger:
    model: str  # "app_label.ModelName"
    # The columns the hash covers; empty: every concrete column. A column added later to a
    # ledger must default to NULL or '' (both are left out of the content), or old rows would
    # no longer verify.
    hashed: tuple[str, ...] = ()
    # Columns the application may still UPDATE (the export log's progress and completion).
    # The model's own trigger says which changes are allowed; the chain never covers them.
    updatable_except: tuple[str, ...] | None = None

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def table(self) -> str:
        return self.model_class._meta.db_table

    def hashed_fields(self) -> list[models.Field]:
        fields = list(self.model_class._meta.concrete_fields)
        if self.hashed:
            fields = [f for f in fields if f.column in self.hashed]
        return fields

    def updatable_columns(self) -> list[str]:
        if self.updatable_except is None:
            return []
        frozen = set(self.updatable_except)
        return [f.column for f in self.model_class._meta.concrete_fields if f.column not in frozen]


# What an export was (who, which report, which filters, when): never its progress, which the
# export job keeps updating. Not privacyoffice.models.EXPORT_IDENTITY_COLUMNS itself: that list
# also holds estimated_rows, an estimate the export job may refine, and this module is loaded
# by apps.py before any model may be imported.
_EXPORT_IDENTITY = (
    "id",
    "report",
    "filters",
    "encoding",
    "header",
    "exported_by_id",
    "created_at",
    "is_background",
)

LEDGERS: tuple[Ledger, ...] = (
    Ledger("consent_app.ConsentEvent"),
    Ledger("consent_app.ProvisionRecord"),
    Ledger("requests_app.DocumentViewing"),
    Ledger("privacyoffice.ExportLog", hashed=_EXPORT_IDENTITY, updatable_except=_EXPORT_IDENTITY),
    Ledger("django_fsm_log.StateLog"),
    # APPI Art. 30 receipt records (issue 16): deleted only by privacyoffice_purge_data_receipts,
    # which records the runs it removed; the equivalent-measures checks are never deleted.
    Ledger("consent_app.DataReceipt"),
    Ledger("consent_app.DataReceiptPerson"),
    Ledger("consent_app.EquivalentMeasuresCheck"),
    # The ledgers' own bookkeeping is chained too: a purge record or a digest cannot be
    # rewritten to cover a deletion.
    Ledger("privacyoffice.RetentionPurge"),
    Ledger("privacyoffice.LedgerDigest"),
)


def ledger_for_table(table: str) -> Ledger:
    for ledger in LEDGERS:
        if ledger.table == table:
            return ledger
    raise LookupError(table)


class RowHash(Expression):
    """A ledger row's chain hash, for a report column (CSV exports carry it).

    The column is the database's own (not a model field), so it is named in SQL against the
    query's base table, or, with `of` (a forward foreign key of the base model), read from the
    row that key points to; SQLite keeps no chains and gives ''.
    """

    output_field = models.CharField()

    def __init__(self, of: str | None = None):
        super().__init__()
        self.of = of

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return "''", []
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        if self.of is None:
            return f"{alias}.ledger_hash", []
        field = compiler.query.model._meta.get_field(self.of)
        related = field.related_model._meta
        quote = connection.ops.quote_name
        # Identifiers from the models' metadata, never from input.
        table, pk = quote(related.db_table), quote(related.pk.column)
        sql = f"(SELECT r.ledger_hash FROM {table} r WHERE r.{pk} = {alias}.{quote(field.column)})"  # noqa: S608  # nosec B608  # model metadata only
        return sql, []
