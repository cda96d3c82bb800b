"""Admin for deadline alerts: the list (refreshed on read), the scan run on demand, dismissals."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .letters import alerts as alert_services
from .letters import services as letter_services
from .letters.tasks import deadline_alerts_scan_task
from .models import DeadlineAlert

SCAN_QUEUED = _("The deadline scan was queued; alerts appear within a minute.")
SCAN_RAN = _(
    "The task queue is unreachable, so the deadline scan ran here: %(raised)s new alerts, "
    "%(emailed)s e-mails sent."
)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# The list's columns, and (with the managers' digest day) the alert page's read-only fields.
ALERT_COLUMNS = (
    "request_link",
    "level",
    "due_date",
    "assignee",
    "raised_at",
    "emailed_at",
    "dismissed_at",
)


# --- deadline alerts ---------------------------------------------------------------------------
@admin.register(DeadlineAlert)
class DeadlineAlertAdmin(admin.ModelAdmin):
    change_list_template = "admin/requests_app/deadlinealert/change_list.html"
    list_display = ALERT_COLUMNS
    list_filter = ["level", ("dismissed_at", admin.EmptyFieldListFilter), "due_date"]
    list_select_related = ["request", "assignee"]
    search_fields = ["request__reference"]
    date_hierarchy = "raised_at"
    fields = readonly_fields = (*ALERT_COLUMNS, "managers_notified_on")

    @admin.display(description=_("request"), ordering="request__reference")
    def request_link(self, obj: DeadlineAlert) -> str:
        url = reverse("admin:requests_app_disclosurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    def has_add_permission(self, request) -> bool:
        return False  # alerts are raised by the scan

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Refreshed on read: the rows due by today's levels are raised before the list is
        # shown, so it never lags the dashboard's live overdue count until the hourly scan.
        # Raising, not computing a list on the fly, because the rows carry what a computed list
        # could not: dismissals and the e-mails' exactly-once bookkeeping (the scan still sends
        # the e-mails). Idempotent (the unique constraint), one indexed query when nothing is
        # missing.
        alert_services.deadline_alerts_raise()
        extra_context = extra_context or {}
        extra_context["can_run_scan"] = self.has_change_permission(request)
        return super().changelist_view(request, extra_context)

    def scan_view(self, request):
        """Run the deadline scan now: queued for a worker, or here if the broker is down."""
        if not self.has_change_permission(request):
            raise PermissionDenied

        try:
            deadline_alerts_scan_task.delay()
        except letter_services.BROKER_ERRORS:
            # The scan is idempotent and cheap: running it in this request is safe.
            result = alert_services.deadline_alerts_scan()
            self.message_user(
                request,
                SCAN_RAN % {"raised": result.raised, "emailed": result.emailed},
                messages.WARNING,
            )
        else:
            self.message_user(request, SCAN_QUEUED, messages.SUCCESS)
        return HttpResponseRedirect(
            _safe_next(request, reverse("admin:requests_app_deadlinealert_changelist"))
        )

    def dismiss_view(self, request, object_id):
        alert = get_object_or_404(DeadlineAlert, pk=object_id)
        if not self.has_change_permission(request, alert):
            raise PermissionDenied
        try:
            alert_services.deadline_alert_dismiss(alert=alert, by=request.user)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValueError as exc:
            self.message_user(request, str(exc), messages.WARNING)
        return HttpResponseRedirect(_safe_next(request, reverse("admin:index")))

    def get_urls(self):
        site = self.admin_site
        urls = [
            path(
                "scan/",
                site.admin_view(require_POST(self.scan_view)),
                name="requests_app_deadlinealert_scan",
            ),
            path(
                "<int:object_id>/dismiss/",
                site.admin_view(require_POST(self.dismiss_view)),
                name="requests_app_deadlinealert_dismiss",
            ),
        ]
        return urls + super().get_urls()
