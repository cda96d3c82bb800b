"""Admin of the lawful bases of provision and of the receiving side (Arts. 27(2)–(5), 28, 30).

Thin, as the rest of the admin: filings, joint-use notices and the Art. 28 information are
managers' catalogues; a published version is never rewritten (a new version or a change filing
replaces it). Receipt records, equivalent-measures checks and kept identities are read-only:
only the import, the beat task and the erasure service write them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    AcquisitionMethod,
    AdequateCountry,
    DataReceipt,
    DataReceiptPerson,
    EquivalentMeasuresCheck,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    Recipient,
    RetainedIdentity,
)
from .paginators import EstimatedCountPaginator
from .provision import DATA_ITEMS
from .receipts import ReceiptDetails

SOURCE_OWN = "own"
SOURCE_THIRD_PARTY = "third_party"
PROVIDER_DETAILS_REQUIRED = _("Give the provider's %(item)s (APPI Art. 30).")


def _data_item_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _columns) in DATA_ITEMS.items()]


class DataItemsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", _data_item_choices)
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


class _PublishedOnceMixin:
    """A version in force is what people were told: publish a new one instead of editing."""

    def _in_force(self, obj) -> bool:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and self._in_force(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OptOutFilingForm(forms.ModelForm):
    data_items = DataItemsField(label=_("Data items notified"))

    class Meta:
        model = OptOutFiling
        fields = [
            "reference",
            "title",
            "recipients",
            "data_items",
            "acquisition_method",
            "provision_method",
            "opt_out_method",
            "filed_on",
            "ppc_published_on",
            "company_published_on",
            "supersedes",
        ]

    def clean(self):
        cleaned = super().clean()
        filed = cleaned.get("filed_on")
        for name in ("ppc_published_on", "company_published_on"):
            value = cleaned.get(name)
            if filed and value and value < filed:
                self.add_error(name, _("A filing cannot be published before it was filed."))
        return cleaned


@admin.register(OptOutFiling)
class OptOutFilingAdmin(_PublishedOnceMixin, admin.ModelAdmin):
    form = OptOutFilingForm
    list_display = (
        "reference",
        "title",
        "filed_on",
        "ppc_published_on",
        "company_published_on",
        "supersedes",
    )
    filter_horizontal = ("recipients",)
    search_fields = ("reference", "title")

    def _in_force(self, obj) -> bool:
        # Published by both: the filing is the record of what was notified; a change is filed.
        today = timezone.localdate()
        return bool(
            obj.ppc_published_on
            and obj.company_published_on
            and obj.ppc_published_on <= today
            and obj.company_published_on <= today
        )


class JointUseNoticeForm(forms.ModelForm):
    data_items = DataItemsField(label=_("Data items used jointly"))

    class Meta:
        model = JointUseNotice
        fields = [
            "scheme",
            "version",
            "users",
            "users_description",
            "data_items",
            "purposes",
            "responsible_party",
            "notified_on",
            "effective_from",
        ]

    def clean(self):
        cleaned = super().clean()
        notified, effective = cleaned.get("notified_on"), cleaned.get("effective_from")
        if notified and effective and notified > effective:
            self.add_error(
                "notified_on", _("The joint use must be notified before it takes effect.")
            )
        return cleaned


@admin.register(JointUseNotice)
class JointUseNoticeAdmin(_PublishedOnceMixin, admin.ModelAdmin):
    form = JointUseNoticeForm
    list_display = ("__str__", "scheme", "version", "notified_on", "effective_from")
    filter_horizontal = ("users",)
    list_filter = ("scheme",)

    def _in_force(self, obj) -> bool:
        return obj.effective_from <= timezone.localdate()


@admin.register(ForeignTransferInfo)
class ForeignTransferInfoAdmin(_PublishedOnceMixin, admin.ModelAdmin):
    list_display = ("recipient", "country", "version", "country_name", "effective_from")
    list_select_related = ("recipient",)
    list_filter = ("country",)

    def _in_force(self, obj) -> bool:
        return obj.effective_from <= timezone.localdate()


@admin.register(AdequateCountry)
class AdequateCountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ja", "name_en", "recognised_on")
    search_fields = ("code", "name_ja", "name_en")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EquivalentMeasuresCheck)
class EquivalentMeasuresCheckAdmin(_ReadOnlyAdmin):
    list_display = ("checked_at", "recipient", "result", "checked_by")
    list_filter = ("result",)
    list_select_related = ("recipient", "checked_by")


@admin.register(DataReceipt)
class DataReceiptAdmin(_ReadOnlyAdmin):
    list_display = (
        "id",
        "received_on",
        "provider_name",
        "acquisition",
        "person_count",
        "retain_until",
        "created_by",
    )
    list_filter = ("acquisition", "includes_special_care")
    list_select_related = ("created_by",)
    search_fields = ("provider_name",)


@admin.register(DataReceiptPerson)
class DataReceiptPersonAdmin(_ReadOnlyAdmin):
    list_display = ("id", "receipt", "customer", "retain_until")
    list_select_related = ("receipt", "customer")
    search_fields = ("customer__number",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(RetainedIdentity)
class RetainedIdentityAdmin(_ReadOnlyAdmin):
    list_display = ("number", "retain_until", "created_at")
    search_fields = ("number",)
