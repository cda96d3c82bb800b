"""Admin of the project package: the export log, read-only (it is the auditors' own trail)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent_app.admin import ReadOnlyAdminMixin

from . import admin_hardening  # noqa: F401  (third-party admin pages made safe)
from .ledgers.verify import ledger_digest_latest
from .models import ExportLog


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "report",
        "date_range",
        "exported_by",
        "status",
        "row_count",
        "is_background",
        "progress",
    ]
    list_filter = ["report", "status", "is_background", "encoding"]
    list_select_related = ["exported_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        # Above the log: the latest digest of the chain heads (issue 20), for auditors to keep.
        extra_context = {**(extra_context or {}), "ledger_digest": ledger_digest_latest()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("date range"))
    def date_range(self, obj: ExportLog) -> str:
        return f"{obj.filters.get('date_from') or '…'} – {obj.filters.get('date_to') or '…'}"

    @admin.display(description=_("progress and file"))
    def progress(self, obj: ExportLog) -> str:
        url = reverse("admin:privacyoffice_export", args=[obj.pk])
        percent = obj.progress_percent
        label = f"{percent}%" if percent is not None else _("details")
        return format_html('<a href="{}">{}</a>', url, label)
