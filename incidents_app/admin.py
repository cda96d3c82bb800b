"""The incident register in the admin: thin pages over the services.

The incident page shows the clocks, the people affected by category, the report versions, the
notices' progress and the requests citing it; each step is a small form on its own URL
(`<id>/step/<name>/`), whose POST calls one service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.admin import ReadOnlyAdminMixin
from common.forms import add_service_errors
from common.paginators import EstimatedCountPaginator

from . import admin_reports, forms, selectors  # noqa: F401  (importing admin_reports registers it)
from .admin_entrustees import FORM_TEMPLATE
from .alerts import incident_alert_dismiss
from .models import AffectedPerson, Incident, IncidentAlert, IncidentClockRule, IncidentReport
from .services import affected, incidents, notices, reports

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One step on the incident page: who may take it, its form and the service it calls."""

    label: Any
    permission: str
    form: type[django_forms.Form]
    run: Callable[..., Any]
    done: Callable[[Any], str] = lambda result: gettext("Done.")
    multipart: bool = False
    initial: Callable[[Incident], dict] = lambda incident: {}


def _scope_done(result) -> str:
    message = gettext("%(added)s people added; %(total)s affected in all.") % {
        "added": f"{result.added:,}",
        "total": f"{result.total:,}",
    }
    if result.unknown:
        message += " " + gettext(
            "%(unknown)s numbers are not our customers and were not added."
        ) % {"unknown": f"{result.unknown:,}"}
    return message


STEPS: dict[str, Step] = {
    "classify": Step(
        _("Classify (four eyes)"),
        "incidents_app.classify_incident",
        forms.ClassifyForm,
        lambda incident, by, **kw: incidents.incident_classify(incident=incident, by=by, **kw),
    ),
    "scope_provisions": Step(
        _("Add people from provision records"),
        "incidents_app.change_incident",
        forms.ScopeProvisionsForm,
        lambda incident, by, **kw: affected.affected_add_from_provisions(
            incident=incident, by=by, **kw
        ),
        done=_scope_done,
    ),
    "scope_entrustee": Step(
        _("Add people from an entrustee's scope"),
        "incidents_app.change_incident",
        forms.ScopeEntrusteeForm,
        lambda incident, by, **kw: affected.affected_add_from_entrustee(
            incident=incident, by=by, **kw
        ),
        done=_scope_done,
        initial=lambda incident: {
            "entrustee": incident.entrustees.values_list("pk", flat=True).first()
        },
    ),
    "scope_import": Step(
        _("Add people from an import"),
        "incidents_app.change_incident",
        forms.ScopeImportForm,
        lambda incident, by, **kw: affected.affected_add_from_import(
            incident=incident, by=by, **kw
        ),
        done=_scope_done,
        multipart=True,
    ),
    "scope_query": Step(
        _("Add people from a query"),
        "incidents_app.change_incident",
        forms.ScopeQueryForm,
        lambda incident, by, **kw: affected.affected_add_from_query(incident=incident, by=by, **kw),
        done=_scope_done,
    ),
    "freeze": Step(
        _("Freeze the people affected"),
        "incidents_app.change_incident",
        forms.ConfirmForm,
        lambda incident, by, **kw: affected.affected_freeze(incident=incident, by=by),
    ),
    "draft_report": Step(
        _("Draft a report version"),
        "incidents_app.report_incident",
        forms.ReportDraftForm,
        lambda incident, by, **kw: reports.incident_report_draft(incident=incident, by=by, **kw),
        done=lambda report: (
            gettext("Report version %(version)s drafted; its PDF is being made.")
            % {"version": report.version}
        ),
        initial=lambda incident: {
            **reports.report_defaults(incident=incident),
            "stage": "final" if incident.preliminary_submitted_on else "preliminary",
        },
    ),
    "queue_notices": Step(
        _("Send a notice letter to each person"),
        "incidents_app.report_incident",
        forms.ConfirmForm,
        lambda incident, by, **kw: notices.incident_notices_queue(incident=incident, by=by),
        done=lambda count: gettext("%(count)s notice letters queued.") % {"count": f"{count:,}"},
    ),
    "public_announcement": Step(
        _("Record a public announcement"),
        "incidents_app.report_incident",
        forms.PublicAnnouncementForm,
        lambda incident, by, **kw: notices.incident_public_announcement_record(
            incident=incident, by=by, **kw
        ),
    ),
    "close": Step(
        _("Close the incident"),
        "incidents_app.report_incident",
        forms.ConfirmForm,
        lambda incident, by, **kw: incidents.incident_close(incident=incident, by=by),
    ),
}


