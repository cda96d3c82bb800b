"""Incident tasks: they take ids, call a service, and retry declaratively.

The leak notices themselves are rendered by requests_app's one letter task (`letter_render`);
here only the report PDF, the publishing of the notices' render tasks and the alert scan run.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task

from common.tasks import RETRYABLE, ROW_TASK_RETRY, RowTask

logger = logging.getLogger(__name__)


class ReportRenderTask(RowTask):
    """Marks the report version failed once the retries are spent (or on a permanent error)."""

    row_id_argument = "report_id"

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        from .services.reports import incident_report_mark_failed

        incident_report_mark_failed(report_id=row_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=ReportRenderTask,
    name="incidents_app.incident_report_render",
    **ROW_TASK_RETRY,
    soft_time_limit=120,
    time_limit=180,
)
def incident_report_render(report_id: int) -> None:
    """Render one report version; quietly does nothing if it is gone or already generated."""
    from .services.reports import incident_report_generate

    incident_report_generate(report_id=report_id)


@shared_task(
    name="incidents_app.incident_notices_publish",
    **ROW_TASK_RETRY,
    ignore_result=True,
)
def incident_notices_publish(incident_id: int) -> int:
    """Publish the render task of each queued notice letter of an incident (idempotent)."""
    from .services.notices import incident_notices_publish_all

    return incident_notices_publish_all(incident_id=incident_id)


@shared_task(
    name="incidents_app.incident_alerts_scan",
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
)
def incident_alerts_scan_task() -> dict:
    """Beat, hourly: raise and e-mail the leak-report and supervision alerts."""

    from .alerts import incident_alerts_scan

    return asdict(incident_alerts_scan())
