"""Beat schedule: the deadline-alert scan hourly, the letter re-queue sweep every 5 minutes."""

from django.db import migrations

ALERT_TASK_NAME = "Deadline alerts: hourly scan"
ALERT_TASK = "requests_app.deadline_alerts_scan"
SWEEP_TASK_NAME = "Letters: re-queue letters left queued"
SWEEP_TASK = "requests_app.letters_requeue_stale"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Minute 1 of every hour, Tokyo time: the first run after midnight JST raises the
    # "due today" and "overdue" levels of the new day.
    hourly, _created = CrontabSchedule.objects.get_or_create(
        minute="1",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.update_or_create(
        name=ALERT_TASK_NAME,
        defaults={"task": ALERT_TASK, "crontab": hourly, "interval": None, "enabled": True},
    )
    # A letter queued while the broker was down is published again within minutes of its
    # return; the expiry keeps a backlog of sweeps from piling up while no worker runs.
    every_5_min, _created = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=SWEEP_TASK_NAME,
        defaults={
            "task": SWEEP_TASK,
            "interval": every_5_min,
            "crontab": None,
            "enabled": True,
            "expire_seconds": 240,
        },
    )


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[ALERT_TASK_NAME, SWEEP_TASK_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0005_seed_letter_templates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
