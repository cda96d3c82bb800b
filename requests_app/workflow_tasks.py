"""Workflow tasks: the identity-document purge (beat, daily; created by migration 0003).

Lapsing is not a task: it is a staff decision taken from the request list (the "no documents
back" filter and the bulk "lapse" action), because a form may have come back by post and not
been logged yet; the lapse transition refuses a request still inside its period.
"""

from __future__ import annotations

import logging

from celery import shared_task

from common.tasks import RETRYABLE

logger = logging.getLogger(__name__)

# The purge also retries a storage error (OSError: the file system or S3 briefly unreachable).
PURGE_RETRYABLE = (*RETRYABLE, OSError)


@shared_task(
    name="requests_app.purge_identity_documents",
    autoretry_for=PURGE_RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=600,
    time_limit=660,
)
def purge_identity_documents(batch: int = 1000) -> int:
    """Purge identity-document files IDENTITY_DOCUMENT_PURGE_DAYS after their request ended.

    Idempotent: each document is claimed by a conditional update, so a rerun (or a retry after a
    worker was killed) purges nothing twice and keeps every record. Works in batches so one run
    never holds the worker for long; the next day's run takes the rest.
    """
    from .services.documents import identity_documents_purge_due

    purged = identity_documents_purge_due(limit=batch)
    logger.info("identity document purge: %s files purged", purged)
    return purged
