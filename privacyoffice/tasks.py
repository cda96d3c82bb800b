"""Project-level tasks: the worker heartbeat the dashboard shows."""

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="privacyoffice.record_heartbeat", ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})
