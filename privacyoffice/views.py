"""Admin-site views: the compliance dashboard and the CSV reports.

Thin: permission check, read the form, call a selector or a service, render. Every view is
wrapped by `site.admin_view` (staff login, 2FA) in urls_admin; the role check is here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consent_app.models import Channel, ConsentState
from requests_app.models import RequestState, RequestType

from . import dashboard as selectors
from .models import ExportLog
from .reports.definitions import REPORTS
from .reports.forms import ExportForm
from .reports.services import export_start, export_stream

logger = logging.getLogger(__name__)

PERIOD_UNKNOWN = _("Unknown period: showing the last 30 days.")
EXPORT_QUEUED = _(
    "About %(rows)s rows: the export runs in the background. This page shows its progress."
)
EXPORT_NOT_YOURS = _("Only the person who ran an export may download its file.")
EXPORT_NOT_READY = _("This export has no file to download (still running, failed or purged).")

CONTENT_TYPES = {
    ExportLog.Encoding.UTF8: "text/csv; charset=utf-8",
    ExportLog.Encoding.UTF8_BOM: "text/csv; charset=utf-8",
    # Windows-31J is the registered name of CP932.
    ExportLog.Encoding.CP932: "text/csv; charset=windows-31j",
}
# Okabe–Ito: told apart with every common colour-vision deficiency.
TYPE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def changelist_url(app_model: str, **params) -> str | None:
    """The admin list of a model, filtered; None when that admin is not registered."""
    try:
        url = reverse(f"admin:{app_model.replace('.', '_')}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(params)}" if params else url


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@dataclass
class Figure:
    label: str
    count: int
    url: str | None
    tone: str = ""


# --- dashboard ----------------------------------------------------------------------------------
@permission_required("privacyoffice.view_dashboard", raise_exception=True)
def dashboard(request):
    period = request.GET.get("period", str(selectors.DEFAULT_PERIOD))
    try:
        period_days = int(period)
        if period_days not in selectors.PERIODS:
            raise ValueError(period)
    except ValueError:
        messages.warning(request, PERIOD_UNKNOWN)
        period_days = selectors.DEFAULT_PERIOD
    data = selectors.dashboard_get(period_days=period_days)
    today = data.today

    state_labels = dict(RequestState.choices)
    requests_figures = [
        Figure(
            state_labels[state],
            data.requests[state],
            changelist_url("requests_app.disclosurerequest", state__exact=state),
        )
        for state in selectors.OPEN_STATES
    ]
    open_figure = Figure(
        _("Open requests"),
        data.requests["open"],
        changelist_url("requests_app.disclosurerequest", state__in=",".join(selectors.OPEN_STATES)),
    )
    due_figures = [
        Figure(
            _("Due within %(days)s days") % {"days": selectors.DUE_SOON_DAYS},
            data.requests["due_soon"],
            changelist_url("requests_app.disclosurerequest", due="soon"),
            "warning" if data.requests["due_soon"] else "",
        ),
        Figure(
            _("Overdue"),
            data.requests["overdue"],
            changelist_url("requests_app.disclosurerequest", due="overdue"),
            "danger" if data.requests["overdue"] else "ok",
        ),
    ]
    performance = data.performance
    answered_url = changelist_url(
        "requests_app.disclosurerequest",
        responded_at__gte=_iso(_start_of(performance.start)),
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Compliance dashboard"),
        "data": data,
        "today": today,
        "periods": [
            {"days": d, "selected": d == period_days, "url": f"?{urlencode({'period': d})}"}
            for d in selectors.PERIODS
        ],
        "period_days": period_days,
        "open_figure": open_figure,
        "requests_figures": requests_figures,
        "due_figures": due_figures,
        "performance": performance,
        "on_time_percent": _percent(performance.on_time_rate),
        "answered_url": answered_url,
        "chart": _monthly_chart(data.months),
        "consent_rows": _consent_rows(data.summary.data.get("consent_rates", [])),
        "suppressions": _suppression_figures(data.summary.data.get("suppressions", {})),
        # Never "-1 min ago": a summary recomputed for this page is a moment newer than `now`.
        "summary_age_minutes": max(
            0, int((data.now - data.summary.computed_at).total_seconds() // 60)
        ),
        "agreements": [
            {**a, "url": _change_url("consent_app.recipient", a["pk"])} for a in data.agreements
        ],
        "agreements_url": changelist_url(
            "consent_app.recipient",
            active__exact="1",
            agreement_end__gte=today.isoformat(),
            agreement_end__lte=(
                today + timedelta(days=selectors.AGREEMENT_WARNING_DAYS)
            ).isoformat(),
        ),
        "agreement_days": selectors.AGREEMENT_WARNING_DAYS,
        "documents_figure": Figure(
            _("Identity documents awaiting purge"),
            data.documents_awaiting_purge,
            changelist_url("requests_app.identitydocument", purge="due"),
            "warning" if data.documents_awaiting_purge else "ok",
        ),
        "purge_days": settings.IDENTITY_DOCUMENT_PURGE_DAYS,
        "can_export": request.user.has_perm("privacyoffice.export_reports"),
    }
    return TemplateResponse(request, "admin/privacyoffice/dashboard.html", context)


def _percent(rate: float | None) -> str | None:
    return None if rate is None else f"{rate * 100:.1f}"


def _change_url(app_model: str, pk: int) -> str | None:
    try:
        return reverse(f"admin:{app_model.replace('.', '_')}_change", args=[pk])
    except NoReverseMatch:
        return None


def _consent_rows(rates: list[dict]) -> list[dict]:
    english = (get_language() or "ja").startswith("en")
    channels = dict(Channel.choices)
    rows = []
    for rate in rates:
        # Summaries computed before suppressions were counted have no "suppressed".
        suppressed = rate.get("suppressed", 0)
        total = rate["granted"] + suppressed + rate["withdrawn"]
        base = {"purpose__id__exact": rate["purpose_id"], "channel__exact": rate["channel"]}
        rows.append(
            {
                "purpose": rate["title_en"] if english else rate["title_ja"],
                "channel": channels.get(rate["channel"], rate["channel"]),
                "granted": rate["granted"],
                "suppressed": suppressed,
                "withdrawn": rate["withdrawn"],
                "total": total,
                "percent": _percent(rate["granted"] / total) if total else None,
                "percent_width": round(rate["granted"] * 100 / total) if total else 0,
                "granted_url": changelist_url(
                    "consent_app.consentflag", **base, state__exact=ConsentState.GRANTED
                ),
                "withdrawn_url": changelist_url(
                    "consent_app.consentflag", **base, state__exact=ConsentState.WITHDRAWN
                ),
                "total_url": changelist_url("consent_app.consentflag", **base),
            }
        )
    return rows


def _suppression_figures(counts: dict) -> list[Figure]:
    in_force = {"lifted_at__isnull": "True"}
    return [
        Figure(
            _("Suppressions in force"),
            counts.get("total", 0),
            changelist_url("consent_app.provisionsuppression", **in_force),
        ),
        Figure(
            _("for all recipients"),
            counts.get("all_recipients", 0),
            changelist_url(
                "consent_app.provisionsuppression", **in_force, recipient__isnull="True"
            ),
        ),
        Figure(
            _("for one recipient"),
            counts.get("one_recipient", 0),
            changelist_url(
                "consent_app.provisionsuppression", **in_force, recipient__isnull="False"
            ),
        ),
    ]


def _nice_step(value: float) -> int:
    """The smallest of 1, 2, 5 × 10^n at or above value: a round step for the y axis."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def _monthly_chart(months: list[selectors.MonthRow]) -> dict:
    """Geometry of the stacked bar chart, drawn as SVG by the template (no script needed)."""
    width, height = 760, 260
    left, right, top, bottom = 44, 12, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([m.total for m in months] + [1])
    step = _nice_step(highest / 5)
    tick_count = -(
        -highest // step
    )  # ceiling division: the top tick is at or above the tallest bar
    top_value = step * tick_count
    slot = plot_w / len(months)
    bar_w = slot * 0.62
    type_labels = dict(RequestType.choices)
    types = list(RequestType.values)
    colours = dict(zip(types, TYPE_COLOURS, strict=False))
    bars, columns = [], []
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        month_params = {
            "received_at__gte": _iso(_start_of(month.start)),
            "received_at__lt": _iso(_start_of(month.end)),
        }
        segments, cells = [], []
        for request_type in types:
            count = month.counts.get(request_type, 0)
            url = changelist_url(
                "requests_app.disclosurerequest", **month_params, request_type__exact=request_type
            )
            cells.append({"count": count, "url": url})
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            segments.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "colour": colours[request_type],
                    "count": count,
                    "label": type_labels[request_type],
                    "url": url,
                }
            )
        bars.append(
            {
                "segments": segments,
                "label_x": round(x + bar_w / 2, 1),
                "label": f"{month.start:%Y-%m}",
                "short_label": f"{month.start.month}",
                "total": month.total,
                "total_y": round(y - 4, 1),
            }
        )
        columns.append(
            {
                "label": f"{month.start:%Y-%m}",
                "cells": cells,
                "total": month.total,
                "url": changelist_url("requests_app.disclosurerequest", **month_params),
            }
        )
    # One tick per step up to the top value (the bars are scaled to it), so each label sits at
    # the height it names.
    ticks = [
        {"value": step * k, "y": round(top + plot_h - plot_h * k / tick_count, 1)}
        for k in range(tick_count + 1)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "base_y": top + plot_h,
        "label_y": top + plot_h + 16,
        "year_y": top + plot_h + 30,
        "ticks": ticks,
        "bars": bars,
        "columns": columns,
        "legend": [{"label": type_labels[t], "colour": colours[t]} for t in types],
        "type_labels": [type_labels[t] for t in types],
        "empty": not any(m.total for m in months),
    }


