"""Project-level tasks: worker heartbeat, dashboard summary, background CSV exports."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from common.tasks import RowTask

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task(name="privacyoffice.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})


@shared_task(
    name="privacyoffice.refresh_dashboard_summary",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,
)
def refresh_dashboard_summary() -> None:
    from .dashboard import dashboard_summary_refresh

    dashboard_summary_refresh()


class ExportTask(RowTask):
    """Records the final failure on the export log, whatever ended the job."""

    row_id_argument = "export_id"

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        from .reports.services import EXPORT_INTERRUPTED, EXPORT_TIMED_OUT, export_fail

        error = EXPORT_TIMED_OUT if isinstance(exc, SoftTimeLimitExceeded) else EXPORT_INTERRUPTED
        export_fail(export_id=row_id, error=f"{error} ({type(exc).__name__})")


@shared_task(
    base=ExportTask,
    name="privacyoffice.run_export",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=3,
    # A 6-million-row export takes well under a minute on PostgreSQL; CP932 transcoding or
    # SQLite take longer. Both limits stay under the broker's visibility timeout (1 h).
    soft_time_limit=1800,
    time_limit=1900,
)
def run_export(export_id: int) -> None:
    from .reports.services import export_run

    export_run(export_id=export_id)


@shared_task(name="privacyoffice.sweep_exports", ignore_result=True)
def sweep_exports() -> None:
    """Ends as *interrupted* the background exports whose worker is gone (beat, every minute)."""
    from .reports.services import exports_sweep

    exports_sweep()


@shared_task(name="privacyoffice.purge_export_files", ignore_result=True)
def purge_export_files() -> None:
    from .reports.services import export_files_purge

    export_files_purge()


@shared_task(
    name="privacyoffice.record_ledger_digest",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def record_ledger_digest() -> None:
    from .ledgers.services import ledger_digest_record

    ledger_digest_record()
