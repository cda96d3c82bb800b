"""The staff screens for privacy requests (thin: forms collect, services decide).

The request list opens on "my open requests" for staff; filters by queue, state, type, assignee
and due status (`?due=overdue`, `?due=soon`, `?due=lapsable`, the names the dashboard links
to); constant query counts (list_select_related). The request page shows the transition buttons
the user may take (and why others are blocked), the identity documents, the corrections, and one
timeline of transitions, letters, document viewings, extensions and comments, newest first.
Append-only records (the transition log, document viewings) can be neither changed nor deleted.

This module holds the request page (the change form); the admin is assembled from mixins: the
list (admin_request_list.py, its filters in admin_filters.py), the custom pages
(admin_request_views.py), the bulk actions (admin_request_actions.py) and the draft letter
(admin_drafts.py). The inlines are in admin_inlines.py, the records beside the requests in
admin_records.py.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import forms, selectors, services, summary
from .admin_cases import CaseColumnsMixin
from .admin_drafts import LetterDraftAdminMixin
from .admin_inlines import (
    CorrectionItemInline,
    DeadlineAlertInline,
    IdentityDocumentInline,
    LetterInline,
)
from .admin_request_actions import RequestBulkActionsMixin
from .admin_request_list import RequestListAdminMixin, _short_type_label
from .admin_request_views import RequestViewsAdminMixin
from .cases import case_rights
from .models import OPEN_STATES, DisclosureRequest, RequestState, RequestType
from .request_types import REQUEST_TYPES
from .selectors_workflow import request_workflow_actions

logger = logging.getLogger(__name__)


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(
    CaseColumnsMixin,
    RequestListAdminMixin,
    RequestViewsAdminMixin,
    RequestBulkActionsMixin,
    LetterDraftAdminMixin,
    admin.ModelAdmin,
):
    form = forms.RequestForm

    # Letters and deadline alerts (admin_inlines.py): read-only, on every request.
    inlines = [IdentityDocumentInline, CorrectionItemInline, LetterInline, DeadlineAlertInline]
    change_form_template = "admin/requests_app/disclosurerequest/change_form.html"
    readonly_fields = [
        "reference",
        "case_summary",
        "state",
        "customer",
        "no_data_held",
        "possible_duplicate_of",
        "form_sent_at",
        "documents_received_on",
        "due_date",
        "outcome",
        "refusal_ground",
        "outcome_explanation",
        "response_summary",
        "disclosure_method_used",
        "method_fallback_reason",
        "drafted_by",
        "approved_by",
        "responded_at",
        "closed_at",
        "electronic_copy_link",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "case_summary",
                    "request_type",
                    "state",
                    "channel",
                    "received_at",
                    "assignee",
                    "possible_duplicate_of",
                ]
            },
        ),
        (
            _("Requester (as given)"),
            {
                "fields": [
                    "requester_name",
                    "requester_name_kana",
                    "requester_date_of_birth",
                    "requester_postal_code",
                    "requester_address",
                    "requester_phone",
                    "requester_email",
                    "language",
                ]
            },
        ),
        (_("Agent"), {"fields": ["agent_type", "agent_name", "agent_address"]}),
        (
            _("What is asked"),
            {
                "fields": [
                    "disclosure_method_requested",
                    "use_measure",
                    "suspension_purpose_codes",
                    "suspension_recipient",
                    "legal_ground",
                    "incident_reference",
                    "request_grounds",
                ]
            },
        ),
        (_("Fee (Art. 38)"), {"fields": ["fee_amount", "fee_payment_method", "fee_received_on"]}),
        (
            _("Verification and deadline"),
            {
                "fields": [
                    "customer",
                    "no_data_held",
                    "form_sent_at",
                    "documents_received_on",
                    "due_date",
                ]
            },
        ),
        (
            _("Response"),
            {
                "fields": [
                    "outcome",
                    "refusal_ground",
                    "outcome_explanation",
                    "response_summary",
                    "disclosure_method_used",
                    "method_fallback_reason",
                    "electronic_copy_link",
                    "drafted_by",
                    "approved_by",
                    "responded_at",
                    "closed_at",
                ]
            },
        ),
        (_("Notes"), {"fields": ["notes"]}),
    ]

    @admin.display(description=_("case"))
    def case_summary(self, obj):
        """The case (受付案件) this right belongs to, and its other rights with their types."""
        if obj is None or obj.pk is None or obj.case_id is None:
            return "—"
        rights = case_rights(obj.case).values_list("pk", "reference", "request_type")
        parts = [
            format_html("{} {}", _short_type_label(rtype), reference)
            if pk == obj.pk
            else format_html(
                '<a href="{}">{} {}</a>',
                reverse("admin:requests_app_disclosurerequest_change", args=[pk]),
                _short_type_label(rtype),
                reference,
            )
            for pk, reference, rtype in rights
        ]
        return format_html(
            "{} ({})", obj.case.reference, format_html_join(" / ", "{}", ((p,) for p in parts))
        )

    @admin.display(description=_("electronic copy"))
    def electronic_copy_link(self, obj):
        if not obj.electronic_copy:
            return "—"
        url = reverse("admin:requests_app_disclosurerequest_electronic_copy", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    # --- permissions ---------------------------------------------------------------------------
    def has_delete_permission(self, request, obj=None):
        return False  # nothing is ever lost: a request ends as withdrawn or lapsed, never deleted

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly += ["request_type", "received_at"]
            if obj.state not in OPEN_STATES:
                readonly += [f for f in services.DETAIL_FIELDS if f != "notes"]
                readonly.append("assignee")
        return readonly

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["request_type", "channel", "received_at", "assignee"]}),
                *self.fieldsets[1:5],
                (_("Notes"), {"fields": ["notes"]}),
            ]
        spec = REQUEST_TYPES.get(obj.request_type)
        fieldsets = []
        for title, options in self.fieldsets:
            fields = options["fields"]
            if title == _("What is asked"):
                fields = list(spec.fields) if spec else fields
            elif title == _("Fee (Art. 38)") and not (spec and spec.fee_bearing):
                fields = []
            elif title == _("Response") and not (spec and spec.discloses_data):
                fields = [
                    f
                    for f in fields
                    if f
                    not in {
                        "disclosure_method_used",
                        "method_fallback_reason",
                        "electronic_copy_link",
                    }
                ]
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        return fieldsets

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None or obj.request_type != RequestType.CORRECTION:
            inlines = [i for i in inlines if not isinstance(i, CorrectionItemInline)]
        if obj is None:
            # A request being added has no documents, letters or alerts yet.
            inlines = [
                i
                for i in inlines
                if not isinstance(i, IdentityDocumentInline | LetterInline | DeadlineAlertInline)
            ]
        return inlines

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.has_perm("requests_app.work_request"):
            initial.setdefault("assignee", request.user.pk)
        return initial

    # --- saving through the services -----------------------------------------------------------
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            details = {
                name: data[name]
                for name in services.DETAIL_FIELDS
                if name in data and data[name] not in (None, "", [])
            }
            created = services.request_create(
                by=request.user,
                request_type=data["request_type"],
                requester_name=details.pop("requester_name"),
                received_at=data.get("received_at"),
                assignee=data.get("assignee"),
                **details,
            )
            obj.pk = created.pk
            obj.reference = created.reference
            if created.possible_duplicate_of_id:
                self.message_user(
                    request,
                    gettext("Possible duplicate of the open request %(reference)s.")
                    % {"reference": created.possible_duplicate_of.reference},
                    messages.WARNING,
                )
            return
        changes = {name: data[name] for name in form.changed_data if name in services.DETAIL_FIELDS}
        if "assignee" in form.changed_data:
            services.request_assign(request=obj, assignee=data.get("assignee"), by=request.user)
        if changes:
            services.request_update(request=obj, by=request.user, changes=changes)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # A rule the form could not see (e.g. the state moved meanwhile): say so, lose nothing.
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update(self._workflow_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, obj) -> dict[str, Any]:
        user = request.user
        actions = request_workflow_actions(request=obj, user=user)
        buttons = [
            {
                "name": step.name,
                "label": step.label,
                "one_click": step.name in forms.ONE_CLICK_TRANSITIONS,
                "url": reverse(
                    "admin:requests_app_disclosurerequest_transition", args=[obj.pk, step.name]
                ),
            }
            for step in actions.available
        ]
        blocked = [{"label": step.label, "reason": step.reason} for step in actions.blocked]
        return {
            "workflow_buttons": buttons,
            "workflow_blocked": blocked,
            "expected_state": obj.state,
            "timeline": selectors.request_timeline(request=obj),
            "summary": summary.request_summary(request=obj),
            "can_upload": obj.state in OPEN_STATES
            and user.has_perm("requests_app.add_identitydocument"),
            "can_comment": user.has_perm("requests_app.add_requestcomment"),
            "can_extend": user.has_perm("requests_app.extend_deadline")
            and obj.state in RequestState.clock_running_states(),
            "can_compile": obj.customer_id is not None,
            "can_correct_receipt": user.has_perm("requests_app.work_request"),
            # Issue 13: the person wrote again (add a right), or one right needs its own case.
            "can_add_right": user.has_perm("requests_app.work_request")
            and obj.state in OPEN_STATES,
            "can_split": user.has_perm("requests_app.work_request")
            and obj.state in OPEN_STATES
            and obj.reference != obj.case.reference,
            "comment_form": forms.CommentForm(),
            **self.draft_context(request, obj),
        }

    class Media:
        css = {"all": ["requests_app/requests.css"]}