# --- reports ------------------------------------------------------------------------------------
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
        ],
        "recent": [{"export": e, "title": _report_title(e.report)} for e in recent],
    }
    return TemplateResponse(request, "admin/privacyoffice/reports_index.html", context)


def _report_title(slug: str):
    report = REPORTS.get(slug)
    return report.title if report else slug


@permission_required("privacyoffice.export_reports", raise_exception=True)
def report_export(request, slug: str):
    report = REPORTS.get(slug)
    if report is None:
        raise Http404(_("There is no such report."))
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = export_start(
                user=request.user,
                report_slug=slug,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                encoding=form.cleaned_data["encoding"],
                header=form.cleaned_data["header"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if export.is_background:
                messages.info(request, EXPORT_QUEUED % {"rows": export.estimated_rows})
                return redirect("admin:privacyoffice_export", pk=export.pk)
            response = StreamingHttpResponse(
                export_stream(export=export), content_type=CONTENT_TYPES[export.encoding]
            )
            _attachment_headers(response, export)
            return response
    context = {
        **admin.site.each_context(request),
        "title": report.title,
        "report": report,
        "form": form,
        "threshold": settings.EXPORT_ASYNC_THRESHOLD,
    }
    return TemplateResponse(request, "admin/privacyoffice/report_export.html", context)


def _filename(export: ExportLog) -> str:
    date_from = export.filters.get("date_from") or "start"
    date_to = export.filters.get("date_to") or "now"
    return f"{export.report}_{date_from}_{date_to}.csv"


def _attachment_headers(response: HttpResponse, export: ExportLog) -> None:
    response["Content-Disposition"] = f'attachment; filename="{_filename(export)}"'
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"


def _export_or_404(request, pk: int) -> ExportLog:
    return get_object_or_404(ExportLog.objects.select_related("exported_by"), pk=pk)


@permission_required("privacyoffice.export_reports", raise_exception=True)
def export_status(request, pk: int):
    export = _export_or_404(request, pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Export #%(id)s") % {"id": export.pk},
        "export": export,
        "report_title": _report_title(export.report),
        "is_mine": export.exported_by_id == request.user.pk,
        "refresh": export.status == ExportLog.Status.RUNNING,
    }
    return TemplateResponse(request, "admin/privacyoffice/export_status.html", context)


@permission_required("privacyoffice.export_reports", raise_exception=True)
def export_download(request, pk: int):
    export = _export_or_404(request, pk)
    # A file holds personal data: only its exporter fetches it (the log names who that was).
    if export.exported_by_id != request.user.pk:
        raise PermissionDenied(EXPORT_NOT_YOURS)
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
