"""Provision of personal data to third parties, its Art. 29 records, and their retention.

A batch is created by staff (`provision_batch_create`) and run by a Celery task
(`provision_batch_execute`): in ONE transaction it selects the eligible customers with one
set-based INSERT … SELECT into the records table, writes the recipient's CSV file from exactly
those records, and marks the batch completed. Anything failing rolls the records back and removes
the file: all or nothing. Records are purged after their retention (`provision_records_purge`),
the only code allowed past the database's no-DELETE trigger.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
import uuid
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Case, Exists, Expression, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from kombu.exceptions import OperationalError as BrokerError

from .eligibility import eligible_customers
from .lawful import BasisProof, provision_basis_check
from .models import (
    Channel,
    Customer,
    ForeignBasis,
    ProvisionBasis,
    ProvisionBatch,
    ProvisionRecord,
    PurposeOfUse,
    Recipient,
    RecipientCategory,
    RecordMethod,
)
from .tasks import run_provision_batch

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
BATCH_RECIPIENT_INACTIVE = _("The recipient is not active; nothing can be provided to it.")
BATCH_AGREEMENT_EXPIRED = _("The recipient's agreement ended on %(end)s; renew it first.")
BATCH_AGREEMENT_NOT_STARTED = _("The recipient's agreement only starts on %(start)s.")
BATCH_AGREEMENT_MISSING = _(
    "A party with an information supply agreement needs the agreement reference and its dates."
)
BATCH_PURPOSE_NOT_PROVISION = _("Only a purpose of provision to third parties can be provided.")
BATCH_PURPOSE_INACTIVE = _("The purpose of use is not active.")
BATCH_NO_DATA_ITEMS = _("Choose at least one data item to provide.")
BATCH_UNKNOWN_DATA_ITEMS = _("Unknown data items: %(items)s.")
BATCH_NOT_FAILED = _("Only a failed batch can be run again.")
BATCH_BASIS_NO_RECORD = _("Provision required by law is not made as a provision batch.")

# The data items a batch may export: item code → (label, customer columns in the CSV).
DATA_ITEMS: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "name": (pgettext_lazy("person", "Name"), ("family_name", "given_name")),
    "name_kana": (_("Name (kana)"), ("family_name_kana", "given_name_kana")),
    "address": (_("Postal address"), ("postal_code", "prefecture", "address")),
    "phone": (_("Phone"), ("phone",)),
    "email": (_("E-mail"), ("email",)),
    "date_of_birth": (_("Date of birth"), ("date_of_birth",)),
    "preferred_language": (_("Preferred language"), ("preferred_language",)),
}


def data_items_label(items: list[str] | None) -> str:
    """The data items as a person reads them (氏名、住所), never the stored list of codes."""
    labels = [str(DATA_ITEMS[item][0]) if item in DATA_ITEMS else item for item in items or []]
    return pgettext("list separator", ", ").join(labels)


# Art. 29 retention (APPI enforcement rules Art. 21): 3 years; 1 year where a contract serves
# as the record.
RETENTION_YEARS = 3
RETENTION_YEARS_CONTRACT = 1
_PURGE_CHUNK = 10_000


def _error(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def retain_until(*, provided_on: date, contract_serves_as_record: bool) -> date:
    """Last day a record of a provision on `provided_on` must be kept.

    Civil Code Arts. 140 and 143: the first day is not counted, and a period in years ends on
    the day before the corresponding day of the last year (the last day of the month when that
    day does not exist, e.g. 29 February). A provision on 2026-04-10 is kept until 2029-04-10.
    """
    years = RETENTION_YEARS_CONTRACT if contract_serves_as_record else RETENTION_YEARS
    start = provided_on + timedelta(days=1)
    try:
        corresponding = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one: the period ends on the 28th.
        return date(start.year + years, 2, 28)
    return corresponding - timedelta(days=1)


def check_recipient_can_receive(*, recipient: Recipient, basis: str, on: date) -> None:
    """Refuse provision to an inactive recipient or one without an agreement in force on `on`."""
    if not recipient.active:
        raise _error(BATCH_RECIPIENT_INACTIVE, "recipient_inactive")
    if recipient.category == RecipientCategory.AGREEMENT and not (
        recipient.agreement_reference and recipient.agreement_start and recipient.agreement_end
    ):
        raise _error(BATCH_AGREEMENT_MISSING, "agreement_missing")
    if recipient.agreement_start and recipient.agreement_start > on:
        raise _error(
            BATCH_AGREEMENT_NOT_STARTED, "agreement_not_started", start=recipient.agreement_start
        )
    if recipient.agreement_end and recipient.agreement_end < on:
        raise _error(BATCH_AGREEMENT_EXPIRED, "agreement_expired", end=recipient.agreement_end)
    if basis == ProvisionBasis.LAW:
        raise _error(BATCH_BASIS_NO_RECORD, "basis_no_record")


def _check_data_items(items: list[str]) -> None:
    if not items:
        raise _error(BATCH_NO_DATA_ITEMS, "no_items")
    unknown = sorted(set(items) - set(DATA_ITEMS))
    if unknown:
        raise _error(BATCH_UNKNOWN_DATA_ITEMS, "unknown_items", items=", ".join(unknown))


def provision_batch_create(
    *,
    recipient: Recipient,
    purpose: PurposeOfUse,
    by: User | None,
    data_items: list[str] | None = None,
    basis: str | None = None,
    enqueue: bool = True,
) -> ProvisionBatch:
    """Validate and queue a provision batch; the worker runs it (`provision_batch_execute`).

    The basis (default: the recipient's) is checked before anything is queued
    (`lawful.provision_basis_check`): a batch without a lawful basis is refused with a message
    naming what is missing, and the proof (filing, notice, Art. 28 basis) is stored on it.
    `enqueue=False` leaves the run to the caller (the demo loader runs it in-process).
    """

    if not purpose.is_third_party_provision:
        raise _error(BATCH_PURPOSE_NOT_PROVISION, "purpose_not_provision")
    if not purpose.active:
        raise _error(BATCH_PURPOSE_INACTIVE, "purpose_inactive")
    items = list(data_items if data_items is not None else recipient.data_items or [])
    _check_data_items(items)
    today = timezone.localdate()
    basis = basis or recipient.basis
    proof = provision_basis_check(recipient=recipient, basis=basis, data_items=items, on=today)
    check_recipient_can_receive(recipient=recipient, basis=basis, on=today)
    with transaction.atomic():
        batch = ProvisionBatch.objects.create(
            recipient=recipient,
            purpose=purpose,
            provided_on=today,
            data_items=items,
            basis=basis,
            opt_out_filing=proof.opt_out_filing,
            joint_use_notice=proof.joint_use_notice,
            foreign_basis=proof.foreign_basis,
            created_by=by,
        )
        # After commit: the worker must find the row; a broker outage leaves it pending, and
        # the sweep queues it again.
        if enqueue:
            transaction.on_commit(lambda: _enqueue(run_provision_batch, batch.pk))
    logger.info(
        "provision batch %s created for recipient %s by user %s",
        batch.pk,
        recipient.pk,
        getattr(by, "pk", None),
    )
    return batch


def _enqueue(task, batch_id: int) -> None:
    try:
        task.delay(batch_id)
    except (BrokerError, ConnectionError, OSError):
        # The broker is down: the batch stays pending and the sweep queues it again.
        logger.warning("provision batch %s not queued (broker unavailable)", batch_id)


def _csv_columns(items: list[str]) -> list[str]:
    columns = ["number"]
    for item in items:
        columns.extend(DATA_ITEMS[item][1])
    return columns


def _eligible(batch: ProvisionBatch) -> QuerySet[Customer]:
    return eligible_customers(
        purpose=batch.purpose,
        channel=Channel.ANY,
        recipient=batch.recipient,
        basis=batch.basis,
        foreign_consent=batch.foreign_basis == ForeignBasis.CONSENT,
    ).order_by()


def _insert_records(batch: ProvisionBatch) -> int:
    """One INSERT … SELECT: the eligibility query feeds the records table inside the database.

    Each row gets its record method and retention (Rules 19–21): the contract serves as the
    record only where the recipient's contract says so AND the provision is made in connection
    with supplying goods or services to the person, which we hold true exactly when the
    recipient is the dealer serving that customer (Rule 19(3)); every other row is a record
    made at the provision, kept 3 years.
    """
    per_provision = retain_until(provided_on=batch.provided_on, contract_serves_as_record=False)
    contract = retain_until(provided_on=batch.provided_on, contract_serves_as_record=True)
    if batch.recipient.contract_serves_as_record:
        supplies_person = Q(dealer_id=batch.recipient_id)
        method: Expression = Case(
            When(supplies_person, then=Value(RecordMethod.CONTRACT)),
            default=Value(RecordMethod.PER_PROVISION),
        )
        keep: Expression = Case(
            When(supplies_person, then=Value(contract)), default=Value(per_provision)
        )
    else:
        method, keep = Value(RecordMethod.PER_PROVISION), Value(per_provision)
    eligible = _eligible(batch).values(
        eligible_id=F("pk"), eligible_method=method, eligible_keep=keep
    )
    select_sql, select_params = eligible.query.sql_with_params()
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    table = ProvisionRecord._meta.db_table
    sql = (
        f"INSERT INTO {table} "  # noqa: S608  # nosec B608  # table from the model, values bound
        "(batch_id, recipient_id, customer_id, provided_on, data_items, basis, record_method, "
        "retain_until) "
        f"SELECT %s, %s, eligible.eligible_id, %s, %s{json_cast}, %s, eligible.eligible_method, "
        f"eligible.eligible_keep FROM ({select_sql}) AS eligible"
    )
    params = (
        batch.pk,
        batch.recipient_id,
        batch.provided_on,
        json.dumps(batch.data_items),
        batch.basis,
        *select_params,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _write_csv(batch: ProvisionBatch) -> tuple[str, str, int]:
    """Write the recipient's file; returns (storage name, sha256, rows).

    From the batch's records; for joint use (no Art. 29 record: the notice proves it) from the
    eligibility query itself, in the same transaction.
    """
    columns = _csv_columns(batch.data_items)
    digest = hashlib.sha256()
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        if batch.basis == ProvisionBasis.JOINT_USE:
            customers = _eligible(batch)
        else:
            customers = Customer.objects.filter(provision_records__batch=batch)
        rows = customers.order_by("number").values_list(*columns).iterator(chunk_size=5000)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
            count += 1
        text.flush()
        text.detach()
        raw.seek(0)
        for block in iter(lambda: raw.read(1024 * 1024), b""):
            digest.update(block)
        raw.seek(0)
        today = timezone.localdate()
        name = default_storage.save(
            f"provision/{today:%Y/%m}/batch-{batch.pk}-{uuid.uuid4().hex}.csv", File(raw)
        )
    return name, digest.hexdigest(), count


def provision_batch_execute(*, batch_id: int) -> ProvisionBatch | None:
    """Run a pending batch: records + file + completion, all or nothing. Idempotent.

    The batch row is locked for the whole run, so a second delivery of the task waits, then
    finds the batch completed and does nothing.
    """
    stored_name = ""
    try:
        with transaction.atomic():
            batch = (
                ProvisionBatch.objects.select_for_update()
                .select_related("recipient", "purpose")
                .filter(pk=batch_id)
                .first()
            )
            if batch is None or batch.status != ProvisionBatch.Status.PENDING:
                return batch
            today = timezone.localdate()
            try:
                # Re-checked at run time: the agreement may have ended, a filing been replaced
                # or a check failed since the batch was made.
                check_recipient_can_receive(recipient=batch.recipient, basis=batch.basis, on=today)
                _check_data_items(batch.data_items)
                proof = provision_basis_check(
                    recipient=batch.recipient,
                    basis=batch.basis,
                    data_items=batch.data_items,
                    on=today,
                )
            except ValidationError as exc:
                batch.status = ProvisionBatch.Status.FAILED
                batch.error = " ".join(exc.messages)
                batch.save(update_fields=["status", "error"])
                logger.info("provision batch %s refused: %s", batch.pk, exc.code)
                return batch
            batch.provided_on = today
            _apply_proof(batch, proof)
            # Joint use: the joint users are not third parties, no Art. 29 record is made.
            if batch.basis != ProvisionBasis.JOINT_USE:
                _insert_records(batch)
            stored_name, sha256, count = _write_csv(batch)
            batch.file.name = stored_name
            batch.sha256 = sha256
            batch.customer_count = count
            batch.status = ProvisionBatch.Status.COMPLETED
            batch.completed_at = timezone.now()
            batch.error = ""
            batch.save()
    except BaseException:
        # Nothing of the run survives: the records rolled back; remove the file as well. The
        # batch stays pending, so the task's retry (or the sweep) runs it again; the task marks
        # it failed once its retries are spent.
        if stored_name:
            default_storage.delete(stored_name)
        raise
    logger.info("provision batch %s completed: %s records", batch.pk, count)
    return batch


def _apply_proof(batch: ProvisionBatch, proof: BasisProof) -> None:
    # The proof in force at the run (a change filing or a new notice version may have come).
    batch.opt_out_filing = proof.opt_out_filing
    batch.joint_use_notice = proof.joint_use_notice
    batch.foreign_basis = proof.foreign_basis


def provision_batch_mark_failed(*, batch_id: int, error: str) -> bool:
    """Record that a batch could not be run (its task gave up). True if it was pending."""
    changed = ProvisionBatch.objects.filter(
        pk=batch_id, status=ProvisionBatch.Status.PENDING
    ).update(status=ProvisionBatch.Status.FAILED, error=error[:2000])
    if changed:
        logger.warning("provision batch %s marked failed", batch_id)
    return bool(changed)


def provision_batch_requeue(*, batch: ProvisionBatch, by: User | None) -> ProvisionBatch:
    """Queue a failed batch again (e.g. after the agreement was renewed)."""

    with transaction.atomic():
        changed = ProvisionBatch.objects.filter(
            pk=batch.pk, status=ProvisionBatch.Status.FAILED
        ).update(status=ProvisionBatch.Status.PENDING, error="")
        if not changed:
            raise _error(BATCH_NOT_FAILED, "not_failed")
        transaction.on_commit(lambda: _enqueue(run_provision_batch, batch.pk))
    logger.info("provision batch %s re-queued by user %s", batch.pk, getattr(by, "pk", None))
    batch.refresh_from_db()
    return batch


def provision_records_purge(*, today: date | None = None) -> int:
    """Delete Art. 29 records whose retention has ended, and then their batches' files.

    On PostgreSQL the deletion is the database's own: the application role may not DELETE a
    record, so it calls privacyoffice_purge_provision_records (privacyoffice.ledgers.sql), a
    SECURITY DEFINER function that applies the rule with the database's clock (a caller cannot
    move `today`), records each run of chain positions it removed (RetentionPurge) and works
    in chunks so a large purge does not hold one long lock. `today` serves SQLite (the demo,
    without triggers) only. Idempotent: a second run finds nothing.
    """
    total = 0
    if connection.vendor == "postgresql":
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT privacyoffice_purge_provision_records(%s)", [_PURGE_CHUNK])
                deleted = cursor.fetchone()[0]
            total += deleted
            if deleted < _PURGE_CHUNK:
                break
    else:
        today = today or timezone.localdate()
        while True:
            with transaction.atomic():
                ids = list(
                    _expired_records(today)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:_PURGE_CHUNK]
                )
                if not ids:
                    break
                deleted, _detail = ProvisionRecord.objects.filter(pk__in=ids).delete()
                total += deleted
    _purge_batch_files()
    if total:
        logger.info("provision records purged: %s", total)
    return total


def _expired_records(today: date) -> QuerySet[ProvisionRecord]:
    """Records past their retention (Rule 21), on SQLite; PostgreSQL's purge function applies
    the same rule (privacyoffice.ledgers.sql).

    A contract serving as the record is kept 1 year from the LAST provision it covers: a
    contract-method record stays while a later one to the same recipient about the same
    person is still retained.
    """
    later_contract = ProvisionRecord.objects.filter(
        customer=OuterRef("customer"),
        recipient=OuterRef("recipient"),
        record_method=RecordMethod.CONTRACT,
        provided_on__gt=OuterRef("provided_on"),
        retain_until__gte=today,
    )
    return ProvisionRecord.objects.filter(retain_until__lt=today).exclude(
        Q(record_method=RecordMethod.CONTRACT) & Exists(later_contract)
    )


def _purge_batch_files() -> None:
    """The exported file holds the data sent; keep it no longer than the records it backs."""
    batches = ProvisionBatch.objects.filter(
        status=ProvisionBatch.Status.COMPLETED, file_purged_at__isnull=True
    ).exclude(file="")
    for batch in batches.filter(provided_on__lt=timezone.localdate() - timedelta(days=365)):
        if ProvisionRecord.objects.filter(batch=batch).exists():
            continue
        default_storage.delete(batch.file.name)
        ProvisionBatch.objects.filter(pk=batch.pk).update(file="", file_purged_at=timezone.now())
        logger.info("provision batch %s file purged", batch.pk)


def pending_batch_ids(*, older_than_minutes: int = 10) -> list[int]:
    """Batches still pending after a while (their task was lost, e.g. the broker was down)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        ProvisionBatch.objects.filter(
            status=ProvisionBatch.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:100]
    )
