"""Admin-site views of the CSV reports and marketing lists: the form, the job's status page,
its download and retry.

Thin: permission check, read the form, call a service, render. Every view is wrapped by
`site.admin_view` (staff login, 2FA) in urls_admin; the role check is here. An export's status
page, file and retry belong to the person who ran it: its page says who exported what.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from consent_app.models import Channel, PurposeOfUse

from .models import ExportLog
from .reports.definitions import REPORTS
from .reports.forms import ExportForm, ExportOptionsForm
from .reports.marketing import MARKETING_LIST
from .reports.services import (
    export_filename,
    export_retry,
    export_start,
    export_stream,
)

logger = logging.getLogger(__name__)

EXPORT_QUEUED = _(
    "About %(rows)s rows: the export runs in the background. This page shows its progress."
)
EXPORT_NOT_YOURS = _("Only the person who ran an export may open it, download or retry it.")
EXPORT_NOT_READY = _("This export has no file to download (still running, failed or purged).")
EXPORT_RETRIED = _("The export runs again as export #%(id)s.")

CONTENT_TYPES = {
    ExportLog.Encoding.UTF8: "text/csv; charset=utf-8",
    ExportLog.Encoding.UTF8_BOM: "text/csv; charset=utf-8",
    # Windows-31J is the registered name of CP932.
    ExportLog.Encoding.CP932: "text/csv; charset=windows-31j",
}


@permission_required("privacyoffice.export_reports", raise_exception=True)
def reports_index(request):
    recent = (
        ExportLog.objects.filter(exported_by=request.user)
        .order_by("-created_at")
        .only("pk", "report", "filters", "status", "row_count", "created_at", "is_background")[:10]
    )
    context = {
        **admin.site.each_context(request),
        "title": _("CSV reports"),
        "reports": [
            {"report": r, "url": reverse("admin:privacyoffice_report", args=[r.slug])}
            for r in REPORTS.values()
            if r.listed
        ],
        "recent": [{"export": e, "title": _report_title(e.report)} for e in recent],
    }
    return TemplateResponse(request, "admin/privacyoffice/reports_index.html", context)


def _report_title(slug: str):
    report = REPORTS.get(slug)
    return report.title if report else slug


def _start_and_respond(request, form, *, slug: str, params=None):
    """POST of an export form: stream the file now, or show the background job's page."""
    try:
        export = export_start(
            user=request.user,
            report_slug=slug,
            date_from=form.cleaned_data.get("date_from"),
            date_to=form.cleaned_data.get("date_to"),
            params=params,
            encoding=form.cleaned_data["encoding"],
            header=form.cleaned_data["header"],
            values=form.cleaned_data["values"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    if export.is_background:
        messages.info(request, EXPORT_QUEUED % {"rows": export.estimated_rows})
        return redirect("admin:privacyoffice_export", pk=export.pk)
    response = StreamingHttpResponse(
        export_stream(export=export), content_type=CONTENT_TYPES[export.encoding]
    )
    _attachment_headers(response, export)
    return response


@permission_required("privacyoffice.export_reports", raise_exception=True)
def report_export(request, slug: str):
    report = REPORTS.get(slug)
    if report is None or not report.listed:
        raise Http404(_("There is no such report."))
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _start_and_respond(request, form, slug=slug)
        if response is not None:
            return response
    context = {
        **admin.site.each_context(request),
        "title": report.title,
        "report": report,
        "columns": report.columns,
        "form": form,
        "threshold": settings.EXPORT_ASYNC_THRESHOLD,
    }
    return TemplateResponse(request, "admin/privacyoffice/report_export.html", context)


@permission_required("consent_app.export_marketing_list", raise_exception=True)
def marketing_list_export(request, purpose_id: int, channel: str):
    """The customers a campaign may reach over `channel`: through the export service, logged."""
    purpose = get_object_or_404(PurposeOfUse, pk=purpose_id)
    if channel not in (purpose.channels or []) or purpose.is_third_party_provision:
        raise Http404(_("This purpose is not used over that channel."))
    params = {"purpose_id": purpose.pk, "channel": channel}
    form = ExportOptionsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _start_and_respond(request, form, slug=MARKETING_LIST.slug, params=params)
        if response is not None:
            return response
    title = _("Marketing list: %(purpose)s, %(channel)s") % {
        "purpose": purpose.code,
        "channel": Channel(channel).label,
    }
    context = {
        **admin.site.each_context(request),
        "title": title,
        "report": MARKETING_LIST,
        "columns": MARKETING_LIST.columns_of(params),
        "form": form,
        "threshold": settings.EXPORT_ASYNC_THRESHOLD,
    }
    return TemplateResponse(request, "admin/privacyoffice/report_export.html", context)


def _attachment_headers(response: HttpResponse, export: ExportLog) -> None:
    response["Content-Disposition"] = f'attachment; filename="{export_filename(export)}"'
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"


def _own_export_or_404(request, pk: int) -> ExportLog:
    """The export, if the person asking ran it: its page names who exported what, its file
    holds personal data."""
    export = get_object_or_404(ExportLog.objects.select_related("exported_by"), pk=pk)
    if export.exported_by_id != request.user.pk:
        logger.warning("export %s refused to user %s (not theirs)", export.pk, request.user.pk)
        raise PermissionDenied(EXPORT_NOT_YOURS)
    return export


def _can_export(user) -> bool:
    # Auditors and managers run reports; managers with the permission run marketing lists.
    return user.has_perm("privacyoffice.export_reports") or user.has_perm(
        "consent_app.export_marketing_list"
    )


def _export_view(view):
    def wrapped(request, *args, **kwargs):
        if not _can_export(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_export_view
def export_status(request, pk: int):
    export = _own_export_or_404(request, pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Export #%(id)s") % {"id": export.pk},
        "export": export,
        "report_title": _report_title(export.report),
        "filename": export_filename(export),
        "refresh": export.status == ExportLog.Status.RUNNING,
        "can_retry": export.status in (ExportLog.Status.FAILED, ExportLog.Status.INTERRUPTED),
    }
    return TemplateResponse(request, "admin/privacyoffice/export_status.html", context)


@_export_view
def export_download(request, pk: int):
    export = _own_export_or_404(request, pk)
    if export.status != ExportLog.Status.DONE or not export.file:
        messages.error(request, EXPORT_NOT_READY)
        return redirect("admin:privacyoffice_export", pk=export.pk)
    logger.info("export %s downloaded by user %s", export.pk, request.user.pk)
    response = FileResponse(
        default_storage.open(export.file.name, "rb"),
        content_type=CONTENT_TYPES[export.encoding],
    )
    _attachment_headers(response, export)
    return response


@_export_view
@require_POST
def export_retry_view(request, pk: int):
    export = _own_export_or_404(request, pk)
    try:
        again = export_retry(export=export, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("admin:privacyoffice_export", pk=export.pk)
    if not again.is_background:
        # Small enough to stream now: its status page offers nothing to download, so stream.
        response = StreamingHttpResponse(
            export_stream(export=again), content_type=CONTENT_TYPES[again.encoding]
        )
        _attachment_headers(response, again)
        return response
    messages.info(request, EXPORT_RETRIED % {"id": again.pk})
    return redirect("admin:privacyoffice_export", pk=again.pk)
