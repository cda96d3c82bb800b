"""Admin-site views: the compliance dashboard (the CSV reports are in views_reports).

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
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from common.dates import start_of_day
from consent_app.models import Channel, ConsentState
from requests_app.due import DUE_SOON_DAYS
from requests_app.models import RequestState, RequestType

from . import dashboard as selectors
from .dashboard_lawful import SUMMARY_KEY as LAWFUL_KEY
from .dashboard_lawful import lawful_panels
from .ledgers.verify import ledger_digest_latest

logger = logging.getLogger(__name__)

PERIOD_UNKNOWN = _("Unknown period: showing the last 30 days.")
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


@dataclass
class Figure:
    label: str | Promise
    count: int
    url: str | None
    tone: str = ""
    note: str = ""


# --- dashboard ----------------------------------------------------------------------------------
def _cases_note(cases: int | None) -> str:
    """Under a count of rights (requests): how many cases (受付案件) they belong to."""
    if cases is None:
        return ""
    return ngettext("in %(cases)s case", "in %(cases)s cases", cases) % {"cases": cases}


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
        note=_cases_note(data.requests.get("open_cases")),
    )
    due_figures = [
        Figure(
            _("Due within %(days)s days") % {"days": DUE_SOON_DAYS},
            data.requests["due_soon"],
            changelist_url("requests_app.disclosurerequest", due="soon"),
            "warning" if data.requests["due_soon"] else "",
        ),
        Figure(
            _("Overdue"),
            data.requests["overdue"],
            changelist_url("requests_app.disclosurerequest", due="overdue"),
            "danger" if data.requests["overdue"] else "ok",
            note=_cases_note(data.requests.get("overdue_cases")),
        ),
    ]
    performance = data.performance
    answered_url = changelist_url(
        "requests_app.disclosurerequest",
        responded_at__gte=_iso(start_of_day(performance.start)),
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
        "lawful": lawful_panels(data.summary.data.get(LAWFUL_KEY)),
        "incident_figures": _incident_figures(data.incidents, today=today),
        "can_export": request.user.has_perm("privacyoffice.export_reports"),
        # The chain heads auditors keep a copy of (privacyoffice.ledgers, issue 20).
        "ledger_digest": ledger_digest_latest(),
    }
    return TemplateResponse(request, "admin/privacyoffice/dashboard.html", context)


def _incident_figures(figures, *, today) -> list[Figure]:
    """Leak incidents and entrustee supervision, each linked to the list it counts."""
    if figures is None:
        return []
    owed = "logged,classified_reportable"
    running = "logged,classified_reportable,preliminary_reported"
    day = today.isoformat()
    return [
        Figure(
            _("Open incidents"),
            figures.open_incidents,
            changelist_url(
                "incidents_app.incident",
                state__in=f"{running},final_reported,classified_not_reportable",
            ),
        ),
        Figure(
            _("Incidents not yet classified"),
            figures.unclassified,
            changelist_url("incidents_app.incident", state__exact="logged"),
            "warning" if figures.unclassified else "ok",
        ),
        Figure(
            _("Preliminary reports overdue"),
            figures.preliminary_overdue,
            changelist_url(
                "incidents_app.incident",
                state__in=owed,
                preliminary_submitted_on__isnull="True",
                preliminary_due__lt=day,
            ),
            "danger" if figures.preliminary_overdue else "ok",
        ),
        Figure(
            _("Final reports overdue"),
            figures.final_overdue,
            changelist_url("incidents_app.incident", state__in=running, final_due__lt=day),
            "danger" if figures.final_overdue else "ok",
        ),
        Figure(
            _("Entrustee check-sheets overdue"),
            figures.checks_overdue,
            changelist_url(
                "incidents_app.supervisioncheck", state__in="open,answered", due_on__lt=day
            ),
            "danger" if figures.checks_overdue else "ok",
        ),
        Figure(
            _("Entrustees with no check-sheet scheduled"),
            figures.entrustees_unscheduled,
            changelist_url("incidents_app.entrustee", active__exact="1"),
            "warning" if figures.entrustees_unscheduled else "ok",
        ),
    ]


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
        y: float = top + plot_h
        month_params = {
            "received_at__gte": _iso(start_of_day(month.start)),
            "received_at__lt": _iso(start_of_day(month.end)),
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
