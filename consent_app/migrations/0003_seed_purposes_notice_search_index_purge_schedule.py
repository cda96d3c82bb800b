"""Data from the privacy policy, the name-search index, and the retention purge schedule.

- Purposes of use and their channels, as the policy lists them ("Purpose of Use"), titles in
  Japanese and English.
- Privacy notice v1: the items APPI Art. 32(1) requires us to publish, taken from the policy.
- On PostgreSQL, a pg_trgm GIN index on Customer.search_name: the admin's name search is a
  substring match (LIKE '%…%'), which a b-tree cannot serve at millions of rows. SQLite (the
  laptop demo) has no GIN and no trigram extension, so nothing is created there.
- The daily django-celery-beat entry that purges provision records past their Art. 29 retention,
  and the ten-minute sweep that queues again a provision batch whose task was lost.
"""

import datetime

from django.db import migrations

PURPOSES = [
    {
        "code": "marketing",
        "title_ja": "商品・サービス、各種イベント・キャンペーンのご案内",
        "title_en": "Information on products, services, events and campaigns",
        "description": (
            "お客さまに商品・サービスや各種イベント・キャンペーンのご案内を、印刷物の送付、"
            "電話、電子メール等によりお知らせするため。\n"
            "To inform customers of products and services or various events and campaigns by "
            "sending print advertising material and by telephone, e-mail, etc."
        ),
        "channels": ["post", "phone", "email"],
        "is_third_party_provision": False,
        "sort_order": 10,
    },
    {
        "code": "survey",
        "title_ja": "商品開発・顧客満足度向上のためのアンケート調査",
        "title_en": "Questionnaire surveys for product development and customer satisfaction",
        "description": (
            "主に商品開発や顧客満足度向上の検討のため、アンケート調査を実施するため。\n"
            "To conduct questionnaire surveys mainly for studies of product development or "
            "improving customer satisfaction."
        ),
        "channels": ["any"],
        "is_third_party_provision": False,
        "sort_order": 20,
    },
    {
        "code": "third_party_provision",
        "title_ja": "第三者への提供（子会社・関連会社、販売会社、情報提供契約締結先）",
        "title_en": (
            "Provision to third parties (subsidiaries/affiliates, franchised dealers, "
            "parties to an information supply agreement)"
        ),
        "description": (
            "お客さまの個人情報を書面または電子媒体により第三者（子会社・関連会社および販売会社、"
            "情報提供契約を締結した先）へ提供するため。ただし、お客さまからのお申し出があった場合は"
            "第三者への提供を停止します。\n"
            "To provide the customers' personal information in writing or by electronic media to "
            "subsidiaries/affiliates and franchised dealers, and parties that have concluded an "
            "information supply agreement with the company. Provision stops upon the customer's "
            "request."
        ),
        "channels": ["any"],
        "is_third_party_provision": True,
        "sort_order": 30,
    },
]

