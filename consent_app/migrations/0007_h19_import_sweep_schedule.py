"""Beat schedule: the sweep that ends customer import jobs whose worker is gone, every minute."""

from django.db import migrations

NAME = "consent_app: sweep interrupted customer imports"
TASK = "consent_app.sweep_customer_import_jobs"
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
        ('consent_app', '0006_h20b_plausible_dates'),
        
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
