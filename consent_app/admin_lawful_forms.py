"""The import page's second form: where the data comes from (APPI Art. 30).

Asked on the same page as the file; a third party's data set needs its receipt details (the
provider's name, address and representative, how it obtained the data, the items).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .admin_forms import data_item_choices
from .models import AcquisitionMethod, Recipient
from .receipts import ReceiptDetails

SOURCE_OWN = "own"
SOURCE_THIRD_PARTY = "third_party"
PROVIDER_DETAILS_REQUIRED = _("Give the provider's %(item)s (APPI Art. 30).")


class DataItemsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", data_item_choices)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)


class ImportSourceForm(forms.Form):
    """Where an imported data set comes from; a third party's needs its Art. 30 details."""

    source = forms.ChoiceField(
        label=_("Source of the data"),
        choices=[
            (SOURCE_OWN, _("Collected by the company itself")),
            (SOURCE_THIRD_PARTY, _("Received from a third party (a dealer, a partner)")),
        ],
        widget=forms.RadioSelect,
    )
    provider = forms.ModelChoiceField(
        label=_("Provider (known party)"),
        queryset=Recipient.objects.filter(active=True),
        required=False,
        help_text=_("Fills in the name, address and representative recorded for it."),
    )
    provider_name = forms.CharField(label=_("Provider's name"), max_length=200, required=False)
    provider_address = forms.CharField(
        label=_("Provider's address"), max_length=300, required=False
    )
    provider_representative = forms.CharField(
        label=_("Provider's representative"), max_length=200, required=False
    )
    acquisition = forms.ChoiceField(
        label=_("How the provider obtained the data"),
        choices=[("", "---------"), *AcquisitionMethod.choices],
        required=False,
    )
    acquisition_detail = forms.CharField(
        label=_("Acquisition details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    data_items = DataItemsField(label=_("Data items received"), required=False)
    includes_special_care = forms.BooleanField(
        label=_("Includes special-care data"), required=False
    )
    received_on = forms.DateField(
        label=_("Received on"), required=False, help_text=_("Empty: today.")
    )

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        if cleaned.get("source") != SOURCE_THIRD_PARTY:
            return cleaned
        # The known party's recorded details, unless typed here.
        if provider is not None:
            cleaned["provider_name"] = cleaned.get("provider_name") or provider.name
            cleaned["provider_address"] = cleaned.get("provider_address") or provider.address
            cleaned["provider_representative"] = (
                cleaned.get("provider_representative") or provider.representative
            )
        labels = {
            "provider_name": _("name"),
            "provider_address": _("address"),
            "provider_representative": _("representative"),
        }
        for name, label in labels.items():
            if not (cleaned.get(name) or "").strip():
                self.add_error(name, PROVIDER_DETAILS_REQUIRED % {"item": label})
        if not cleaned.get("acquisition"):
            self.add_error("acquisition", _("Say how the provider obtained the data."))
        if not cleaned.get("data_items"):
            self.add_error("data_items", _("Tick the data items received."))
        return cleaned

    def collected_by_us(self) -> bool:
        return self.cleaned_data.get("source") == SOURCE_OWN

    def receipt_details(self) -> ReceiptDetails | None:
        data = self.cleaned_data
        if data.get("source") != SOURCE_THIRD_PARTY:
            return None
        return ReceiptDetails(
            provider=data.get("provider"),
            provider_name=data.get("provider_name") or "",
            provider_address=data.get("provider_address") or "",
            provider_representative=data.get("provider_representative") or "",
            acquisition=data.get("acquisition") or "",
            acquisition_detail=data.get("acquisition_detail") or "",
            data_items=list(data.get("data_items") or []),
            includes_special_care=bool(data.get("includes_special_care")),
            received_on=data.get("received_on"),
        )
