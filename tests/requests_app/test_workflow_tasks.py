"""The identity-document purge task: called directly, scheduled by beat, run by a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from requests_app.models import IdentityDocument
from requests_app.models import RequestState as S
from requests_app.workflow_tasks import purge_identity_documents
from tests.conftest import wait_for
from tests.factories import IdentityDocumentFactory

from .helpers import request_in


@pytest.mark.django_db
def test_beat_runs_the_purge_daily():
    """The schedule is data (migration 0003), enabled, and names a task the app knows."""
    from privacyoffice.celery import app

    task = PeriodicTask.objects.get(task="requests_app.purge_identity_documents")

    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("3", "45")
    assert "requests_app.purge_identity_documents" in app.tasks


@pytest.mark.django_db
def test_the_task_called_directly_purges_and_returns_the_count(staff, settings):
    settings.IDENTITY_DOCUMENT_PURGE_DAYS = 30
    ended = request_in(S.CLOSED, closed_at=timezone.now() - timedelta(days=31))
    ended.identity_documents.all().delete()
    IdentityDocumentFactory(request=ended, uploaded_by=staff)

    assert purge_identity_documents() == 1
    assert purge_identity_documents() == 0  # idempotent


@pytest.mark.services
def test_the_purge_runs_on_a_real_worker(live_worker, staff):
    """GIVEN a request closed 40 days ago with a document WHEN the task goes through Redis to a
    worker THEN the file is purged and the record kept."""
    ended = request_in(S.CLOSED, closed_at=timezone.now() - timedelta(days=40))
    document = ended.identity_documents.get()

    purge_identity_documents.delay()

    wait_for(
        lambda: IdentityDocument.objects.filter(pk=document.pk, purged_at__isnull=False).exists()
    )
    document.refresh_from_db()
    assert not document.file
