"""consent_app tasks: they take ids, call a service, and retry declaratively.

- run_provision_batch: one batch, all or nothing (the service is idempotent: the batch row is
  locked and only a pending batch runs).
- sweep_pending_provision_batches (beat): queue again the batches whose task was lost.
- purge_expired_provision_records (beat, daily): Art. 29 and Art. 30 retention.
- check_equivalent_measures (beat, daily): the Rule 18 periodic check, one result recorded
  per recipient relying on equivalent measures.
"""

from __future__ import annotations

import logging

from celery import shared_task

from common.tasks import RETRYABLE, ROW_TASK_RETRY, RowTask

logger = logging.getLogger(__name__)


class ProvisionBatchTask(RowTask):
    """Marks the batch failed once the retries are spent (or at once on a permanent error)."""

    row_id_argument = "batch_id"

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        from .provision import provision_batch_mark_failed

        # The class name only: an exception's text could quote personal data from a row.
        provision_batch_mark_failed(batch_id=row_id, error=type(exc).__name__)


@shared_task(
    base=ProvisionBatchTask,
    name="consent_app.run_provision_batch",
    **ROW_TASK_RETRY,
    # A million-customer batch takes a minute or two; both limits stay under the broker's
    # visibility timeout (an hour), so a running batch is never handed to a second worker.
    soft_time_limit=1500,
    time_limit=1800,
)
def run_provision_batch(batch_id: int) -> None:
    from .provision import provision_batch_execute

    provision_batch_execute(batch_id=batch_id)


@shared_task(name="consent_app.sweep_pending_provision_batches", ignore_result=True)
def sweep_pending_provision_batches() -> int:
    """Beat: publish again the batches left pending (their first publish failed)."""
    from .provision import pending_batch_ids

    ids = pending_batch_ids()
    for batch_id in ids:
        run_provision_batch.delay(batch_id)
    return len(ids)


@shared_task(
    name="consent_app.purge_expired_provision_records",
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=1500,
    time_limit=1800,
)
def purge_expired_provision_records() -> int:
    """Beat, daily: delete provision and receipt records past their retention (Arts. 29/30)."""
    from .provision import provision_records_purge
    from .receipts import receipts_purge

    return provision_records_purge() + receipts_purge()


class CustomerImportTask(RowTask):
    """Records a crashed import on its job (nothing was written: one transaction)."""

    row_id_argument = "job_id"

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        from .import_jobs import customer_import_job_fail

        # The class name only: an exception's text could quote personal data from a row.
        customer_import_job_fail(job_id=row_id, error=type(exc).__name__)


@shared_task(
    base=CustomerImportTask,
    name="consent_app.run_customer_import",
    ignore_result=True,
    # No automatic retry: the job is claimed once (queued → running); a failed import wrote
    # nothing and says so, and the person uploads again.
    acks_late=True,
    reject_on_worker_lost=True,
    # 2.5 million rows take a few minutes; both limits stay under the broker's visibility
    # timeout (an hour), so a running import is never handed to a second worker.
    soft_time_limit=1500,
    time_limit=1800,
)
def run_customer_import(job_id: int) -> None:
    from .import_jobs import customer_import_job_run

    customer_import_job_run(job_id=job_id)


@shared_task(name="consent_app.sweep_customer_import_jobs", ignore_result=True)
def sweep_customer_import_jobs() -> int:
    """Beat: end as interrupted the import jobs whose worker is gone."""
    from .import_jobs import customer_import_jobs_sweep

    return customer_import_jobs_sweep()


@shared_task(
    name="consent_app.check_equivalent_measures",
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def check_equivalent_measures() -> int:
    """Beat, daily: record the periodic check of recipients on equivalent measures (Rule 18)."""
    from .lawful import equivalent_measures_check_run

    return equivalent_measures_check_run()
