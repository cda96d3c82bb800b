"""Beat schedule of the project package: dashboard summary, worker heartbeat, export-file purge."""

from django.db import migrations

SCHEDULES = [
    # name, task, every (seconds). The dashboard promises a summary at most 5 minutes old.
    ("privacyoffice: refresh dashboard summary", "privacyoffice.refresh_dashboard_summary", 240),
    ("privacyoffice: worker heartbeat", "privacyoffice.record_heartbeat", 60),
    ("privacyoffice: purge old export files", "privacyoffice.purge_export_files", 3600),
]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _created = IntervalSchedule.objects.get_or_create(
            every=seconds, period="seconds"
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True}
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _task, _s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("privacyoffice", "0003_export_log_progress_purge_and_triggers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
