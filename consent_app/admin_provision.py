"""Recipients, provision suppressions, provision batches and the provision records (Art. 29)."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdminMixin
from common.countries import country_name
from common.forms import add_service_errors
from common.paginators import EstimatedCountPaginator

from . import provision, services
from .admin_forms import (
    ProvisionBatchForm,
    RecipientAdminForm,
    SuppressionForm,
)
from .admin_mixins import (
    ConsentAppMedia,
    DataItemsLabelsMixin,
    ExactCustomerSearchMixin,
    consent_form_page,
)
from .models import (
    ProvisionBatch,
    ProvisionRecord,
    ProvisionSuppression,
    Recipient,
)

logger = logging.getLogger(__name__)


# --- Recipients and suppressions ---------------------------------------------------------------
@admin.register(Recipient)
class RecipientAdmin(DataItemsLabelsMixin, admin.ModelAdmin):
    form = RecipientAdminForm
    list_display = (
        "name",
        "code",
        "category",
        "country_display",
        "foreign",
        "agreement_reference",
        "agreement_end",
        "basis",
        "active",
    )
    list_filter = ("category", "basis", "active", "contract_serves_as_record")
    search_fields = ("name", "code", "agreement_reference")

    @admin.display(description=_("foreign transfer"), boolean=True)
    def foreign(self, obj: Recipient) -> bool:
        return obj.is_foreign

    @admin.display(description=_("country"), ordering="country")
    def country_display(self, obj: Recipient) -> str:
        return country_name(obj.country)

    def get_fields(self, request, obj=None):
        # A reader who may not change it sees the page read-only: the country by its name.
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = ["country_display" if name == "country" else name for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "country_display")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # records and batches point at it; deactivate instead


@admin.register(ProvisionSuppression)
class ProvisionSuppressionAdmin(ExactCustomerSearchMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "customer",
        "recipient_display",
        "request_reference",
        "created_at",
        "created_by",
        "lifted_at",
    )
    list_select_related = ("customer", "recipient", "created_by")
    raw_id_fields = ("customer",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    actions = ("lift",)

    def get_readonly_fields(self, request, obj=None):
        # The recipient as the list says it: an empty one is "all recipients", not "-".
        return [
            "recipient_display" if f.name == "recipient" else f.name
            for f in self.model._meta.fields
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj: ProvisionSuppression) -> str:
        return str(obj.recipient) if obj.recipient_id else str(_("All recipients"))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SuppressionForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                suppression = services.suppression_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("Provision suppressed."), messages.SUCCESS)
                return redirect("admin:consent_app_customer_change", suppression.customer_id)
        return consent_form_page(
            request, self, form, _("Stop provision to third parties"), _("Save")
        )

    @admin.action(description=_("Lift the selected suppressions"), permissions=["change"])
    def lift(self, request, queryset):
        lifted = 0
        for suppression in queryset.filter(lifted_at__isnull=True):
            services.suppression_lift(suppression=suppression, by=request.user)
            lifted += 1
        self.message_user(
            request,
            ngettext("%(n)s suppression lifted.", "%(n)s suppressions lifted.", lifted)
            % {"n": lifted},
            messages.SUCCESS,
        )


# --- Provision batches and records -------------------------------------------------------------
@admin.register(ProvisionBatch)
class ProvisionBatchAdmin(DataItemsLabelsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "provided_on",
        "status",
        "customer_count",
        "download",
        "created_by",
        "created_at",
        "purpose",
    )
    list_filter = ("status", "basis")
    list_select_related = ("recipient", "purpose", "created_by")
    actions = ("run_again",)

    def get_readonly_fields(self, request, obj=None):
        # Every field, data items by their labels (DataItemsLabelsMixin).
        return [
            "data_items_display" if f.name == "data_items" else f.name
            for f in self.model._meta.fields
        ]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: ProvisionBatch) -> str:
        if not obj.file:
            return ""
        url = reverse("admin:consent_app_provisionbatch_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="consent_app_provisionbatch_download",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProvisionBatchForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                batch = provision.provision_batch_create(
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    by=request.user,
                    data_items=data["data_items"] or None,
                    basis=data["basis"] or None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Batch #%(id)s queued: the file and the records are being prepared.")
                    % {"id": batch.pk},
                    messages.SUCCESS,
                )
                return redirect("admin:consent_app_provisionbatch_changelist")
        return consent_form_page(
            request, self, form, _("Provide data to a third party"), _("Provide")
        )

    def download_view(self, request, object_id: str):
        """The file sent to the recipient: staff and managers who run batches, as attachment."""
        if not request.user.has_perm("consent_app.add_provisionbatch"):
            raise PermissionDenied
        batch = get_object_or_404(ProvisionBatch, pk=object_id)
        if not batch.file:
            raise Http404
        logger.info("provision batch %s file downloaded by user %s", batch.pk, request.user.pk)
        response = FileResponse(
            batch.file.open("rb"), as_attachment=True, filename=f"provision-{batch.pk}.csv"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Run the selected failed batches again"), permissions=["add"])
    def run_again(self, request, queryset: QuerySet[ProvisionBatch]):
        queued = 0
        for batch in queryset.filter(status=ProvisionBatch.Status.FAILED):
            try:
                provision.provision_batch_requeue(batch=batch, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            queued += 1
        self.message_user(
            request,
            ngettext("%(n)s batch queued again.", "%(n)s batches queued again.", queued)
            % {"n": queued},
            messages.SUCCESS,
        )


@admin.register(ProvisionRecord)
class ProvisionRecordAdmin(
    DataItemsLabelsMixin, ExactCustomerSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    Media = ConsentAppMedia
    list_display = (
        "id",
        "provided_on",
        "recipient",
        "customer",
        "data_items_display",
        "basis",
        "batch",
        "retain_until",
    )
    list_filter = ("basis",)
    list_select_related = ("recipient", "customer", "batch")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator
    ordering = ("-provided_on", "-id")
