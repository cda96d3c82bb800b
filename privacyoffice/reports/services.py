"""Export services: start an export (logged first), stream it, run it in the background,
finish, fail or interrupt it, retry it, sweep dead jobs, purge old export files.

The export log row is written before the first byte leaves, so even an interrupted export is
on record. It is described by its saved filters, never by a list of primary keys.

States (ExportLog.Status): running → done | failed | interrupted. A retry never re-opens a row
(the log is append-only): it logs a new export with the same report, filters and options.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import DATE_OUT_OF_RANGE, validate_plausible_date  # noqa: F401 (re-exported)
from privacyoffice.models import ExportLog
from privacyoffice.tasks import run_export

from .definitions import REPORTS
from .progress import export_progress
from .report import Report
from .stream import ENCODINGS, CsvExport, estimate_rows

logger = logging.getLogger(__name__)

REPORT_UNKNOWN = _("There is no such report.")
DATE_RANGE_REVERSED = _("The start date must be on or before the end date.")
ENCODING_UNKNOWN = _("Choose UTF-8, UTF-8 with BOM or CP932.")
HEADER_UNKNOWN = _("Choose stable or Japanese column names.")
VALUES_UNKNOWN = _("Choose stable codes or Japanese display values.")
EXPORT_INTERRUPTED = _("The export stopped before its last row (connection closed or error).")
EXPORT_TIMED_OUT = _("The export took longer than its time limit.")
EXPORT_WORKER_LOST = _(
    "The export's worker stopped (killed or its machine lost) before the file was complete. "
    "Nothing was kept; use Retry to run it again."
)
EXPORT_NEVER_STARTED = _(
    "No worker took up the export in time (are the Celery workers running?). Use Retry."
)
RETRY_NOT_YOURS = _("Only the person who ran an export may retry it.")
RETRY_NOT_ENDED = _("Only a failed or interrupted export can be retried.")

EXPORT_FILE_RETENTION_DAYS = settings.EXPORT_FILE_RETENTION_DAYS


def report_get(*, slug: str) -> Report:
    try:
        return REPORTS[slug]
    except KeyError:
        raise ValidationError(REPORT_UNKNOWN, code="report_unknown") from None


def _filters_of(export: ExportLog) -> tuple[date | None, date | None]:
    def parse(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return parse(export.filters.get("date_from")), parse(export.filters.get("date_to"))


def _params_of(report: Report, export: ExportLog) -> dict[str, Any]:
    return {name: export.filters.get(name) for name in report.params}


def export_csv(export: ExportLog, **extra) -> CsvExport:
    report = report_get(slug=export.report)
    date_from, date_to = _filters_of(export)
    return CsvExport(
        report,
        date_from=date_from,
        date_to=date_to,
        params=_params_of(report, export),
        encoding=export.encoding,
        japanese_header=export.header == ExportLog.Header.JAPANESE,
        display_values=export.values == ExportLog.Values.LABELS,
        **extra,
    )


def export_filename(export: ExportLog) -> str:
    """`consent-ledger_2026-04-01_2026-11-30.csv`: the report and the days it covers (Japan
    time). An open start is the first row's day, an open end the day the export was made."""
    report = REPORTS.get(export.report)
    if report is None:  # pragma: no cover - a report removed from the code after its export
        return f"{export.report}-{export.pk}.csv"
    stem = report.stem(export.filters)
    made_on = f"{timezone.localtime(export.created_at):%Y-%m-%d}"
    if report.date_field is None:
        return f"{stem}_{made_on}.csv"
    date_from = export.filters.get("date_from") or _first_day(report, export) or made_on
    date_to = export.filters.get("date_to") or made_on
    return f"{stem}_{date_from}_{date_to}.csv"


def _first_day(report: Report, export: ExportLog) -> str | None:
    """The day of the report's first row up to the export's end date (one index lookup)."""
    _date_from, date_to = _filters_of(export)
    first = (
        report.queryset(date_from=None, date_to=date_to, params=_params_of(report, export))
        .values_list(report.date_field, flat=True)
        .first()
    )
    if first is None:
        return None
    if isinstance(first, datetime):
        first = timezone.localtime(first).date()
    return first.isoformat()


def _check_date(value: date | None) -> None:
    # The calendar's ends overflow date arithmetic and time zones (0001-01-01 in Tokyo is still
    # year 0 in UTC): a range is bounded by the plausible dates (common.dates) or open.
    validate_plausible_date(value)


def export_start(
    *,
    user,
    report_slug: str,
    date_from: date | None = None,
    date_to: date | None = None,
    params: Mapping[str, Any] | None = None,
    encoding: str = ExportLog.Encoding.UTF8,
    header: str = ExportLog.Header.CODES,
    values: str = ExportLog.Values.CODES,
    retry_of: ExportLog | None = None,
) -> ExportLog:
    """Log an export and decide how it runs: streamed now, or as a background job.

    Over settings.EXPORT_ASYNC_THRESHOLD estimated rows the export runs in Celery and writes its
    file to private storage; the caller shows its progress page.
    """
    report = report_get(slug=report_slug)
    if not user.has_perm(report.permission):
        raise PermissionDenied
    _check_date(date_from)
    _check_date(date_to)
    if date_from and date_to and date_from > date_to:
        raise ValidationError(DATE_RANGE_REVERSED, code="date_range_reversed")
    if encoding not in ENCODINGS:
        raise ValidationError(ENCODING_UNKNOWN, code="encoding_unknown")
    if header not in ExportLog.Header.values:
        raise ValidationError(HEADER_UNKNOWN, code="header_unknown")
    if values not in ExportLog.Values.values:
        raise ValidationError(VALUES_UNKNOWN, code="values_unknown")
    saved = report.check_params(params or {}) if report.check_params else {}

    threshold = settings.EXPORT_ASYNC_THRESHOLD
    estimate = estimate_rows(
        report, date_from=date_from, date_to=date_to, threshold=threshold, params=saved
    )
    background = estimate > threshold
    with transaction.atomic():
        export = ExportLog.objects.create(
            report=report.slug,
            filters={
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
                **saved,
            },
            encoding=encoding,
            header=header,
            values=values,
            retry_of=retry_of,
            exported_by=user,
            estimated_rows=estimate,
            is_background=background,
            started_at=None if background else timezone.now(),
        )
        if background:
            transaction.on_commit(lambda: run_export.delay(export.pk))
    logger.info(
        "export %s of %s by user %s (estimate %s rows, background=%s, retry of %s)",
        export.pk,
        report.slug,
        user.pk,
        estimate,
        background,
        retry_of.pk if retry_of else None,
    )
    return export


def export_retry(*, export: ExportLog, user) -> ExportLog:
    """Run a failed or interrupted export again, for its creator: a new export log entry."""
    if export.exported_by_id != user.pk:
        raise PermissionDenied(RETRY_NOT_YOURS)
    if export.status not in (ExportLog.Status.FAILED, ExportLog.Status.INTERRUPTED):
        raise ValidationError(RETRY_NOT_ENDED, code="retry_not_ended")
    date_from, date_to = _filters_of(export)
    report = report_get(slug=export.report)
    return export_start(
        user=user,
        report_slug=export.report,
        date_from=date_from,
        date_to=date_to,
        params=_params_of(report, export),
        encoding=export.encoding,
        header=export.header,
        values=export.values,
        retry_of=export,
    )


def export_finish(*, export_id: int, csv_export: CsvExport, **file_fields) -> bool:
    """Mark a running export done with its row count; False if it was no longer running."""
    updated = ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).update(
        status=ExportLog.Status.DONE,
        finished_at=timezone.now(),
        row_count=csv_export.row_count,
        progress_rows=csv_export.row_count or 0,
        replaced_characters=csv_export.replaced,
        **file_fields,
    )
    logger.info("export %s done: %s rows", export_id, csv_export.row_count)
    return bool(updated)


def export_fail(*, export_id: int, error: str) -> None:
    ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).update(
        status=ExportLog.Status.FAILED, finished_at=timezone.now(), error=str(error)
    )
    logger.warning("export %s failed", export_id)


def export_stream(*, export: ExportLog) -> Iterator[bytes]:
    """The export's CSV bytes for a StreamingHttpResponse; completes the log at the last row."""
    csv_export = export_csv(export)
    completed = False
    try:
        yield from csv_export
        completed = True
    finally:
        # Runs on the last row, on an error, and when the client goes away (GeneratorExit).
        if completed:
            export_finish(export_id=export.pk, csv_export=csv_export)
        else:
            export_fail(export_id=export.pk, error=str(EXPORT_INTERRUPTED))


