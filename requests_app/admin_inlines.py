"""The inlines of the request page: identity documents, corrections, letters and deadline
alerts (the last two read-only: letters are sent from their own page)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import forms
from .admin_cases import CaseDocumentsFormSet
from .models import (
    CorrectionItem,
    DeadlineAlert,
    IdentityDocument,
    Letter,
    RequestState,
    RequestType,
)


# --- inlines -------------------------------------------------------------------------------------
class CorrectionItemInline(admin.TabularInline):
    """The corrections asked for (Art. 34): entered while the request is being examined."""

    model = CorrectionItem
    form = forms.CorrectionItemForm
    extra = 0
    readonly_fields = ["applied_at", "field_label"]
    verbose_name_plural = _("corrections asked for (Art. 34)")

    @admin.display(description=_("field"))
    def field_label(self, item):
        return item.field_label

    def get_fields(self, request, obj=None):
        # Editable: the field is chosen from a list; read-only: shown by its name, not its code.
        fields = [f for f in super().get_fields(request, obj) if f != "field_label"]
        if self._editable(request, obj):
            return fields
        return ["field_label" if f == "field_name" else f for f in fields]

    def _editable(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.request_type == RequestType.CORRECTION
            and obj.state in (RequestState.DOCUMENTS_RECEIVED, RequestState.VERIFIED)
            and request.user.has_perm("requests_app.change_correctionitem")
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class IdentityDocumentInline(admin.TabularInline):
    model = IdentityDocument
    formset = CaseDocumentsFormSet  # the case's documents, from any of its rights (issue 13)
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "document_type",
        "for_agent",
        "request",
        "uploaded_at",
        "uploaded_by",
        "purged_at",
        "open",
    )
    verbose_name_plural = _("identity documents")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the checked upload page

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def open(self, document):
        if document.pk is None:
            return ""
        if document.purged_at:
            return gettext("purged")
        if not self._user_may_open:
            return "—"
        url = reverse("admin:requests_app_identitydocument_file", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download (logged)"))

    def get_formset(self, request, obj=None, **kwargs):
        self._user_may_open = request.user.has_perm("requests_app.view_document_file")
        return super().get_formset(request, obj, **kwargs)


class LetterInline(admin.TabularInline):
    """The request's letters, read-only, with their PDF links (for the request admin page)."""

    model = Letter
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "kind",
        "language",
        "status",
        "template_version",
        "download",
        "created_at",
        "sent_at",
    )
    ordering = ["-created_at"]

    @admin.display(description=_("template version"))
    def template_version(self, obj: Letter) -> str:
        return f"v{obj.template.version}" if obj.template is not None else "—"

    @admin.display(description=_("PDF"))
    def download(self, obj: Letter) -> str:
        if not obj.file:
            return "—"
        url = reverse("admin:requests_app_letter_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download PDF"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only here: letters are sent from their own page


class DeadlineAlertInline(admin.TabularInline):
    """The request's deadline alerts, read-only (for the request admin page)."""

    model = DeadlineAlert
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "level",
        "due_date",
        "assignee",
        "raised_at",
        "emailed_at",
        "dismissed_at",
    )
    ordering = ["-raised_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
