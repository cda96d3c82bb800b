"""The marketing list as a report: the customers a campaign may reach over one channel.

It carries names, addresses, phones and e-mails out of the system, so it goes through the same
export service as the audit reports: logged (purpose, channel, row count), the same encodings
and formula guard, streamed or run as a background job. Same eligibility engine as provision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consent_app import eligibility
from consent_app.models import Channel, PurposeOfUse

from .columns import Column, Kind
from .report import Report

MARKETING_LIST_SLUG = "marketing-list"
PURPOSE_UNKNOWN = _("There is no such purpose of use.")
CHANNEL_NOT_OF_PURPOSE = _(
    "This purpose is not used over that channel, or it is provision to third parties "
    "(which goes through provision batches, not marketing lists)."
)

_PERSON = (
    Column("number", "顧客番号", "number", Kind.TEXT),
    Column("family_name", "姓", "family_name", Kind.TEXT),
    Column("given_name", "名", "given_name", Kind.TEXT),
    Column("family_name_kana", "姓(カナ)", "family_name_kana", Kind.TEXT),
    Column("given_name_kana", "名(カナ)", "given_name_kana", Kind.TEXT),
)
# Only the contact data the channel needs leaves the system (APPI Art. 18: within the purpose).
_CONTACT: dict[str, tuple[Column, ...]] = {
    Channel.POST: (
        Column("postal_code", "郵便番号", "postal_code", Kind.TEXT),
        Column("prefecture", "都道府県", "prefecture", Kind.TEXT),
        Column("address", "住所", "address", Kind.TEXT),
    ),
    Channel.PHONE: (Column("phone", "電話番号", "phone", Kind.TEXT),),
    Channel.EMAIL: (Column("email", "メールアドレス", "email", Kind.TEXT),),
}


def marketing_list_params_check(params: Mapping[str, Any]) -> dict[str, Any]:
    """The purpose (by id) and channel as saved in the export log, or a ValidationError."""
    try:
        purpose = PurposeOfUse.objects.get(pk=int(params.get("purpose_id", "")))
    except (TypeError, ValueError, PurposeOfUse.DoesNotExist):
        raise ValidationError(PURPOSE_UNKNOWN, code="purpose_unknown") from None
    channel = params.get("channel")
    if channel not in (purpose.channels or []) or purpose.is_third_party_provision:
        raise ValidationError(CHANNEL_NOT_OF_PURPOSE, code="channel_not_of_purpose")
    return {"purpose_id": purpose.pk, "purpose": purpose.code, "channel": channel}


def _rows(*, purpose_id: int, channel: str, **_saved):
    purpose = PurposeOfUse.objects.get(pk=purpose_id)
    return eligibility.marketing_list(purpose=purpose, channel=channel)


def _columns(params: Mapping[str, Any]) -> tuple[Column, ...]:
    return _PERSON + _CONTACT.get(params.get("channel", ""), ())


def _stem(params: Mapping[str, Any]) -> str:
    return f"{MARKETING_LIST_SLUG}_{params.get('purpose')}_{params.get('channel')}"


MARKETING_LIST = Report(
    slug=MARKETING_LIST_SLUG,
    title=_("Marketing list"),
    description=_("The customers a campaign may reach over one channel, with their contact."),
    date_field=None,
    date_label=_("not filtered on a date"),
    columns=_PERSON,
    base=_rows,
    order=("number",),
    params=("purpose_id", "purpose", "channel"),
    columns_for=_columns,
    listed=False,
    permission="consent_app.export_marketing_list",
    file_stem=_stem,
    check_params=marketing_list_params_check,
)