class _SpooledExport(File):
    """The job's file, written beside the storage's own folder when it is on disk.

    Django's FileSystemStorage moves a file that has `temporary_file_path()` into place (a
    rename on the same file system) instead of copying it: a 6-million-row export is not
    written twice. Other storages (S3) read it as any file.
    """

    def __init__(self):
        folder = None
        # default_storage is a lazy object whose class is the configured storage's.
        if isinstance(default_storage, FileSystemStorage):
            folder = default_storage.location
            os.makedirs(folder, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            dir=folder, prefix=".export-", suffix=".part", delete=False
        )
        super().__init__(handle, name=handle.name)

    def temporary_file_path(self) -> str:
        return self.file.name

    def __exit__(self, *exc) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.file.name)  # moved into place, or left over by a failed run


def export_run(*, export_id: int) -> ExportLog | None:
    """Run a background export: write its CSV to private storage, then mark it done.

    Idempotent: a finished, failed or interrupted export is left alone; a re-delivered job (the
    worker died) writes a fresh file, and only the run that completes the row keeps its file.
    """
    export = ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).first()
    if export is None:
        return None
    ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).update(
        started_at=timezone.now(), heartbeat_at=timezone.now(), progress_rows=0
    )
    digest = hashlib.sha256()
    size = 0
    # A temporary file first: the storage (S3 or disk) receives a complete file or nothing.
    with _SpooledExport() as tmp:
        with export_progress(export_id) as progress:
            csv_export = export_csv(export, on_progress=progress)
            for chunk in csv_export:
                tmp.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        tmp.seek(0)
        stamp = timezone.localdate()
        name = default_storage.save(f"exports/{stamp:%Y/%m}/{export.report}-{export.pk}.csv", tmp)
    if not export_finish(
        export_id=export_id, csv_export=csv_export, file=name, size=size, sha256=digest.hexdigest()
    ):
        # Someone else finished it (or the sweep ended it) meanwhile: leave no orphan file.
        default_storage.delete(name)
    return ExportLog.objects.get(pk=export_id)


def exports_sweep(
    *,
    now: datetime | None = None,
    silent_after: timedelta | None = None,
    queued_after: timedelta | None = None,
) -> int:
    """End the background exports nobody is running any more as *interrupted*.

    A running job writes its heartbeat every second: silent for `silent_after`
    (JOB_STALE_SECONDS) means its worker is gone. A job never taken up within `queued_after`
    (JOB_QUEUE_STALE_SECONDS, under the broker's redelivery time) will not be. If a
    redelivered job runs later, it finds the row no longer running and does nothing.
    """
    now = now or timezone.now()
    silent_after = silent_after or timedelta(seconds=settings.JOB_STALE_SECONDS)
    queued_after = queued_after or timedelta(seconds=settings.JOB_QUEUE_STALE_SECONDS)
    running = ExportLog.objects.filter(status=ExportLog.Status.RUNNING, is_background=True)
    dead = running.filter(heartbeat_at__lt=now - silent_after).update(
        status=ExportLog.Status.INTERRUPTED, finished_at=now, error=str(EXPORT_WORKER_LOST)
    )
    never = running.filter(
        Q(heartbeat_at__isnull=True) & Q(created_at__lt=now - queued_after)
    ).update(status=ExportLog.Status.INTERRUPTED, finished_at=now, error=str(EXPORT_NEVER_STARTED))
    if dead or never:
        logger.warning("export sweep: %s interrupted, %s never started", dead, never)
    return dead + never


def export_files_purge(*, older_than_days: int = EXPORT_FILE_RETENTION_DAYS) -> int:
    """Delete export files kept longer than the retention; the log rows stay (file emptied)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    purged = 0
    candidates = ExportLog.objects.filter(
        is_background=True, file_purged_at__isnull=True, finished_at__lt=cutoff
    ).exclude(file="")
    for export in candidates.only("pk", "file").iterator():
        # Claim first so a concurrent purge does not delete twice; then remove the file.
        claimed = ExportLog.objects.filter(pk=export.pk, file_purged_at__isnull=True).update(
            file="", file_purged_at=timezone.now()
        )
        if claimed:
            default_storage.delete(export.file.name)
            purged += 1
    if purged:
        logger.info("purged %s export files", purged)
    return purged
