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

from common.admin import ModelAdminMixin, ReadOnlyAdminMixin
from common.countries import country_name
from common.paginators import EstimatedCountPaginator

from .admin_lawful_forms import DataItemsField
from .admin_mixins import DataItemsLabelsMixin
from .models import (
    AdequateCountry,
    DataReceipt,
    DataReceiptPerson,
    EquivalentMeasuresCheck,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    RetainedIdentity,
)


class _PublishedOnceMixin(ModelAdminMixin):
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
class OptOutFilingAdmin(DataItemsLabelsMixin, _PublishedOnceMixin, admin.ModelAdmin):
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
class JointUseNoticeAdmin(DataItemsLabelsMixin, _PublishedOnceMixin, admin.ModelAdmin):
    form = JointUseNoticeForm
    list_display = ("__str__", "scheme", "version", "notified_on", "effective_from")
    filter_horizontal = ("users",)
    list_filter = ("scheme",)

    def _in_force(self, obj) -> bool:
        return obj.effective_from <= timezone.localdate()


class CountryFilter(admin.SimpleListFilter):
    """The countries present, by name in the UI's language (a code is no label)."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("country", flat=True).distinct()
        return sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


@admin.register(ForeignTransferInfo)
class ForeignTransferInfoAdmin(_PublishedOnceMixin, admin.ModelAdmin):
    list_display = ("recipient", "country_display", "version", "country_name", "effective_from")
    list_select_related = ("recipient",)
    list_filter = (CountryFilter,)

    @admin.display(description=_("country"), ordering="country")
    def country_display(self, obj) -> str:
        return country_name(obj.country)

    def _in_force(self, obj) -> bool:
        return obj.effective_from <= timezone.localdate()


@admin.register(AdequateCountry)
class AdequateCountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ja", "name_en", "recognised_on")
    search_fields = ("code", "name_ja", "name_en")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(EquivalentMeasuresCheck)
class EquivalentMeasuresCheckAdmin(_ReadOnlyAdmin):
    list_display = ("checked_at", "recipient", "result", "checked_by")
    list_filter = ("result",)
    list_select_related = ("recipient", "checked_by")


@admin.register(DataReceipt)
class DataReceiptAdmin(DataItemsLabelsMixin, _ReadOnlyAdmin):
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
