"""Forms behind the admin's custom pages: each one feeds a service, none writes by itself."""

from __future__ import annotations

from django import forms
from django.contrib.admin.sites import site as default_site
from django.contrib.admin.widgets import AdminSplitDateTime, ForeignKeyRawIdWidget
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from common.countries import country_choices
from common.dates import validate_not_future

from .importing import IMPORT_MAX_BYTES
from .models import (
    Channel,
    ConsentEvent,
    ConsentState,
    Customer,
    ForeignTransferInfo,
    ProvisionBasis,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)
from .normalize import normalize_postal_code
from .provision import DATA_ITEMS
from .services import (
    CUSTOMER_FIELDS,
    KANA_INVALID,
    POSTAL_CODE_INVALID,
    POSTAL_CODE_LENGTH,
    kana_is_valid,
)

PURPOSE_ANY_CHANNEL_ALONE = _("“Any channel” cannot be combined with other channels.")
IMPORT_FILE_TOO_LARGE = _("The file is larger than %(mb)s MB; split it into smaller files.")


def data_item_choices() -> list[tuple[str, str | Promise]]:
    return [(code, label) for code, (label, _columns) in DATA_ITEMS.items()]


class CustomerAdminForm(forms.ModelForm):
    """The customer change form, plus the reason that goes into the history entry."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=100,
        help_text=_("Recorded in the history, e.g. the request reference of a correction."),
    )

    # Longer than the stored 8 characters: "〒100-0005" or "１００－０００５" is normalised to
    # 100-0005 in clean_postal_code, which Django runs after a field's own max_length check.
    postal_code = forms.CharField(
        label=capfirst(Customer._meta.get_field("postal_code").verbose_name),
        max_length=20,
        required=False,
    )

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)

    def clean_postal_code(self) -> str:
        value = normalize_postal_code(self.cleaned_data.get("postal_code", ""))
        if value and len(value) != POSTAL_CODE_LENGTH:
            raise forms.ValidationError(POSTAL_CODE_INVALID)
        return value

    def _clean_kana(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if value and not kana_is_valid(value):
            raise forms.ValidationError(KANA_INVALID)
        return value

    def clean_family_name_kana(self) -> str:
        return self._clean_kana("family_name_kana")

    def clean_given_name_kana(self) -> str:
        return self._clean_kana("given_name_kana")


class ConsentChangeForm(forms.Form):
    """Record one consent change (consent_app.services.consent_change)."""

    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.filter(erased_at__isnull=True),
        widget=ForeignKeyRawIdWidget(
            ConsentEvent._meta.get_field("customer").remote_field, default_site
        ),
    )
    purpose = forms.ModelChoiceField(
        label=_("Purpose of use"), queryset=PurposeOfUse.objects.filter(active=True)
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    new_state = forms.ChoiceField(label=_("New state"), choices=ConsentState.choices)
    actor = forms.ChoiceField(
        label=_("Expressed by"),
        choices=[
            (ConsentEvent.Actor.CUSTOMER, ConsentEvent.Actor.CUSTOMER.label),
            (ConsentEvent.Actor.STAFF, ConsentEvent.Actor.STAFF.label),
        ],
        initial=ConsentEvent.Actor.CUSTOMER,
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (value, label)
            for value, label in ConsentEvent.Source.choices
            if value != ConsentEvent.Source.IMPORT
        ],
    )
    request_reference = forms.CharField(label=_("Request reference"), max_length=20, required=False)
    occurred_at = forms.SplitDateTimeField(
        label=_("When the customer expressed it"),
        required=False,
        validators=[validate_not_future],
        widget=AdminSplitDateTime,
        help_text=_("Leave empty for now; e.g. the date on the customer's letter."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = forms.FileField(
        label=_("Signed form (scan)"),
        required=False,
        help_text=_("PDF, PNG, JPEG or TIFF, at most 10 MB. Stored privately."),
    )
    foreign_transfer_info = forms.ModelChoiceField(
        label=_("Consent to foreign provision, after this Art. 28 information"),
        queryset=ForeignTransferInfo.objects.select_related("recipient"),
        required=False,
        help_text=_(
            "Only for a consent to provision to a recipient abroad: the information the person "
            "was given (country, its system, the recipient's measures)."
        ),
    )


class SuppressionForm(forms.Form):
    """Stop provision to third parties for a customer (services.suppression_create)."""

    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=ForeignKeyRawIdWidget(
            ProvisionSuppression._meta.get_field("customer").remote_field, default_site
        ),
    )
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=Recipient.objects.all(),
        required=False,
        empty_label=_("All recipients"),
    )
    request_reference = forms.CharField(label=_("Request reference"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ProvisionBatchForm(forms.Form):
    """Provide the eligible customers' data to a recipient (provision.provision_batch_create)."""

    recipient = forms.ModelChoiceField(
        label=_("Recipient"), queryset=Recipient.objects.filter(active=True)
    )
    purpose = forms.ModelChoiceField(
        label=_("Purpose of use"),
        queryset=PurposeOfUse.objects.filter(is_third_party_provision=True, active=True),
    )
    data_items = forms.MultipleChoiceField(
        label=_("Data items"),
        choices=data_item_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked to use the items agreed with the recipient."),
    )
    basis = forms.ChoiceField(
        label=_("Basis of provision"),
        choices=[("", _("The recipient's basis"))]
        + [(v, label) for v, label in ProvisionBasis.choices if v != ProvisionBasis.LAW],
        required=False,
        help_text=_(
            "Checked before the batch is queued: consent in force, an opt-out filing, or a "
            "joint-use notice; for a recipient abroad also the Art. 28 basis."
        ),
    )


class PurposeOfUseAdminForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Consent is given per channel; “any channel” for purposes without one."),
    )

    class Meta:
        model = PurposeOfUse
        fields = [
            "code",
            "title_ja",
            "title_en",
            "description",
            "channels",
            "is_third_party_provision",
            "active",
            "sort_order",
        ]

    def clean_channels(self) -> list[str]:
        channels = self.cleaned_data.get("channels") or []
        if Channel.ANY in channels and len(channels) > 1:
            raise forms.ValidationError(PURPOSE_ANY_CHANNEL_ALONE)
        return channels


class RecipientAdminForm(forms.ModelForm):
    # The country by its name in the UI's language (common/countries.py), stored as its code.
    country = forms.ChoiceField(
        label=Recipient._meta.get_field("country").verbose_name,
        choices=country_choices,
        initial="JP",
    )
    data_items = forms.MultipleChoiceField(
        label=_("Data items shared"),
        choices=data_item_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Recipient
        fields = [
            "name",
            "code",
            "category",
            "agreement_reference",
            "agreement_start",
            "agreement_end",
            "country",
            "data_items",
            "basis",
            "contract_serves_as_record",
            "address",
            "representative",
            "foreign_basis",
            "equivalent_measures",
            "equivalent_measures_reviewed_on",
            "active",
        ]

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").upper()

    def clean_code(self) -> str | None:
        # Empty codes are NULL, so that many recipients without one can coexist (unique).
        return self.cleaned_data.get("code") or None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("agreement_start"), cleaned.get("agreement_end")
        if start and end and end < start:
            self.add_error("agreement_end", _("The agreement cannot end before it starts."))
        return cleaned


class CustomerImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file from the CRM"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[
            ("auto", _("Detect (UTF-8 or Shift_JIS)")),
            ("utf-8", "UTF-8"),
            ("cp932", "Shift_JIS (CP932)"),
        ],
        initial="auto",
    )
    dry_run = forms.BooleanField(
        label=_("Check only (import nothing)"), required=False, initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                IMPORT_FILE_TOO_LARGE, params={"mb": IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload
