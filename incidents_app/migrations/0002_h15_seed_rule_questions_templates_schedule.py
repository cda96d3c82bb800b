"""Seed: the leak-report clock rule, the check-sheet questions, the leak-notice letter templates
(version 1, managers edit them afterwards) and the hourly incident alert scan."""

from django.db import migrations

ALERT_TASK_NAME = "Incidents: hourly clock and supervision alert scan"
ALERT_TASK = "incidents_app.incident_alerts_scan"
# Grouped like the PPC guideline's security control measures (通則編 10 and its annex).
QUESTIONS = [
    ("basic_policy", "個人データの適正な取扱いに関する基本方針を策定していますか。",
     "Has a basic policy on the proper handling of personal data been adopted?"),
    ("rules", "個人データの取得・利用・保存・提供・削除の各段階の取扱規程を整備していますか。",
     "Are there handling rules for each stage (acquire, use, store, provide, erase)?"),
    ("organisational", "個人データの取扱責任者と取扱者の役割・責任を定めていますか。",
     "Are the roles of the person responsible and of the handlers defined?"),
    ("organisational", "漏えい等の事案が発生した場合の報告連絡体制（当社への即時報告を含む）を整備していますか。",
     "Is there an incident reporting line, including immediate notice to us?"),
    ("organisational", "取扱状況を記録し、定期的に点検・監査していますか。",
     "Is the handling logged and checked or audited periodically?"),
    ("human", "従業者に個人データの取扱いに関する教育を定期的に行っていますか。",
     "Are employees trained periodically on handling personal data?"),
    ("human", "従業者から秘密保持に関する誓約を取得していますか。",
     "Have employees signed confidentiality undertakings?"),
    ("physical", "個人データを取り扱う区域の入退室管理を行っていますか。",
     "Is access to the areas where personal data is handled controlled?"),
    ("physical", "書類・機器・電子媒体の盗難・紛失を防止する措置を講じていますか。",
     "Are papers, devices and media protected against theft and loss?"),
    ("technical", "個人データへのアクセス制御と利用者の識別・認証を行っていますか。",
     "Are access control and user authentication in place?"),
    ("technical", "不正アクセス・不正ソフトウェアから保護する仕組みを導入し、更新していますか。",
     "Are systems protected (and kept updated) against unauthorised access and malware?"),
    ("technical", "クラウド上の保存領域の公開設定・アクセス権を定期的に確認していますか。",
     "Are the public settings and permissions of cloud storage reviewed periodically?"),
    ("external", "外国で個人データを取り扱う場合、当該国の制度を把握していますか。",
     "Where data is handled abroad, is that country's regime known?"),
    ("sub_entrustment", "再委託の有無と再委託先を当社に報告し、承諾を得ていますか。",
     "Is any sub-entrustment reported to us and approved?"),
    ("sub_entrustment", "再委託先に対して同等の安全管理措置を契約で義務付け、監督していますか。",
     "Are sub-entrustees bound by contract to equal measures, and supervised?"),
]


def seed(apps, schema_editor):
    IncidentClockRule = apps.get_model("incidents_app", "IncidentClockRule")
    CheckQuestion = apps.get_model("incidents_app", "CheckQuestion")
    LetterTemplate = apps.get_model("requests_app", "LetterTemplate")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IncidentClockRule.objects.get_or_create(pk=1)
    if not CheckQuestion.objects.exists():
        CheckQuestion.objects.bulk_create(
            CheckQuestion(category=cat, text_ja=ja, text_en=en, sort_order=i)
            for i, (cat, ja, en) in enumerate(QUESTIONS)
        )
    # The leak-notice templates are in requests_app's seed list (one list of seeded letters);
    # this creates the ones a database migrated before issue 15 lacks.
    from requests_app.letters.seed import seed_letter_templates

    seed_letter_templates(LetterTemplate)
    hourly, _created = CrontabSchedule.objects.get_or_create(
        minute="2",
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


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=ALERT_TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents_app", "0001_h15_initial"),
        ("requests_app", "0008_h15_letter_to_customer_incident_reference"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
