"""The base of the Celery tasks that work on one row, given by id.

Such a task retries the transient faults (RETRYABLE, with ROW_TASK_RETRY's backoff) and, once the
retries are spent or at once on any other error, records the failure on its row, so that the
person waiting for a letter, an import or a report sees it failed instead of waiting forever.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError

# Transient faults worth retrying: the database or the storage backend briefly unreachable.
# Template errors, a missing font or a missing template are not transient: they fail at once.
RETRYABLE: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)

# The retry and delivery options such a task is declared with (`@shared_task(**ROW_TASK_RETRY)`).
# Every countdown stays far below the broker's visibility timeout (an hour), so a retry waiting
# in Redis is never handed to a second worker; acks_late and reject_on_worker_lost give a task
# whose worker died to another worker.
ROW_TASK_RETRY: dict[str, Any] = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


class RowTask(Task):
    """Calls `mark_failed(row_id, exc)` when the task finally fails; `row_id_argument` names the
    id's keyword (the id may also come as the first positional argument)."""

    row_id_argument = ""

    def mark_failed(self, row_id: int, exc: BaseException) -> None:
        raise NotImplementedError

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        row_id = args[0] if args else kwargs.get(self.row_id_argument)
        if row_id is not None:
            self.mark_failed(row_id, exc)