NOTICE_V1 = {
    "version": 1,
    # The date of the policy snapshot the notice is taken from (seed/privacy-policy.md).
    "effective_from": datetime.date(2018, 12, 30),
    "company": (
        "株式会社サンプル自動車\n〒100-0005 東京都千代田区丸の内1-1-1\n代表取締役社長 見本 一郎\n"
        "(Company name, address and representative; APPI Art. 32(1)(i).)"
    ),
    "purposes": (
        "当社は、お客さまの住所・氏名等の個人情報（お客さまと当社または販売会社との取引に関する"
        "情報を含みます）を、次の目的で利用します。\n"
        "1. 商品・サービスや各種イベント・キャンペーンのご案内（印刷物の送付、電話、電子メール等）\n"
        "2. 主に商品開発や顧客満足度向上の検討のためのアンケート調査\n"
        "3. 書面または電子媒体による第三者（子会社・関連会社および販売会社、情報提供契約を締結した"
        "先）への提供。お客さまからのお申し出があった場合は、第三者への提供を停止します。\n"
        "上記以外の目的で利用する場合は、事前にお客さまの同意をいただきます。\n\n"
        "We use customers' personal information (address, name, etc., including information on "
        "transactions with the company or its franchised dealers) to inform customers of products, "
        "services, events and campaigns by print mail, telephone, e-mail, etc.; to conduct "
        "questionnaire surveys mainly for product development and customer satisfaction; and to "
        "provide it in writing or by electronic media to subsidiaries/affiliates, franchised "
        "dealers and parties that have concluded an information supply agreement with the company. "
        "We will stop provision to third parties upon a customer's request. We never use personal "
        "information for other purposes without prior consent."
    ),
    "procedures": (
        "開示・訂正・追加・削除・利用停止・消去・第三者提供の停止等のご請求の手続き：\n"
        "1. 下記の窓口へご連絡ください。ご請求内容を確認のうえ、請求書用紙をお送りします。\n"
        "2. その際、用紙送付のためにお名前・ご住所等と、ご請求方法のご案内を伺います。\n"
        "3. 請求書にご記入のうえ、本人確認書類（運転免許証の写し、住民票の写し等）を同封し、"
        "ご案内の宛先へ郵送してください。本人確認書類の取得・複写・郵送の費用はご負担ください。\n"
        "4. 上記書類の到着後、約2週間で書面にて回答します。\n"
        "利用目的の通知・開示請求の手数料は、別途ご案内する額（実費の範囲内）とします"
        "（個人情報保護法第38条）。\n\n"
        "Procedure for disclosure, amendment, addition, deletion, suspension of use, erasure or "
        "suspension of provision to third parties: contact us; we send a request form and "
        "instructions; return the completed form by post with a copy of an ID document (driver's "
        "licence, residence certificate, etc.; the cost of obtaining, copying and mailing it is "
        "yours); we answer in writing in about two weeks after receiving the documents. A fee "
        "within actual cost applies to purpose notices and disclosures (APPI Art. 38)."
    ),
    "security_measures": (
        "個人情報の正確性および安全性を確保するため、情報セキュリティ対策をはじめとする安全管理"
        "措置を講じ、個人情報への不正アクセス、個人情報の紛失、破壊、改ざんおよび漏えい等の防止に"
        "努めます。\n\n"
        "To ensure the accuracy and security of personal information, we take information "
        "security and control measures to prevent unauthorised access to, and loss, destruction, "
        "falsification and leakage of, personal information."
    ),
    "contacts": (
        "個人情報に関するお問い合わせ窓口（苦情を含む）：privacy_policy@mail.nissan.co.jp\n"
        "Contact for Privacy Policy (inquiries and complaints): privacy_policy@mail.nissan.co.jp"
    ),
}

PURGE_TASK_NAME = "consent_app: purge provision records past retention"
PURGE_TASK = "consent_app.purge_expired_provision_records"
SWEEP_TASK_NAME = "consent_app: queue provision batches left pending"
SWEEP_TASK = "consent_app.sweep_pending_provision_batches"


def seed(apps, schema_editor):
    PurposeOfUse = apps.get_model("consent_app", "PurposeOfUse")
    PrivacyNotice = apps.get_model("consent_app", "PrivacyNotice")
    for purpose in PURPOSES:
        PurposeOfUse.objects.update_or_create(
            code=purpose["code"], defaults={k: v for k, v in purpose.items() if k != "code"}
        )
    PrivacyNotice.objects.get_or_create(
        version=NOTICE_V1["version"], defaults={k: v for k, v in NOTICE_V1.items() if k != "version"}
    )

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 03:30 Tokyo time, away from office hours and from the deadline alerts.
    schedule, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
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
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    every_ten, _created = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=SWEEP_TASK_NAME,
        defaults={"task": SWEEP_TASK, "interval": every_ten, "enabled": True},
    )


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[PURGE_TASK_NAME, SWEEP_TASK_NAME]).delete()
    # Purposes and the notice stay: consent events point at them (PROTECT).


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_name_trgm "
        "ON consent_app_customer USING gin (search_name gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_search_name_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("consent_app", "0002_recipient_code_indexes_append_only_triggers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(seed, unseed),
    ]
