"""Default deadline rules (14 calendar days per type) and the daily ID-document purge."""

from django.db import migrations

REQUEST_TYPES = [
    "purpose_notice",
    "disclosure",
    "record_disclosure",
    "correction",
    "erasure",
    "provision_stop",
]
PURGE_TASK_NAME = "Purge identity documents after the request ends"
PURGE_TASK = "requests_app.purge_identity_documents"


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("requests_app", "DeadlineRule")
    for request_type in REQUEST_TYPES:
        # The policy's "about two weeks"; a person may sue two weeks after the request (Art. 39).
        DeadlineRule.objects.get_or_create(
            request_type=request_type,
            defaults={
                "days": 14,
                "day_kind": "calendar",
                "closure_start": "12-29",
                "closure_end": "01-03",
                "saturday_closed": True,
            },
        )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 03:45 Tokyo time: outside office hours, after the consent purge at 03:30.
    schedule, _created = CrontabSchedule.objects.get_or_create(
        minute="45",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.update_or_create(
        name=PURGE_TASK_NAME,
        defaults={"task": PURGE_TASK, "crontab": schedule, "enabled": True},
    )


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=PURGE_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0002_request_grounds_counter_and_append_only_viewings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
