"""Letter and deadline-alert tasks: they take ids, call a service, and retry declaratively.

Reliability (issue 7) rests on the Celery settings (acks_late, reject_on_worker_lost, prefetch 1,
time limits under the Redis visibility timeout) and on the services being idempotent: the render
claims its row, the alert scan relies on a unique constraint, the sweep re-publishes from the
database what the broker may have lost.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task

from common.tasks import RETRYABLE, ROW_TASK_RETRY, RowTask
from requests_app.models import Letter

logger = logging.getLogger(__name__)


class LetterRenderTask(RowTask):
    """Marks the letter failed once the retries are spent (or at once on a permanent error)."""

    row_id_argument = "letter_id"

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        from .services import letter_mark_failed

        letter_mark_failed(letter_id=row_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=LetterRenderTask,
    name="requests_app.letter_render",
    **ROW_TASK_RETRY,
    soft_time_limit=120,
    time_limit=180,
)
def letter_render(letter_id: int) -> None:
    """Render one queued letter; quietly does nothing if it is gone or already generated."""

    from .services import letter_generate

    if not Letter.objects.filter(pk=letter_id).exists():
        logger.info("letter %s no longer exists", letter_id)
        return
    letter_generate(letter_id=letter_id)


@shared_task(
    name="requests_app.letter_draft_render",
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
)
def letter_draft_render(draft_id: int) -> None:
    """Render one revision of a response letter's draft (final PDF and watermarked preview)."""
    from requests_app.models import LetterDraft

    from .drafts import draft_render

    if not LetterDraft.objects.filter(pk=draft_id).exists():
        logger.info("letter draft %s no longer exists", draft_id)
        return
    draft_render(draft_id=draft_id)


@shared_task(name="requests_app.letters_requeue_stale", ignore_result=True)
def letters_requeue_stale_task() -> int:
    """Beat, every few minutes: publish again the letters left queued (e.g. broker was down)."""
    from .services import letters_requeue_stale

    return letters_requeue_stale()


@shared_task(
    name="requests_app.deadline_alerts_scan",
    ignore_result=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
)
def deadline_alerts_scan_task() -> dict:
    """Beat, hourly (and on demand from the admin): raise, e-mail and digest deadline alerts."""

    from .alerts import deadline_alerts_scan

    return asdict(deadline_alerts_scan())
