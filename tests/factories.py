"""factory_boy factories, one section per app. Add yours under your heading."""

import factory  # noqa: F401
from factory.django import DjangoModelFactory  # noqa: F401

# === consent_app ================================================================================


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


class DisclosureRequestFactory(DjangoModelFactory):
    class Meta:
        model = "requests_app.DisclosureRequest"

    reference = factory.Sequence(lambda n: f"PR-2026-{900000 + n:06d}")
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


# === privacyoffice ==============================================================================
