"""Beat schedule: the sweep that ends background exports whose worker is gone, every minute."""

from django.db import migrations

NAME = "privacyoffice: sweep interrupted exports"
TASK = "privacyoffice.sweep_exports"
EVERY_SECONDS = 60


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _created = IntervalSchedule.objects.get_or_create(
        every=EVERY_SECONDS, period="seconds"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME, defaults={"task": TASK, "interval": interval, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ('privacyoffice', '0007_h20a_statelog_no_door'),
        
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
