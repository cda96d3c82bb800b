"""A background export's progress and heartbeat, written beside the COPY (common.progress)."""

from __future__ import annotations

from django.utils import timezone

from common.progress import ProgressWriter
from privacyoffice.models import ExportLog


def export_progress(export_id: int) -> ProgressWriter:
    def write(rows: int) -> None:
        ExportLog.objects.filter(pk=export_id, status=ExportLog.Status.RUNNING).update(
            progress_rows=rows, heartbeat_at=timezone.now()
        )

    return ProgressWriter(write, name=f"export-{export_id}-progress")
