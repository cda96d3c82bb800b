"""Export services: start an export (logged first), stream it, run it in the background,
finish or fail it, purge old export files.

The export log row is written before the first byte leaves, so even an interrupted export is
on record. It is described by its saved filters, never by a list of primary keys.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacyoffice.models import ExportLog

from .definitions import REPORTS, Report
from .stream import ENCODINGS, CsvExport, estimate_rows

logger = logging.getLogger(__name__)

REPORT_UNKNOWN = _("There is no such report.")
DATE_RANGE_REVERSED = _("The start date must be on or before the end date.")
ENCODING_UNKNOWN = _("Choose UTF-8, UTF-8 with BOM or CP932.")
HEADER_UNKNOWN = _("Choose stable or Japanese column names.")
EXPORT_INTERRUPTED = _("The export stopped before its last row (connection closed or error).")
EXPORT_TIMED_OUT = _("The export took longer than its time limit.")

PROGRESS_EVERY_SECONDS = 2.0
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


def export_csv(export: ExportLog, **extra) -> CsvExport:
    date_from, date_to = _filters_of(export)
    return CsvExport(
        report_get(slug=export.report),
        date_from=date_from,
        date_to=date_to,
        encoding=export.encoding,
        japanese_header=export.header == ExportLog.Header.JAPANESE,
        **extra,
    )


def export_start(
    *,
    user,
    report_slug: str,
    date_from: date | None,
    date_to: date | None,
    encoding: str = ExportLog.Encoding.UTF8,
    header: str = ExportLog.Header.CODES,
) -> ExportLog:
    """Log an export and decide how it runs: streamed now, or as a background job.

    Over settings.EXPORT_ASYNC_THRESHOLD estimated rows the export runs in Celery and writes its
    file to private storage; the caller shows its progress page.
    """
    report = report_get(slug=report_slug)
    if date_from and date_to and date_from > date_to:
        raise ValidationError(DATE_RANGE_REVERSED, code="date_range_reversed")
    if encoding not in ENCODINGS:
        raise ValidationError(ENCODING_UNKNOWN, code="encoding_unknown")
    if header not in ExportLog.Header.values:
        raise ValidationError(HEADER_UNKNOWN, code="header_unknown")

    threshold = settings.EXPORT_ASYNC_THRESHOLD
    estimate = estimate_rows(report, date_from=date_from, date_to=date_to, threshold=threshold)
    background = estimate > threshold
    with transaction.atomic():
        export = ExportLog.objects.create(
            report=report.slug,
            filters={
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
            },
            encoding=encoding,
            header=header,
            exported_by=user,
            estimated_rows=estimate,
            is_background=background,
            started_at=None if background else timezone.now(),
        )
        if background:
            from privacyoffice.tasks import run_export

            transaction.on_commit(lambda: run_export.delay(export.pk))
    logger.info(
        "export %s of %s by user %s (estimate %s rows, background=%s)",
        export.pk,
        report.slug,
        user.pk,
        estimate,
        background,
    )
    return export


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


class _Progress:
    """Writes the rows-so-far to the log at most every PROGRESS_EVERY_SECONDS."""

    def __init__(self, export_id: int):
        self.export_id = export_id
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS:
            self.last = now
            ExportLog.objects.filter(pk=self.export_id, status=ExportLog.Status.RUNNING).update(
                progress_rows=rows
            )


def export_run(*, export_id: int) -> ExportLog | None:
    """Run a background export: write its CSV to private storage, then mark it done.

    Idempotent: a finished or failed export is left alone; a re-delivered job (the worker died)
    writes a fresh file, and only the run that completes the row keeps its file.
    """
    export = ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).first()
    if export is None:
        return None
    ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).update(
        started_at=timezone.now(), progress_rows=0
    )
    csv_export = export_csv(export, on_progress=_Progress(export_id))
    digest = hashlib.sha256()
    size = 0
    # A temporary file first: the storage (S3 or disk) receives a complete file or nothing.
    with tempfile.TemporaryFile() as tmp:
        for chunk in csv_export:
            tmp.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        tmp.seek(0)
        stamp = timezone.localdate()
        name = default_storage.save(
            f"exports/{stamp:%Y/%m}/{export.report}-{export.pk}.csv", File(tmp)
        )
    if not export_finish(
        export_id=export_id, csv_export=csv_export, file=name, size=size, sha256=digest.hexdigest()
    ):
        # Someone else finished (or failed) it meanwhile: do not leave an orphan file.
        default_storage.delete(name)
    return ExportLog.objects.get(pk=export_id)


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
