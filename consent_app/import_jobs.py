"""Customer imports too large for one web request, run by a worker (issue 19).

Above settings.CUSTOMER_IMPORT_ASYNC_BYTES the page stores the file in private storage, logs a
job and answers at once with the job's page; a worker checks every row and writes all or none
(consent_app.importing.customer_import), reporting progress from its own thread and connection
(the writing runs in one transaction, whose updates nobody else sees until it commits). A job
whose worker died is ended by the sweep as *interrupted*; nothing was written (its transaction
died with its connection) and the person uploads the file again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.progress import ProgressWriter

from .importing import IMPORT_SOURCE_REQUIRED, customer_import
from .models import CustomerImportJob, Recipient
from .receipts import ReceiptDetails, receipt_details_validate
from .tasks import run_customer_import

logger = logging.getLogger(__name__)

# Problems kept on the job's page (the count says how many more there were).
MAX_KEPT_ERRORS = 500
IMPORT_JOB_QUEUED = _(
    "The file is large: it is imported in the background, all rows or none. This page shows "
    "the progress; you may leave it and come back."
)
IMPORT_JOB_WORKER_LOST = _(
    "The import stopped before it ended (its worker was stopped). Nothing was imported: "
    "upload the file again."
)
IMPORT_JOB_NEVER_STARTED = _(
    "No worker took up the import in time (are the Celery workers running?). Nothing was "
    "imported: upload the file again."
)
IMPORT_JOB_CRASHED = _("The import failed (%(error)s). Nothing was imported: try again.")

Status = CustomerImportJob.Status


def _count_lines(upload: UploadedFile) -> int:
    lines = sum(chunk.count(b"\n") for chunk in upload.chunks())
    upload.seek(0)
    return max(0, lines - 1)  # the header


def _receipt_as_json(details: ReceiptDetails) -> dict:
    data = asdict(details)
    data["provider"] = details.provider.pk if details.provider else None
    data["received_on"] = details.received_on.isoformat() if details.received_on else None
    return data


def _receipt_from_json(data: dict) -> ReceiptDetails | None:
    if not data:
        return None
    fields = dict(data)
    provider_id = fields.pop("provider", None)
    received_on = fields.pop("received_on", None)
    return ReceiptDetails(
        **fields,
        provider=Recipient.objects.filter(pk=provider_id).first() if provider_id else None,
        received_on=date.fromisoformat(received_on) if received_on else None,
    )


def customer_import_job_start(
    *,
    upload: UploadedFile,
    by,
    encoding: str = "auto",
    dry_run: bool = False,
    collected_by_us: bool = False,
    received_from: ReceiptDetails | None = None,
) -> CustomerImportJob:
    """Store the file privately, log the job, queue it after the commit.

    The source (Art. 30) is checked now, as `customer_import` would check it, so a person never
    waits for a background job that can only be refused.
    """
    if received_from is not None:
        receipt_details_validate(received_from)
    elif not collected_by_us:
        raise ValidationError(IMPORT_SOURCE_REQUIRED, code="import_source")
    estimated = _count_lines(upload)
    # A random name: the storage never shows who uploaded what, or the file's own name.
    name = default_storage.save(f"imports/{uuid.uuid4().hex}.csv", upload)
    with transaction.atomic():
        job = CustomerImportJob.objects.create(
            uploaded_by=by,
            file=name,
            size=upload.size or 0,  # an uploaded file always has one; 0 for the type checker
            encoding=encoding,
            dry_run=dry_run,
            estimated_rows=estimated,
            collected_by_us=collected_by_us and received_from is None,
            receipt=_receipt_as_json(received_from) if received_from else {},
        )
        transaction.on_commit(lambda: run_customer_import.delay(job.pk))
    logger.info(
        "customer import job %s by user %s: %s bytes, about %s rows",
        job.pk,
        getattr(by, "pk", None),
        upload.size,
        estimated,
    )
    return job


def _progress(job_id: int) -> ProgressWriter:
    def write(rows: int) -> None:
        CustomerImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
            progress_rows=rows, heartbeat_at=timezone.now()
        )

    return ProgressWriter(write, name=f"import-{job_id}-progress")


def _drop_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def customer_import_job_run(*, job_id: int) -> CustomerImportJob | None:
    """Claim a queued job and import its file, all or nothing. A job not queued is left alone."""
    now = timezone.now()
    claimed = CustomerImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    job = CustomerImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    # Read from storage as a stream, one chunk of rows at a time (never the whole file).
    with default_storage.open(job.file.name, "rb") as fh, _progress(job_id) as progress:
        result = customer_import(
            file=fh,
            by=job.uploaded_by,
            encoding=job.encoding,
            dry_run=job.dry_run,
            on_progress=progress,
            collected_by_us=job.collected_by_us,
            received_from=_receipt_from_json(job.receipt),
        )
    finished = CustomerImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.DONE if result.ok else Status.FAILED,
        finished_at=timezone.now(),
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=[[e.line, e.column, str(e.message)] for e in result.errors[:MAX_KEPT_ERRORS]],
        error_count=result.error_count,
        file="",
    )
    _drop_file(job.file.name)
    logger.info(
        "customer import job %s ended: ok=%s, %s rows (%s)",
        job_id,
        result.ok,
        result.rows,
        "recorded" if finished else "already ended by the sweep",
    )
    return CustomerImportJob.objects.get(pk=job_id)


def customer_import_job_fail(*, job_id: int, error: str) -> None:
    """Record a crash (the import's transaction rolled back: nothing was written)."""
    job = CustomerImportJob.objects.filter(pk=job_id).only("file").first()
    updated = CustomerImportJob.objects.filter(
        pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        message=str(IMPORT_JOB_CRASHED % {"error": error}),
        file="",
    )
    if updated and job is not None:
        _drop_file(job.file.name)
    logger.warning("customer import job %s failed: %s", job_id, error)


def customer_import_jobs_sweep(
    *,
    now: datetime | None = None,
    silent_after: timedelta | None = None,
    queued_after: timedelta | None = None,
) -> int:
    """End as *interrupted* the jobs whose worker is gone (silent) or that no worker took up."""
    now = now or timezone.now()
    silent_after = silent_after or timedelta(seconds=settings.JOB_STALE_SECONDS)
    queued_after = queued_after or timedelta(seconds=settings.JOB_QUEUE_STALE_SECONDS)
    stale = Q(status=Status.RUNNING, heartbeat_at__lt=now - silent_after)
    never = Q(status=Status.QUEUED, created_at__lt=now - queued_after)
    ended = 0
    for job in CustomerImportJob.objects.filter(stale | never).only("pk", "file", "status"):
        message = (
            IMPORT_JOB_WORKER_LOST if job.status == Status.RUNNING else IMPORT_JOB_NEVER_STARTED
        )
        if CustomerImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.INTERRUPTED, finished_at=now, message=str(message), file=""
        ):
            _drop_file(job.file.name)
            ended += 1
    if ended:
        logger.warning("customer import sweep: %s jobs interrupted", ended)
    return ended
