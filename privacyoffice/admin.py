"""Admin of the project package: the export log, read-only (it is the auditors' own trail)."""

import datetime

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin

# Imported for their registrations: third-party admin pages made safe, and in Japanese.
from . import admin_hardening, admin_third_party  # noqa: F401
from .ledgers.verify import ledger_digest_latest
from .models import ExportLog
from .reports.definitions import REPORTS


def _report_title(slug: str) -> str:
    """The report's title (同意台帳), not its stable slug (consent-ledger), on screen."""
    report = REPORTS.get(slug)
    return str(report.title) if report else slug


def _saved_day(value: str | None) -> str:
    """A saved filter's day (stored ISO) as the UI writes dates (2026年12月16日)."""
    if not value:
        return "…"
    try:
        return date_format(datetime.date.fromisoformat(value))
    except ValueError:
        return value


class ReportFilter(admin.SimpleListFilter):
    title = _("report")
    parameter_name = "report"

    def lookups(self, request, model_admin):
        return [(slug, report.title) for slug, report in REPORTS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(report=self.value()) if self.value() else queryset


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "report_title",
        "date_range",
        "exported_by",
        "status",
        "row_count",
        "is_background",
        "progress",
    ]
    list_filter = [ReportFilter, "status", "is_background", "encoding"]
    list_select_related = ["exported_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        # Above the log: the latest digest of the chain heads (issue 20), for auditors to keep.
        extra_context = {**(extra_context or {}), "ledger_digest": ledger_digest_latest()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("report"), ordering="report")
    def report_title(self, obj: ExportLog) -> str:
        return _report_title(obj.report)

    @admin.display(description=_("date range"))
    def date_range(self, obj: ExportLog) -> str:
        filters = obj.filters
        return f"{_saved_day(filters.get('date_from'))} – {_saved_day(filters.get('date_to'))}"

    @admin.display(description=_("progress and file"))
    def progress(self, obj: ExportLog) -> str:
        url = reverse("admin:privacyoffice_export", args=[obj.pk])
        percent = obj.progress_percent
        label = f"{percent}%" if percent is not None else _("details")
        return format_html('<a href="{}">{}</a>', url, label)
