"""Seed the countries the PPC recognises (EEA and UK, Rule 16) and the daily beat task that
records the periodic check of recipients relying on equivalent measures (Rule 18(1)(i))."""

import datetime

from django.db import migrations

# The PPC's designation of 23 January 2019: the EEA (EU member states plus Iceland,
# Liechtenstein and Norway) and the United Kingdom.
RECOGNISED_ON = datetime.date(2019, 1, 23)
COUNTRIES = [
    ("AT", "オーストリア", "Austria"),
    ("BE", "ベルギー", "Belgium"),
    ("BG", "ブルガリア", "Bulgaria"),
    ("HR", "クロアチア", "Croatia"),
    ("CY", "キプロス", "Cyprus"),
    ("CZ", "チェコ", "Czechia"),
    ("DK", "デンマーク", "Denmark"),
    ("EE", "エストニア", "Estonia"),
    ("FI", "フィンランド", "Finland"),
    ("FR", "フランス", "France"),
    ("DE", "ドイツ", "Germany"),
    ("GR", "ギリシャ", "Greece"),
    ("HU", "ハンガリー", "Hungary"),
    ("IE", "アイルランド", "Ireland"),
    ("IT", "イタリア", "Italy"),
    ("LV", "ラトビア", "Latvia"),
    ("LT", "リトアニア", "Lithuania"),
    ("LU", "ルクセンブルク", "Luxembourg"),
    ("MT", "マルタ", "Malta"),
    ("NL", "オランダ", "Netherlands"),
    ("PL", "ポーランド", "Poland"),
    ("PT", "ポルトガル", "Portugal"),
    ("RO", "ルーマニア", "Romania"),
    ("SK", "スロバキア", "Slovakia"),
    ("SI", "スロベニア", "Slovenia"),
    ("ES", "スペイン", "Spain"),
    ("SE", "スウェーデン", "Sweden"),
    ("IS", "アイスランド", "Iceland"),
    ("LI", "リヒテンシュタイン", "Liechtenstein"),
    ("NO", "ノルウェー", "Norway"),
    ("GB", "英国", "United Kingdom"),
]
CHECK_TASK_NAME = "Equivalent-measures check of foreign recipients (Rule 18)"
CHECK_TASK = "consent_app.check_equivalent_measures"


def seed(apps, schema_editor):
    AdequateCountry = apps.get_model("consent_app", "AdequateCountry")
    for code, name_ja, name_en in COUNTRIES:
        AdequateCountry.objects.update_or_create(
            code=code,
            defaults={"name_ja": name_ja, "name_en": name_en, "recognised_on": RECOGNISED_ON},
        )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 04:10 Tokyo time, after the nightly purge.
    schedule, _created = CrontabSchedule.objects.get_or_create(
        minute="10",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.update_or_create(
        name=CHECK_TASK_NAME,
        defaults={"task": CHECK_TASK, "crontab": schedule, "enabled": True},
    )


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=CHECK_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ('consent_app', '0006_h16_lawful_provision'),
        
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
