"""The report versions to the PPC (Art. 26(1)) in the admin: read-only pages, the PDF (after the
permission check, never a public URL), the submission form and the retry of a failed render."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.admin import ReadOnlyAdminMixin
from common.forms import add_service_errors

from . import forms
from .admin_entrustees import FORM_TEMPLATE, private_file_response
from .models import IncidentReport
from .services import reports

logger = logging.getLogger(__name__)

PDF_MISSING = _("The PDF of this report is not available.")


@admin.register(IncidentReport)
class IncidentReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/incidents_app/incidentreport/change_form.html"
    list_display = ["incident", "version", "stage", "status", "submitted_on", "receipt_number"]
    list_filter = ["stage", "status"]
    list_select_related = ["incident"]
    search_fields = ["incident__reference", "receipt_number"]
    fields = readonly_fields = (
        "incident",
        "version",
        "stage",
        "overview",
        "personal_data",
        "people_count",
        "cause",
        "secondary_damage",
        "notice_to_people",
        "public_announcement",
        "recurrence_prevention",
        "other",
        "created_by",
        "created_at",
        "status",
        "pdf_link",
        "page_count",
        "error",
        "submitted_on",
        "authority",
        "authority_name",
        "channel",
        "receipt_number",
        "submitted_by",
    )

    def get_actions(self, request):
        return {}

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: IncidentReport) -> str:
        if not obj.file:
            return "—"
        url = reverse("admin:incidents_app_incidentreport_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download PDF"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        may_report = request.user.has_perm("incidents_app.report_incident")
        extra_context["can_submit"] = bool(
            obj and may_report and obj.submitted_on is None and obj.status == "generated"
        )
        extra_context["can_retry"] = bool(obj and may_report and obj.status == "failed")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/download/",
                wrap(self.download_view),
                name="incidents_app_incidentreport_download",
            ),
            path(
                "<path:object_id>/submit/",
                wrap(self.submit_view),
                name="incidents_app_incidentreport_submit",
            ),
            path(
                "<path:object_id>/retry/",
                wrap(require_POST(self.retry_view)),
                name="incidents_app_incidentreport_retry",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        if not request.user.has_perm("incidents_app.view_incidentreport"):
            raise PermissionDenied
        report = get_object_or_404(IncidentReport.objects.select_related("incident"), pk=object_id)
        if not report.file:
            raise Http404(PDF_MISSING)
        logger.info("incident report %s downloaded by user %s", report.pk, request.user.pk)
        return private_file_response(
            report.file,
            filename=f"{report.incident.reference}-v{report.version}.pdf",
            content_type="application/pdf",
            missing=PDF_MISSING,
        )

    def submit_view(self, request, object_id):
        report = get_object_or_404(IncidentReport.objects.select_related("incident"), pk=object_id)
        if not request.user.has_perm("incidents_app.report_incident"):
            raise PermissionDenied
        change_url = reverse("admin:incidents_app_incidentreport_change", args=[report.pk])
        form = forms.ReportSubmitForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reports.incident_report_submit(
                    report=report, by=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, gettext("Submission recorded."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": report.incident,
            "title": f"{report}: {gettext('Record the submission')}",
            "form": form,
            "submit_label": gettext("Record the submission"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, FORM_TEMPLATE, context)

    def retry_view(self, request, object_id):
        report = get_object_or_404(IncidentReport, pk=object_id)
        if not request.user.has_perm("incidents_app.report_incident"):
            raise PermissionDenied
        reports.incident_report_retry(report=report, by=request.user)
        return HttpResponseRedirect(
            reverse("admin:incidents_app_incidentreport_change", args=[report.pk])
        )
