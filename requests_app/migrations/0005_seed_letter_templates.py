"""Version 1 of every letter template, in Japanese and English (bodies in templates/letters/seed/)."""

from django.db import migrations


def seed(apps, schema_editor):
    from requests_app.letters.seed import seed_letter_templates

    seed_letter_templates(apps.get_model("requests_app", "LetterTemplate"))


def unseed(apps, schema_editor):
    LetterTemplate = apps.get_model("requests_app", "LetterTemplate")
    # Only the untouched seed versions that no letter used; edited versions are kept.
    LetterTemplate.objects.filter(version=1, created_by__isnull=True, letters__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0004_deadline_alert_digest_and_unemailed_index"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
