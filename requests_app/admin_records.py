"""Admin for the records beside the requests: identity documents, document viewings, comments,
correction items, deadline extensions (read-only: append-only or made by services), the
transition log, and the deadline rules managers edit."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Case, OuterRef, Subquery, When
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from common.admin import ReadOnlyAdminMixin

from . import deadlines, views
from .admin_filters import PurgeFilter
from .models import (
    CorrectionItem,
    DeadlineExtension,
    DeadlineRule,
    DisclosureRequest,
    DocumentViewing,
    IdentityDocument,
    RequestComment,
    RequestState,
)
from .services.workflow import TRANSITION_SERVICES, transition_label


# --- read-only records ---------------------------------------------------------------------------
class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records nobody changes or deletes through the admin (append-only or service-made)."""

    def get_actions(self, request):
        return {}


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "request",
        "document_type",
        "for_agent",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "purged_at",
    ]
    list_select_related = ["request", "uploaded_by"]
    list_filter = ["document_type", "for_agent", PurgeFilter]
    search_fields = ["request__reference"]
    show_full_result_count = False
    exclude = ["file"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/",
                self.admin_site.admin_view(views.identity_document_file),
                name="requests_app_identitydocument_file",
            ),
            *super().get_urls(),
        ]


@admin.register(DocumentViewing)
class DocumentViewingAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "document", "document_request", "viewed_by"]
    list_select_related = ["document__request", "viewed_by"]
    search_fields = ["document__request__reference"]
    show_full_result_count = False

    @admin.display(description=_("request"))
    def document_request(self, obj):
        return obj.document.request.reference


@admin.register(RequestComment)
class RequestCommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "request", "author", "body"]
    list_select_related = ["request", "author"]
    search_fields = ["request__reference"]
    show_full_result_count = False


@admin.register(CorrectionItem)
class CorrectionItemAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "field_label", "accepted", "applied_at"]
    list_select_related = ["request"]
    search_fields = ["request__reference"]
    show_full_result_count = False
    # The customer field by its name (住所), never its code (address), on the item's own page.
    fields = [
        "request",
        "kind",
        "field_label",
        "current_value",
        "requested_value",
        "accepted",
        "applied_at",
    ]
    # Shown, never edited: a display method and a service-set (non-editable) model field
    # cannot be form fields.
    readonly_fields = ["field_label", "applied_at"]

    @admin.display(description=_("field"))
    def field_label(self, item):
        return item.field_label


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdmin):
    list_display = ["extended_at", "request", "previous_due_date", "new_due_date", "extended_by"]
    list_select_related = ["request", "extended_by"]
    search_fields = ["request__reference"]
    show_full_result_count = False


class DeadlineRuleForm(django_forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = [
            "request_type",
            "days",
            "day_kind",
            "saturday_closed",
            "closure_start",
            "closure_end",
        ]

    def clean_closure_start(self):
        value = self.cleaned_data["closure_start"]
        deadlines.validate_month_day(value)
        return value

    def clean_closure_end(self):
        value = self.cleaned_data["closure_end"]
        deadlines.validate_month_day(value)
        return value

    def clean_days(self):
        days = self.cleaned_data["days"]
        if not 1 <= days <= 90:
            raise ValidationError(_("Between 1 and 90 days."))
        return days


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Managers edit the days per request type; the next documents received use the new rule."""

    form = DeadlineRuleForm
    list_display = [
        "request_type",
        "days",
        "day_kind",
        "saturday_closed",
        "closure_start",
        "closure_end",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # every type keeps a rule

    def get_readonly_fields(self, request, obj=None):
        return ["request_type"] if obj else []


def _transition_choices() -> list[tuple[str, str]]:
    """The request transitions by name, with the label their button carries."""
    return [(name, transition_label(name)) for name in TRANSITION_SERVICES]


def _state_label(code: str | None) -> str:
    if not code:
        return "-"
    return str(dict(RequestState.choices).get(code, code))


class TransitionFilter(admin.SimpleListFilter):
    title = _("step")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return _transition_choices()

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class TargetStateFilter(admin.SimpleListFilter):
    title = _("to")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return RequestState.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


if not admin.site.is_registered(StateLog):

    @admin.register(StateLog)
    class StateLogAdmin(ReadOnlyAdmin):
        """The transition log: who, when, from, to, comment. Append-only.

        The library's field names are English ("Target state") and its states raw codes, so every
        column and filter is declared here with a translated title and the request's labels. The
        request's reference comes from a subquery on the page's own query (the generic relation
        would cost a query per row).
        """

        list_display = fields = readonly_fields = (
            "logged_at",
            "request_link",
            "transition_display",
            "source_state_display",
            "state_display",
            "performed_by",
            "comment",
        )
        list_select_related = ["by", "content_type"]
        list_filter = [TransitionFilter, TargetStateFilter]
        show_full_result_count = False

        def get_queryset(self, request):
            references = DisclosureRequest.objects.filter(pk=OuterRef("object_id")).values(
                "reference"
            )[:1]
            return (
                super()
                .get_queryset(request)
                .annotate(
                    request_reference=Case(
                        When(
                            content_type=ContentType.objects.get_for_model(DisclosureRequest),
                            then=Subquery(references),
                        ),
                        default=None,
                    )
                )
            )

        @admin.display(description=_("when"), ordering="timestamp")
        def logged_at(self, obj):
            # Formatted here: a read-only page shows a method's value as str() (ISO with +00:00).
            return date_format(timezone.localtime(obj.timestamp), "DATETIME_FORMAT")

        @admin.display(description=_("request"), ordering="request_reference")
        def request_link(self, obj):
            reference = getattr(obj, "request_reference", None)
            if not reference:
                return f"#{obj.object_id}"
            url = reverse("admin:requests_app_disclosurerequest_change", args=[obj.object_id])
            return format_html('<a href="{}">{}</a>', url, reference)

        @admin.display(description=_("step"), ordering="transition")
        def transition_display(self, obj):
            return dict(_transition_choices()).get(obj.transition, obj.transition)

        @admin.display(description=_("from"), ordering="source_state")
        def source_state_display(self, obj):
            return _state_label(obj.source_state)

        @admin.display(description=_("to"), ordering="state")
        def state_display(self, obj):
            return _state_label(obj.state)

        @admin.display(description=_("performed by"), ordering="by")
        def performed_by(self, obj):
            return obj.by or "-"

        @admin.display(description=_("comment"))
        def comment(self, obj):
            return obj.description or ""