class ReportInline(admin.TabularInline):
    model = IncidentReport
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "version",
        "stage",
        "status",
        "people_count",
        "submitted_on",
        "authority",
        "receipt_number",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # drafted through the "draft a report version" step

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = forms.IncidentForm
    change_form_template = "admin/incidents_app/incident/change_form.html"
    list_display = [
        "reference",
        "title",
        "state",
        "learned_at",
        "preliminary_due",
        "final_due",
        "affected_count",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["reference", "title"]
    date_hierarchy = "learned_at"
    filter_horizontal = ["recipients", "entrustees"]
    inlines = [ReportInline]
    readonly_fields = [
        "reference",
        "state",
        "logged_by",
        "assessed_by",
        "classified_by",
        "classified_at",
        "classification_note",
        "preliminary_due",
        "final_due",
        "preliminary_submitted_on",
        "final_submitted_on",
        "affected_count",
        "affected_frozen_at",
        "notice_method",
        "public_announcement_reason",
        "public_announcement_on",
        "notices_queued_at",
        "notices_count",
        "closed_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "state", "kind", "title", "learned_at", "occurred_on"]}),
        (
            _("What happened"),
            {"fields": ["what_happened", "systems", "data_items", "recipients", "entrustees"]},
        ),
        (
            _("Reporting triggers (PPC Rules Art. 7)"),
            {
                "fields": [
                    "high_level_encryption",
                    "encryption_reason",
                    "special_care",
                    "special_care_reason",
                    "financial_loss",
                    "financial_loss_reason",
                    "unlawful_purpose",
                    "unlawful_purpose_acquiring",
                    "unlawful_purpose_reason",
                    "over_thousand",
                    "over_thousand_reason",
                    "assessed_by",
                ]
            },
        ),
        (
            _("Decision and clocks"),
            {
                "fields": [
                    "logged_by",
                    "classified_by",
                    "classified_at",
                    "classification_note",
                    "preliminary_due",
                    "final_due",
                    "preliminary_submitted_on",
                    "final_submitted_on",
                ]
            },
        ),
        (
            _("People affected and notices"),
            {
                "fields": [
                    "affected_count",
                    "affected_frozen_at",
                    "notice_method",
                    "notices_queued_at",
                    "notices_count",
                    "public_announcement_reason",
                    "public_announcement_on",
                    "closed_at",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an incident is a record the PPC may ask for

    # --- saving through the services -----------------------------------------------------------
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in incidents.EDITABLE_FIELDS if name in data}
        if not change:
            created = incidents.incident_log(
                by=request.user,
                recipients=data.get("recipients", []),
                entrustees=data.get("entrustees", []),
                **fields,
            )
            obj.pk, obj.reference = created.pk, created.reference
            return
        changed = {name: fields[name] for name in form.changed_data if name in fields}
        incidents.incident_update(
            incident=obj,
            by=request.user,
            recipients=data.get("recipients") if "recipients" in form.changed_data else None,
            entrustees=data.get("entrustees") if "entrustees" in form.changed_data else None,
            **changed,
        )

    def save_related(self, request, form, formsets, change):
        # The services set the recipients and entrustees (no form.save_m2m); the report inline
        # is read-only, but the admin's change message reads its (empty) saved formset.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # A rule the form could not see (e.g. classified meanwhile): say so, change nothing.
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            user = request.user
            extra_context.update(
                {
                    "steps": [
                        {"name": name, "label": step.label}
                        for name, step in STEPS.items()
                        if user.has_perm(step.permission)
                    ],
                    "affected_by_category": selectors.affected_by_category(incident=obj),
                    "notice_progress": selectors.notice_progress(incident=obj),
                    "citing_requests": list(selectors.incident_citing_requests(incident=obj)[:50]),
                    "law_requires_report": obj.law_requires_report,
                    "over_thousand_hint": obj.affected_count > 1000 and not obj.over_thousand,
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the steps -----------------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<path:object_id>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="incidents_app_incident_step",
            ),
            *super().get_urls(),
        ]

    def step_view(self, request, object_id, name):
        """GET: the step's small form. POST: run the step's service."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        step = STEPS.get(name)
        if step is None or not request.user.has_perm(step.permission):
            raise PermissionDenied
        change_url = reverse("admin:incidents_app_incident_change", args=[obj.pk])
        if request.method == "POST":
            form = step.form(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = step.run(obj, request.user, **form.service_kwargs())
                except PermissionDenied as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    self.message_user(request, step.done(result), messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            form = step.form(initial=step.initial(obj))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"{obj.reference}: {step.label}",
            "form": form,
            "submit_label": step.label,
            "multipart": step.multipart,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, FORM_TEMPLATE, context)


@admin.register(AffectedPerson)
class AffectedPersonAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["incident", "customer", "category", "added_at"]
    list_filter = ["category"]
    list_select_related = ["incident", "customer"]
    search_fields = ["incident__reference", "=customer__number"]
    # A snapshot may hold a million rows: estimate the unfiltered count, never COUNT(*) it.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ["incident", "customer"]

    def get_actions(self, request):
        return {}


@admin.register(IncidentAlert)
class IncidentAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["incident", "check_sheet", "clock", "level", "due_date", "raised_at"]
    list_filter = ["clock", "level"]
    list_select_related = ["incident", "check_sheet"]

    def get_actions(self, request):
        return {}

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dismiss/",
                self.admin_site.admin_view(require_POST(self.dismiss_view)),
                name="incidents_app_incidentalert_dismiss",
            ),
            *super().get_urls(),
        ]

    def dismiss_view(self, request, object_id):
        alert = get_object_or_404(IncidentAlert, pk=object_id)
        try:
            incident_alert_dismiss(alert=alert, by=request.user)
        except PermissionDenied:
            raise
        except ValueError as exc:
            self.message_user(request, str(exc), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:index"))


@admin.register(IncidentClockRule)
class IncidentClockRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "preliminary_days", "preliminary_day_kind", "final_days"]

    def has_add_permission(self, request) -> bool:
        return False  # one rule, seeded by the migration

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
