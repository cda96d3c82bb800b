"""Purposes of use, privacy notices, consent flags and the consent ledger."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin
from common.forms import add_service_errors
from common.paginators import EstimatedCountPaginator

from . import services
from .admin_forms import (
    ConsentChangeForm,
    PurposeOfUseAdminForm,
)
from .admin_mixins import (
    ConsentAppMedia,
    ExactCustomerSearchMixin,
    consent_form_page,
)
from .models import (
    Channel,
    ConsentEvent,
    ConsentFlag,
    PrivacyNotice,
    PurposeOfUse,
)

logger = logging.getLogger(__name__)


# --- Purposes and notices ----------------------------------------------------------------------
@admin.register(PurposeOfUse)
class PurposeOfUseAdmin(admin.ModelAdmin):
    form = PurposeOfUseAdminForm
    list_display = (
        "code",
        "title_ja",
        "channel_labels",
        "marketing_lists",
        "is_third_party_provision",
        "active",
        "title_en",
    )
    list_filter = ("active", "is_third_party_provision")
    search_fields = ("code", "title_ja", "title_en")
    ordering = ("sort_order", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # consent events point at purposes; retire one with "active" instead

    def get_readonly_fields(self, request, obj=None):
        # The code names the purpose in flags, events and requests; fixed once created.
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fields()
        return ("code",) if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fields()
        return super().get_fields(request, obj)

    def _read_only_fields(self) -> list[str]:
        # Read-only (auditors, staff): the channels by label, not the stored JSON list.
        return [
            self._channels_as_labels(f.name)
            for f in self.model._meta.fields
            if f.editable and not f.primary_key
        ]

    @staticmethod
    def _channels_as_labels(field: str) -> str:
        return "channel_labels" if field == "channels" else field

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if not request.user.has_perm("consent_app.export_marketing_list"):
            columns = tuple(c for c in columns if c != "marketing_lists")
        return columns

    @admin.display(description=_("channels"))
    def channel_labels(self, obj: PurposeOfUse) -> str:
        labels = dict(Channel.choices)
        return " · ".join(str(labels.get(c, c)) for c in obj.channels or [])

    @admin.display(description=_("marketing lists"))
    def marketing_lists(self, obj: PurposeOfUse) -> str:
        if obj.is_third_party_provision:
            return ""
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:privacyoffice_marketing_list", args=[obj.pk, channel]),
                Channel(channel).label,
            )
            for channel in obj.channels or []
            if channel in Channel.values
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ("version", "effective_from", "created_at")
    ordering = ("-version",)

    def has_change_permission(self, request, obj=None) -> bool:
        # A published notice is what people consented under: publish a new version instead.
        if obj is not None and ConsentEvent.objects.filter(notice=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Consent flags and the ledger --------------------------------------------------------------
@admin.register(ConsentFlag)
class ConsentFlagAdmin(ExactCustomerSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    Media = ConsentAppMedia
    list_display = ("customer", "purpose", "channel", "state", "updated_at")
    list_filter = ("channel", "state")
    list_select_related = ("customer", "purpose")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator


@admin.register(ConsentEvent)
class ConsentEventAdmin(ExactCustomerSearchMixin, admin.ModelAdmin):
    Media = ConsentAppMedia
    list_display = (
        "id",
        "customer",
        "purpose",
        "channel",
        "old_state",
        "new_state",
        "occurred_at",
        "actor",
        "source",
        "request_reference",
        "recorded_by",
    )
    list_filter = ("channel", "new_state", "actor", "source")
    list_select_related = ("customer", "purpose", "recorded_by")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator
    ordering = ("-occurred_at", "-id")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the ledger is append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="consent_app_consentevent_evidence",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Record a consent change through consent_change (the one way consent changes)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConsentChangeForm(
            request.POST or None, request.FILES or None, initial=request.GET.dict()
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                event = services.consent_change(
                    customer=data["customer"],
                    purpose=data["purpose"],
                    channel=data["channel"],
                    new_state=data["new_state"],
                    actor=data["actor"],
                    source=data["source"],
                    by=request.user,
                    request_reference=data["request_reference"],
                    note=data["note"],
                    occurred_at=data["occurred_at"],
                    evidence=data["evidence"],
                    foreign_transfer_info=data["foreign_transfer_info"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("Consent change recorded."), messages.SUCCESS)
                return redirect("admin:consent_app_customer_change", event.customer_id)
        return consent_form_page(request, self, form, _("Record a consent change"), _("Record"))

    def evidence_view(self, request, object_id: str):
        """The signed form, to staff and managers only, never inline in the browser."""
        if not request.user.has_perm("consent_app.add_consentevent"):
            raise PermissionDenied
        event = get_object_or_404(ConsentEvent, pk=object_id)
        if not event.evidence:
            raise Http404
        logger.info("consent evidence %s viewed by user %s", event.pk, request.user.pk)
        response = FileResponse(event.evidence.open("rb"), as_attachment=True)
        response["X-Content-Type-Options"] = "nosniff"
        return response
