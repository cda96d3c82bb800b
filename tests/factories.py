"""factory_boy factories, one section per app. Add yours under your heading."""

import factory
from factory.django import DjangoModelFactory


# === consent_app ================================================================================
# Customers are created through consent_app.services.customer_create (search columns, history);
# purposes come from the data migration (get them by code: "marketing", "survey",
# "third_party_provision").
def _consent_days_from_today(days: int):
    import datetime

    return datetime.date.today() + datetime.timedelta(days=days)


class RecipientFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.Recipient"

    name = factory.Sequence(lambda n: f"販売会社{n}株式会社")
    code = factory.Sequence(lambda n: f"R{n:05d}")
    category = "dealer"
    data_items = factory.LazyFunction(lambda: ["name", "address"])
    basis = "consent"
    active = True


class AgreementRecipientFactory(RecipientFactory):
    """A party with an information supply agreement in force (a year either side of today)."""

    name = factory.Sequence(lambda n: f"情報提供先{n}株式会社")
    category = "agreement"
    agreement_reference = factory.Sequence(lambda n: f"ISA-T{n:04d}")
    agreement_start = factory.LazyFunction(lambda: _consent_days_from_today(-365))
    agreement_end = factory.LazyFunction(lambda: _consent_days_from_today(365))


class CustomerFactory(factory.Factory):
    """A customer made by customer_create; pass by=<user> to name who created it."""

    class Meta:
        model = "consent_app.Customer"

    number = factory.Sequence(lambda n: f"T{n:07d}")
    family_name = factory.Iterator(["山田", "佐藤", "鈴木", "高橋"])
    given_name = factory.Iterator(["太郎", "花子", "一郎", "陽子", "健"])
    family_name_kana = factory.Iterator(["ヤマダ", "サトウ", "スズキ", "タカハシ"])
    given_name_kana = factory.Iterator(["タロウ", "ハナコ", "イチロウ", "ヨウコ", "ケン"])
    postal_code = "100-0005"
    prefecture = "東京都"
    address = factory.Sequence(lambda n: f"千代田区丸の内1-{n % 9 + 1}-1")
    phone = factory.Sequence(lambda n: f"090-{n // 10000 % 10000:04d}-{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.jp")
    date_of_birth = factory.LazyFunction(lambda: _consent_days_from_today(-365 * 45))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        from consent_app.models import Customer

        kwargs.pop("by", None)
        return Customer(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from consent_app.services import customer_create

        by = kwargs.pop("by", None)
        return customer_create(by=by, **kwargs)


# === requests_app: workflow =====================================================================
# Requests are built straight in a given state (the FSM field accepts its first value); tests of
# the transitions themselves go through requests_app.services.
from django.utils import timezone as _requests_tz  # noqa: E402


class RequestsUserFactory(DjangoModelFactory):
    """A plain user (no role) to own rows that need one; personas come from conftest."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"requests-user-{n}")


class RequestCaseFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.RequestCase"
        django_get_or_create = ("reference",)

    reference = factory.Sequence(lambda n: f"PR-2026-{800000 + n:06d}")


class DisclosureRequestFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.DisclosureRequest"

    reference = factory.Sequence(lambda n: f"PR-2026-{900000 + n:06d}")
    # A request made alone is its case's one right, under the same reference.
    case = factory.SubFactory(RequestCaseFactory, reference=factory.SelfAttribute("..reference"))
    request_type = "disclosure"
    channel = "post"
    requester_name = factory.Sequence(lambda n: f"山田 太郎{n}")
    requester_name_kana = "ヤマダ タロウ"
    requester_postal_code = "100-0005"
    requester_address = "東京都千代田区丸の内1-1-1"
    received_at = factory.LazyFunction(_requests_tz.now)


class IdentityDocumentFactory(DjangoModelFactory):
    """A document record with a tiny PNG stored under a random name."""

    class Meta:
        model = "requests_app.IdentityDocument"

    request = factory.SubFactory(DisclosureRequestFactory)
    document_type = "drivers_licence"
    file = factory.django.FileField(filename="id.png", data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    content_type = "image/png"
    size = 40
    sha256 = "0" * 64
    uploaded_by = factory.SubFactory(RequestsUserFactory)


class CorrectionItemFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.CorrectionItem"

    request = factory.SubFactory(DisclosureRequestFactory, request_type="correction")
    kind = "amend"
    field_name = "address"
    current_value = "東京都千代田区丸の内1-1-1"
    requested_value = "東京都港区芝公園4-2-8"


class RequestCommentFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.RequestComment"

    request = factory.SubFactory(DisclosureRequestFactory)
    author = factory.SubFactory(RequestsUserFactory)
    body = "電話で本人確認書類の再送を依頼"


# === requests_app: letters and alerts ===========================================================
# The seeded templates (data migration) exist in every test database; LetterTemplateFactory makes
# extra ones (a kind/type/language with no current version, or an old version).
class LetterTemplateFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.LetterTemplate"

    kind = "request_form"
    request_type = "purpose_notice"  # no seeded template is specific to it
    language = "ja"
    version = factory.Sequence(lambda n: 100 + n)
    subject = "テスト件名 {{ request.reference }}"
    body = "<p>{{ recipient.name }} 様</p><p>本文です。</p>"
    is_current = True


class LetterFactory(DjangoModelFactory):
    """A queued letter with the current seeded template of its kind and language."""

    class Meta:
        model = "requests_app.Letter"

    request = factory.SubFactory(DisclosureRequestFactory)
    kind = "request_form"
    language = "ja"
    occasion = factory.Sequence(lambda n: f"letters-test-{n}")
    status = "queued"
    queued_at = factory.LazyFunction(_requests_tz.now)
    template = factory.LazyAttribute(
        lambda o: __import__(
            "requests_app.letters.services", fromlist=["letter_template_current"]
        ).letter_template_current(
            kind=o.kind, request_type=o.request.request_type, language=o.language
        )
    )


class DeadlineAlertFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.DeadlineAlert"

    request = factory.SubFactory(DisclosureRequestFactory, state="verified")
    level = "due_soon"
    due_date = factory.LazyAttribute(lambda o: o.request.due_date or _requests_tz.localdate())
    assignee = factory.LazyAttribute(lambda o: o.request.assignee)


# === privacyoffice ==============================================================================
# Dashboard and report rows, built directly (no services): the tests count what they build.
# Prefixed "Po" so they never clash with the consent_app section's factories.
from django.utils import timezone as _po_tz  # noqa: E402


class PoUserFactory(DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"po-user-{n}")


class PoPurposeFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.PurposeOfUse"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"po-purpose-{n}")
    title_ja = factory.Sequence(lambda n: f"目的{n}")
    title_en = factory.Sequence(lambda n: f"Purpose {n}")
    channels = factory.LazyFunction(lambda: ["email"])
    sort_order = 50


class PoRecipientFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.Recipient"

    name = factory.Sequence(lambda n: f"提供先{n}株式会社")
    category = "agreement"
    agreement_reference = factory.Sequence(lambda n: f"AGR-{n:04d}")


class PoCustomerFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.Customer"

    number = factory.Sequence(lambda n: f"C{n:08d}")
    family_name = "山田"
    given_name = "花子"


class PoConsentEventFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.ConsentEvent"

    customer = factory.SubFactory(PoCustomerFactory)
    purpose = factory.SubFactory(PoPurposeFactory)
    channel = "email"
    old_state = ""
    new_state = "granted"
    occurred_at = factory.LazyFunction(_po_tz.now)
    actor = "customer"
    source = "web"


class PoConsentFlagFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.ConsentFlag"

    customer = factory.SubFactory(PoCustomerFactory)
    purpose = factory.SubFactory(PoPurposeFactory)
    channel = "email"
    state = "granted"
    updated_at = factory.LazyFunction(_po_tz.now)
    last_event = factory.SubFactory(
        PoConsentEventFactory,
        customer=factory.SelfAttribute("..customer"),
        purpose=factory.SelfAttribute("..purpose"),
        channel=factory.SelfAttribute("..channel"),
        new_state=factory.SelfAttribute("..state"),
    )


class PoSuppressionFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.ProvisionSuppression"

    customer = factory.SubFactory(PoCustomerFactory)
    recipient = None


class PoProvisionBatchFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.ProvisionBatch"

    recipient = factory.SubFactory(PoRecipientFactory)
    purpose = factory.SubFactory(PoPurposeFactory)
    provided_on = factory.LazyFunction(_po_tz.localdate)
    data_items = factory.LazyFunction(lambda: ["name", "address"])
    basis = "consent"
    status = "completed"


class PoProvisionRecordFactory(DjangoModelFactory):
    class Meta:
        model = "consent_app.ProvisionRecord"

    batch = factory.SubFactory(PoProvisionBatchFactory)
    recipient = factory.SelfAttribute("batch.recipient")
    customer = factory.SubFactory(PoCustomerFactory)
    provided_on = factory.SelfAttribute("batch.provided_on")
    data_items = factory.SelfAttribute("batch.data_items")
    basis = "consent"
    retain_until = factory.LazyAttribute(
        lambda o: o.provided_on.replace(year=o.provided_on.year + 3)
    )


class PoLetterFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.Letter"

    request = factory.SubFactory(DisclosureRequestFactory)
    kind = "request_form"
    language = "ja"
    occasion = factory.Sequence(lambda n: f"po-occasion-{n}")
    status = "generated"


class PoDocumentViewingFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.DocumentViewing"

    document = factory.SubFactory(IdentityDocumentFactory)
    viewed_by = factory.SubFactory(PoUserFactory)


class PoStateLogFactory(DjangoModelFactory):
    """A transition log row of a request (django-fsm-log)."""

    class Meta:
        model = "django_fsm_log.StateLog"

    content_object = factory.SubFactory(DisclosureRequestFactory)
    source_state = "inquiry"
    state = "form_sent"
    transition = "send_form"


class ExportLogFactory(DjangoModelFactory):
    class Meta:
        model = "privacyoffice.ExportLog"

    report = "consent-ledger"
    filters = factory.LazyFunction(lambda: {"date_from": None, "date_to": None})
    exported_by = factory.SubFactory(PoUserFactory)


# === security ===================================================================================
class TOTPDeviceFactory(DjangoModelFactory):
    """A confirmed authenticator (django-otp TOTP) with a random secret."""

    class Meta:
        model = "otp_totp.TOTPDevice"

    name = "authenticator"
    confirmed = True


def totp_token(device, steps_ahead: int = 0) -> str:
    """The token the user's authenticator app shows now (or `steps_ahead` 30 s steps later).

    A token is accepted once (django-otp remembers the last step used), so a second login in
    the same test uses the next step, which the default tolerance of one step still accepts.
    """
    from django_otp.oath import totp

    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + steps_ahead,
    )
    return f"{value:0{device.digits}d}"


def login_with_second_factor(client, user):
    """Log `user` in as after password and token: a session that passes REQUIRE_2FA."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# === incidents_app ==============================================================================
# Incidents are built directly in a given state (the clocks filled in); tests of the steps go
# through incidents_app.services.
from django.utils import timezone as _inc_tz  # noqa: E402


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.Incident"

    reference = factory.Sequence(lambda n: f"INC-2026-{n + 1:04d}")
    title = "販売会社での顧客台帳の紛失"
    what_happened = "販売会社の店舗で顧客台帳のファイルが所在不明となった。"
    data_items = "氏名、住所、電話番号"
    learned_at = factory.LazyFunction(_inc_tz.now)
    logged_by = factory.SubFactory(PoUserFactory)
    preliminary_due = factory.LazyFunction(_inc_tz.localdate)
    final_due = factory.LazyFunction(_inc_tz.localdate)


class EntrusteeFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.Entrustee"

    name = factory.Sequence(lambda n: f"委託先{n}株式会社")
    data_items = factory.LazyFunction(lambda: ["氏名", "住所"])
    all_customers = True
    contract_reference = factory.Sequence(lambda n: f"ENT-{n:04d}")
    security_clauses = "第12条（安全管理措置）"


class SupervisionCheckFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.SupervisionCheck"

    entrustee = factory.SubFactory(EntrusteeFactory)
    due_on = factory.LazyFunction(_inc_tz.localdate)
    opened_by = factory.SubFactory(PoUserFactory)


class IncidentReportFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.IncidentReport"

    incident = factory.SubFactory(IncidentFactory, state="classified_reportable")
    version = factory.Sequence(lambda n: n + 1)
    stage = "preliminary"
    overview = "顧客台帳の紛失"
    created_by = factory.SubFactory(PoUserFactory)


class IncidentAlertFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.IncidentAlert"

    incident = factory.SubFactory(IncidentFactory)
    clock = "preliminary"
    level = "due_soon"
    due_date = factory.LazyAttribute(lambda o: o.incident.preliminary_due)


class AffectedPersonFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.AffectedPerson"

    incident = factory.SubFactory(IncidentFactory)
    customer = factory.SubFactory(PoCustomerFactory)
    category = "query"


class CheckEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = "incidents_app.CheckEvidence"

    check_sheet = factory.SubFactory(SupervisionCheckFactory)
    description = "第三者認証の写し"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64
    uploaded_by = factory.SubFactory(PoUserFactory)
