"""The staff screens for privacy requests (thin: forms collect, services decide).

The request list opens on "my open requests" for staff; filters by queue, state, type, assignee
and due status (`?due=overdue`, `?due=soon`, `?due=lapsable`, the names the dashboard links
to); constant query counts (list_select_related). The request page shows the transition buttons
the user may take (and why others are blocked), the identity documents, the corrections, and one
timeline of transitions, letters, document viewings, extensions and comments, newest first.
Append-only records (the transition log, document viewings) can be neither changed nor deleted.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, When
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from common.admin import ReadOnlyAdminMixin, form_page
from common.forms import add_service_errors
from consent_app.admin_keyset import RowLinkFiltersOnce
from consent_app.normalize import normalize_customer_number, normalize_name
from consent_app.selectors import customer_candidates

from . import deadlines, forms, selectors, services, summary, views
from .admin_cases import CaseColumnsMixin, CaseDocumentsFormSet
from .admin_drafts import LetterDraftAdminMixin
from .admin_letters import DeadlineAlertInline, LetterInline
from .cases import case_rights
from .due import DUE_SOON, DUE_SOON_DAYS, OVERDUE, due_status
from .letters import services as letter_services
from .letters.services import LETTER_WILL_FOLLOW
from .models import (
    OPEN_STATES,
    CorrectionItem,
    DeadlineExtension,
    DeadlineRule,
    DisclosureRequest,
    DocumentViewing,
    IdentityDocument,
    RequestComment,
    RequestState,
    RequestType,
)
from .request_types import REQUEST_TYPES
from .selectors_workflow import request_workflow_actions
from .services import case_letters
from .services import cases as case_services
from .services.workflow import REQUEST_CHANGED, TRANSITION_SERVICES, transition_label

logger = logging.getLogger(__name__)

FORM_TEMPLATE = "admin/requests_app/disclosurerequest/form_page.html"
# The approval's refusals about the draft letter: the page is shown again with the current draft.
DRAFT_ERRORS = frozenset(
    {"draft_changed", "draft_not_ready", "draft_failed", "draft_out_of_date", "four_eyes"}
)


def _short_type_label(code: str) -> str:
    """The list column's short name of a type (the registry's), or the code if unknown."""
    spec = REQUEST_TYPES.get(code)
    return str(spec.short_label) if spec else code


_REFERENCE = re.compile(r"^PR-\d{4}-\d{1,6}$")
# Django's own string, translated in its catalogue (a variable, so that makemessages does not copy
# it into ours): the row checkbox's label, as ModelAdmin.action_checkbox writes it.
_DJANGO_ACTION_SELECT_LABEL = "Select this object for an action - {}"


# --- list filters --------------------------------------------------------------------------------
class QueueFilter(admin.SimpleListFilter):
    """Default view: "my open requests" for privacy staff; all open requests for the others."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("My open requests")),
            ("open", _("All open requests")),
            ("all", _("All requests")),
        ]

    @staticmethod
    def default_for(request: HttpRequest, params: dict) -> str:
        # Only a bare list opens on the user's queue: a link with any filter (the dashboard's
        # `?due=overdue`) shows what it names for everyone, and a search (a reference number
        # typed in the box) finds a request whatever its state.
        if params or request.GET.get(SEARCH_VAR, "").strip():
            return "all"
        user = request.user
        if user.has_perm("requests_app.work_request") and not user.has_perm(
            "requests_app.approve_response"
        ):
            return "mine"
        return "open"

    def value(self):
        value = super().value()
        return value if value in {"mine", "open", "all"} else self._default

    def __init__(self, request, params, model, model_admin):
        others = {k: v for k, v in params.items() if k not in {self.parameter_name, "o", "p"}}
        self._default = self.default_for(request, others)
        super().__init__(request, params, model, model_admin)
        self._user = request.user

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(assignee=request.user, state__in=OPEN_STATES)
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = _("due status")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            (OVERDUE, _("Overdue")),
            (DUE_SOON, _("Due within %(days)s days") % {"days": DUE_SOON_DAYS}),
            ("lapsable", _("No documents back in time (may lapse)")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        # `&` merges the selector's conditions into this query's WHERE (bench, issue 8): the
        # planner then reads the partial index request_open_due_idx (the few overdue requests)
        # instead of walking the whole received_at order probing `pk IN (subquery)`.
        if value == OVERDUE:
            return queryset & selectors.requests_overdue()
        if value == DUE_SOON:
            return queryset & selectors.requests_due_soon()
        if value == "lapsable":
            return queryset & selectors.requests_lapsable()
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        choices = [("none", _("Unassigned"))]
        choices += [(str(u.pk), selectors.staff_name(u)) for u in forms.staff_users()]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class PurgeFilter(admin.SimpleListFilter):
    """`?purge=due`: the documents whose file the next purge takes (the dashboard links here)."""

    title = _("file purge")
    parameter_name = "purge"

    def lookups(self, request, model_admin):
        return [("due", _("Due for purge"))]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset & selectors.identity_documents_due_for_purge()
        return queryset


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
    fields = [
        "document_type",
        "for_agent",
        "request",
        "uploaded_at",
        "uploaded_by",
        "purged_at",
        "open",
    ]
    readonly_fields = fields
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


# --- the request admin ---------------------------------------------------------------------------
def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of `value` (the value itself when unknown), as get_FOO_display() gives it."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class RequestChangeList(RowLinkFiltersOnce, ChangeList):
    def get_ordering(self, request, queryset):
        """The changelist's ordering, its tie-break in the due date's direction.

        Django appends the admin's own ordering (-received_at) and "-pk" to the column sorted
        on. Sorted by due date that gives `due_date, received_at DESC, id DESC`, which no b-tree
        scan returns: PostgreSQL read and sorted every request (spilling to disk at 100,000).
        `due_date, id` in one direction is already total, and is the index request_due_idx
        read forwards or backwards: it stops after one page.
        """
        ordering = list(super().get_ordering(request, queryset))
        if ordering and ordering[0] in ("due_date", "-due_date"):
            return [ordering[0], "-pk" if ordering[0].startswith("-") else "pk"]
        return ordering


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(CaseColumnsMixin, LetterDraftAdminMixin, admin.ModelAdmin):
    form = forms.RequestForm
    list_display = [
        "reference",
        "type_short",
        "state_badge",
        "requester_name",
        "customer_number",
        "assignee",
        "received_on",
        "due_badge",
        "case_due_column",
        "duplicate_flag",
    ]
    list_display_links = ["reference"]
    list_select_related = ["assignee", "customer"]
    list_filter = [QueueFilter, "state", "request_type", AssigneeFilter, DueFilter]
    search_fields = ["reference", "requester_name", "requester_name_kana"]
    search_help_text = _("Reference number, requester name or reading, customer number or name.")
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-received_at"]

    def get_changelist(self, request, **kwargs):
        return RequestChangeList

    def get_ordering(self, request):
        # bench (issue 8): a due-date list reads most urgent first, straight off the partial
        # index request_open_due_idx (stops after one page). Ordered by received_at instead, the
        # planner walks every open request: the overdue ones are the oldest received.
        if request.GET.get("due") in ("overdue", "soon"):
            return ["due_date", "pk"]
        return super().get_ordering(request)

    # Letters and deadline alerts (requests_app.admin_letters): read-only, on every request.
    inlines = [IdentityDocumentInline, CorrectionItemInline, LetterInline, DeadlineAlertInline]
    actions = ["bulk_assign", "bulk_lapse"]
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

    # --- list ----------------------------------------------------------------------------------
    def action_checkbox(self, obj):
        # bench (issue 8): Django's markup, built directly. Django renders a CheckboxInput through
        # the form template engine for every row: ~5 of the overdue list's ~40 ms of CPU.
        label = format_html(gettext(_DJANGO_ACTION_SELECT_LABEL), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

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

    # bench (issue 14): the label from the choices enum. get_FOO_display() rebuilds a dict of
    # every choice on each call: 2 of them per row were ~6x the cost of the enum lookup.
    @admin.display(description=_("type"), ordering="request_type")
    def type_short(self, obj):
        return format_html(
            '<span title="{}">{}</span>',
            _choice_label(RequestType, obj.request_type),
            _short_type_label(obj.request_type),
        )

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return format_html(
            '<span class="request-state request-state-{}">{}</span>',
            obj.state,
            _choice_label(RequestState, obj.state),
        )

    @admin.display(description=_("customer"), ordering="customer__number")
    def customer_number(self, obj):
        if obj.customer_id is None:
            return gettext("no data held") if obj.no_data_held else "—"
        return obj.customer.number

    @admin.display(description=_("received"), ordering="received_at")
    def received_on(self, obj):
        return date_format(timezone.localtime(obj.received_at).date())

    @admin.display(description=_("due"), ordering="due_date")
    def due_badge(self, obj):
        if obj.due_date is None:
            return "—"
        due = date_format(obj.due_date)
        status = due_status(state=obj.state, due_date=obj.due_date, today=timezone.localdate())
        if status == OVERDUE:
            css, label = "overdue", gettext("overdue")
        elif status == DUE_SOON:
            css, label = "soon", gettext("due soon")
        else:
            return due
        return format_html(
            '{}<br><span class="request-due request-due-{}">{}</span>', due, css, label
        )

    @admin.display(description=_("duplicate?"))
    def duplicate_flag(self, obj):
        if not obj.possible_duplicate_of_id:
            return ""
        url = reverse(
            "admin:requests_app_disclosurerequest_change", args=[obj.possible_duplicate_of_id]
        )
        return format_html(
            '<a class="request-duplicate" href="{}" title="{}">⚠</a>',
            url,
            gettext("Possible duplicate of an open request"),
        )

    @admin.display(description=_("electronic copy"))
    def electronic_copy_link(self, obj):
        if not obj.electronic_copy:
            return "—"
        url = reverse("admin:requests_app_disclosurerequest_electronic_copy", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def get_search_results(self, request, queryset, search_term):
        term = unicodedata.normalize("NFKC", search_term or "").strip()
        if not term:
            return queryset, False
        if _REFERENCE.match(term.upper()):
            # A reference number is exact (and uses the unique index).
            return queryset.filter(reference=term.upper()), False

        references = selectors.request_references_matching(term=term)
        if references is not None:
            # Part of a reference ("000043", "2026-000043"): the references it can mean, or a
            # customer number of digits. No name holds digits: no scan of requester names.
            return (
                queryset.filter(
                    Q(reference__in=references)
                    | Q(customer__number=normalize_customer_number(term))
                ),
                False,
            )
        condition = (
            Q(requester_name__icontains=search_term.strip())
            | Q(requester_name_kana__icontains=search_term.strip())
            | Q(customer__number=normalize_customer_number(term))
        )
        folded = normalize_name(term)
        if folded:
            condition |= Q(customer__search_name__contains=folded)
        return queryset.filter(condition), False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("requests_app.work_request"):
            actions.pop("bulk_assign", None)
            actions.pop("bulk_lapse", None)
        return actions

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

    # --- custom pages --------------------------------------------------------------------------
    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(self.transition_view),
                name="requests_app_disclosurerequest_transition",
            ),
            path(
                "<path:object_id>/documents/upload/",
                wrap(self.upload_view),
                name="requests_app_disclosurerequest_upload",
            ),
            path(
                "<path:object_id>/comment/",
                wrap(self.comment_view),
                name="requests_app_disclosurerequest_comment",
            ),
            path(
                "<path:object_id>/extend/",
                wrap(self.extend_view),
                name="requests_app_disclosurerequest_extend",
            ),
            path(
                "<path:object_id>/correct-receipt/",
                wrap(self.correct_receipt_view),
                name="requests_app_disclosurerequest_correct_receipt",
            ),
            path(
                "<path:object_id>/case/add-right/",
                wrap(self.case_add_right_view),
                name="requests_app_disclosurerequest_case_add_right",
            ),
            path(
                "<path:object_id>/case/split/",
                wrap(self.case_split_view),
                name="requests_app_disclosurerequest_case_split",
            ),
            path(
                "<path:object_id>/compilation/",
                wrap(self.compilation_view),
                name="requests_app_disclosurerequest_compilation",
            ),
            path(
                "<int:pk>/electronic-copy/",
                wrap(views.electronic_copy_file),
                name="requests_app_disclosurerequest_electronic_copy",
            ),
            *self.draft_urls(),
            *super().get_urls(),
        ]

    def _get_for_view(self, request, object_id) -> DisclosureRequest:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def _change_url(self, obj) -> str:
        return reverse("admin:requests_app_disclosurerequest_change", args=[obj.pk])

    def _form_page(self, request, obj, form, title: str, submit: str, **extra):
        return form_page(
            request,
            self,
            form,
            template=FORM_TEMPLATE,
            title=title,
            submit=submit,
            original=obj,
            **extra,
        )

    def transition_view(self, request, object_id, name):
        """GET: the transition's small form. POST: take the transition through its service."""
        obj = self._get_for_view(request, object_id)
        if name not in TRANSITION_SERVICES:
            raise PermissionDenied
        form_class = forms.TRANSITION_FORMS[name]
        label = services.transition_label(name)
        kwargs = {"request_obj": obj, "user": request.user}
        if name == "verify_identity":
            kwargs["candidates"] = customer_candidates(
                name=obj.requester_name,
                kana=obj.requester_name_kana,
                date_of_birth=obj.requester_date_of_birth,
                postal_code=obj.requester_postal_code,
                address=obj.requester_address,
            )
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
            if form.is_valid():
                if form.cleaned_data["expected_state"] != obj.state:
                    self.message_user(request, REQUEST_CHANGED, messages.ERROR)
                    return HttpResponseRedirect(self._change_url(obj))
                try:
                    TRANSITION_SERVICES[name](request=obj, by=request.user, **form.service_kwargs())
                except ValidationError as exc:
                    if getattr(exc, "code", None) in {"conflict", "not_allowed", "forbidden"}:
                        for message in exc.messages:
                            self.message_user(request, message, messages.ERROR)
                        return HttpResponseRedirect(self._change_url(obj))
                    if getattr(exc, "code", None) in DRAFT_ERRORS:
                        # The page showed another letter: show it again with the current one.
                        for message in exc.messages:
                            self.message_user(request, message, messages.ERROR)
                        return HttpResponseRedirect(request.get_full_path())
                    add_service_errors(form, exc)
                else:
                    self.message_user(
                        request,
                        gettext("%(transition)s: done.") % {"transition": label},
                        messages.SUCCESS,
                    )
                    if letter_services.letters_unpublished(request=obj):
                        # The broker did not answer within LETTER_PUBLISH_TIMEOUT: the step is
                        # done and the letter recorded; the sweep produces it shortly.
                        self.message_user(request, LETTER_WILL_FOLLOW, messages.WARNING)
                    return HttpResponseRedirect(self._change_url(obj))
        else:
            blockers = services.transition_blockers(obj, name, request.user)
            if blockers:
                for message in blockers[0].messages:
                    self.message_user(request, message, messages.ERROR)
                return HttpResponseRedirect(self._change_url(obj))
            form = form_class(**kwargs)
        return self._form_page(
            request,
            obj,
            form,
            title=f"{obj.reference}: {label}",
            submit=label,
            candidates=kwargs.get("candidates"),
            # Its own erasure, or one of a right of its case approved with it (issue 13).
            warn_erasure=name == "approve_and_send" and case_letters.case_erases(obj),
            **(self.approval_context(obj) if name == "approve_and_send" else {}),
        )

    def upload_view(self, request, object_id):
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.add_identitydocument"):
            raise PermissionDenied
        form = forms.UploadDocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.identity_document_upload(
                    request=obj,
                    document_type=form.cleaned_data["document_type"],
                    for_agent=form.cleaned_data["for_agent"],
                    file=form.cleaned_data["file"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, gettext("Document stored."), messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: add an identity document") % {"reference": obj.reference},
            submit=gettext("Upload"),
            multipart=True,
        )

    def comment_view(self, request, object_id):
        obj = self._get_for_view(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(obj))
        form = forms.CommentForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors["body"])
            services.request_comment_add(
                request=obj, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(request, gettext("Comment added."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(obj) + "#timeline")

    def extend_view(self, request, object_id):
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.extend_deadline"):
            raise PermissionDenied
        form = forms.ExtendDeadlineForm(request.POST or None, initial={"expected_state": obj.state})
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["expected_state"] != obj.state:
                self.message_user(request, REQUEST_CHANGED, messages.ERROR)
                return HttpResponseRedirect(self._change_url(obj))
            try:
                services.request_extend_deadline(
                    request=obj,
                    by=request.user,
                    new_due_date=form.cleaned_data["new_due_date"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error("new_due_date" if exc.code != "reason" else "reason", exc)
            else:
                self.message_user(
                    request,
                    gettext("Deadline extended; an extension notice is being prepared."),
                    messages.SUCCESS,
                )
                if letter_services.letters_unpublished(request=obj):
                    self.message_user(request, LETTER_WILL_FOLLOW, messages.WARNING)
                return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: extend the deadline") % {"reference": obj.reference},
            submit=gettext("Extend"),
            current_due=obj.due_date,
        )

    def correct_receipt_view(self, request, object_id):
        """A receipt date typed wrongly (or repaired by migration 0008) is corrected here."""
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.work_request"):
            raise PermissionDenied
        form = forms.ReceiptCorrectionForm(
            request.POST or None, initial={"received_at": obj.received_at}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.request_correct_received_at(
                    request=obj,
                    by=request.user,
                    received_at=form.cleaned_data["received_at"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, gettext("Receipt date corrected."), messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: correct the receipt date") % {"reference": obj.reference},
            submit=gettext("Correct the date"),
        )

    def case_add_right_view(self, request, object_id):
        """Add a right to this request's case (the person asked for another right)."""
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.work_request"):
            raise PermissionDenied
        form = forms.CaseAddRightForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            details = {k: data[k] for k in ("legal_ground", "use_measure") if data[k]}
            try:
                right = case_services.case_add_right(
                    case=obj.case,
                    by=request.user,
                    request_type=data["request_type"],
                    reason=data["reason"],
                    **details,
                )
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("Right %(reference)s added to the case.")
                    % {"reference": right.reference},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(right))
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: add a right to the case")
            % {"reference": obj.case.reference},
            submit=gettext("Add the right"),
        )

    def case_split_view(self, request, object_id):
        """Split this right off into a case of its own (e.g. it alone needs an extension)."""
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.work_request"):
            raise PermissionDenied
        form = forms.CaseSplitRightForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                case_services.case_split_right(
                    right=obj, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                self.message_user(
                    request, gettext("The right is now a case of its own."), messages.SUCCESS
                )
                return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: split off into its own case")
            % {"reference": obj.reference},
            submit=gettext("Split off"),
        )

    def compilation_view(self, request, object_id):
        """What a disclosure would give the person now, for staff drafting the response."""
        obj = self._get_for_view(request, object_id)
        # In the reader's language, like the rest of the page: the response letter and the
        # electronic copy are the ones written in the person's language.
        compilation = selectors.disclosure_compilation(
            request=obj, language=translation.get_language()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": gettext("%(reference)s: data held on the person")
            % {"reference": obj.reference},
            "compilation": compilation,
        }
        return TemplateResponse(
            request, "admin/requests_app/disclosurerequest/compilation.html", context
        )

    # --- bulk actions --------------------------------------------------------------------------
    def _action_page(self, request, queryset, form, action: str, title: str, submit: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "submit_label": submit,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/requests_app/disclosurerequest/bulk_action.html", context
        )

    @admin.action(description=_("Assign the selected requests"))
    def bulk_assign(self, request, queryset: QuerySet):
        if "apply" in request.POST:
            form = forms.BulkAssignForm(request.POST)
            if form.is_valid():
                try:
                    assigned, skipped = services.request_bulk_assign(
                        request_ids=queryset.values_list("pk", flat=True),
                        assignee=form.cleaned_data["assignee"],
                        by=request.user,
                    )
                except ValidationError as exc:
                    self.message_user(request, exc.messages[0], messages.ERROR)
                    return None
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d request assigned.", "%(count)d requests assigned.", assigned
                    )
                    % {"count": assigned},
                    messages.SUCCESS,
                )
                if skipped:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)d ended request left as it was.",
                            "%(count)d ended requests left as they were.",
                            skipped,
                        )
                        % {"count": skipped},
                        messages.WARNING,
                    )
                return None
        else:
            form = forms.BulkAssignForm()
        return self._action_page(
            request, queryset, form, "bulk_assign", gettext("Assign requests"), gettext("Assign")
        )

    @admin.action(description=_("Lapse the selected requests (no documents back in time)"))
    def bulk_lapse(self, request, queryset: QuerySet):
        if "apply" in request.POST:
            form = forms.BulkLapseForm(request.POST)
            if form.is_valid():
                lapsed, skipped = services.request_bulk_lapse(
                    request_ids=queryset.values_list("pk", flat=True),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
                if lapsed:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)d request lapsed.", "%(count)d requests lapsed.", len(lapsed)
                        )
                        % {"count": len(lapsed)},
                        messages.SUCCESS,
                    )
                for obj, why in skipped:
                    self.message_user(request, f"{obj.reference}: {why}", messages.WARNING)
                return None
        else:
            form = forms.BulkLapseForm()
        return self._action_page(
            request, queryset, form, "bulk_lapse", gettext("Lapse requests"), gettext("Lapse")
        )

    class Media:
        css = {"all": ["requests_app/requests.css"]}


# --- read-only records ---------------------------------------------------------------------------
class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records nobody changes or deletes through the admin (append-only or service-made)."""

    def get_actions(self, request):
        return {}


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "request",
        "document_type",
        "for_agent",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "purged_at",
    ]
    list_select_related = ["request", "uploaded_by"]
    list_filter = ["document_type", "for_agent", PurgeFilter]
    search_fields = ["request__reference"]
    show_full_result_count = False
    exclude = ["file"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/",
                self.admin_site.admin_view(views.identity_document_file),
                name="requests_app_identitydocument_file",
            ),
            *super().get_urls(),
        ]


@admin.register(DocumentViewing)
class DocumentViewingAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "document", "document_request", "viewed_by"]
    list_select_related = ["document__request", "viewed_by"]
    search_fields = ["document__request__reference"]
    show_full_result_count = False

    @admin.display(description=_("request"))
    def document_request(self, obj):
        return obj.document.request.reference


@admin.register(RequestComment)
class RequestCommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "request", "author", "body"]
    list_select_related = ["request", "author"]
    search_fields = ["request__reference"]
    show_full_result_count = False


@admin.register(CorrectionItem)
class CorrectionItemAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "field_label", "accepted", "applied_at"]
    list_select_related = ["request"]
    search_fields = ["request__reference"]
    show_full_result_count = False
    # The customer field by its name (住所), never its code (address), on the item's own page.
    fields = [
        "request",
        "kind",
        "field_label",
        "current_value",
        "requested_value",
        "accepted",
        "applied_at",
    ]
    # Shown, never edited: a display method and a service-set (non-editable) model field
    # cannot be form fields.
    readonly_fields = ["field_label", "applied_at"]

    @admin.display(description=_("field"))
    def field_label(self, item):
        return item.field_label


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdmin):
    list_display = ["extended_at", "request", "previous_due_date", "new_due_date", "extended_by"]
    list_select_related = ["request", "extended_by"]
    search_fields = ["request__reference"]
    show_full_result_count = False


class DeadlineRuleForm(django_forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = [
            "request_type",
            "days",
            "day_kind",
            "saturday_closed",
            "closure_start",
            "closure_end",
        ]

    def clean_closure_start(self):
        value = self.cleaned_data["closure_start"]
        deadlines.validate_month_day(value)
        return value

    def clean_closure_end(self):
        value = self.cleaned_data["closure_end"]
        deadlines.validate_month_day(value)
        return value

    def clean_days(self):
        days = self.cleaned_data["days"]
        if not 1 <= days <= 90:
            raise ValidationError(_("Between 1 and 90 days."))
        return days


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Managers edit the days per request type; the next documents received use the new rule."""

    form = DeadlineRuleForm
    list_display = [
        "request_type",
        "days",
        "day_kind",
        "saturday_closed",
        "closure_start",
        "closure_end",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # every type keeps a rule

    def get_readonly_fields(self, request, obj=None):
        return ["request_type"] if obj else []


def _transition_choices() -> list[tuple[str, str]]:
    """The request transitions by name, with the label their button carries."""
    return [(name, transition_label(name)) for name in TRANSITION_SERVICES]


def _state_label(code: str | None) -> str:
    if not code:
        return "-"
    return str(dict(RequestState.choices).get(code, code))


class TransitionFilter(admin.SimpleListFilter):
    title = _("step")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return _transition_choices()

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class TargetStateFilter(admin.SimpleListFilter):
    title = _("to")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return RequestState.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


if not admin.site.is_registered(StateLog):

    @admin.register(StateLog)
    class StateLogAdmin(ReadOnlyAdmin):
        """The transition log: who, when, from, to, comment. Append-only.

        The library's field names are English ("Target state") and its states raw codes, so every
        column and filter is declared here with a translated title and the request's labels. The
        request's reference comes from a subquery on the page's own query (the generic relation
        would cost a query per row).
        """

        list_display = [
            "logged_at",
            "request_link",
            "transition_display",
            "source_state_display",
            "state_display",
            "performed_by",
            "comment",
        ]
        list_select_related = ["by", "content_type"]
        list_filter = [TransitionFilter, TargetStateFilter]
        show_full_result_count = False
        fields = readonly_fields = list_display

        def get_queryset(self, request):
            references = DisclosureRequest.objects.filter(pk=OuterRef("object_id")).values(
                "reference"
            )[:1]
            return (
                super()
                .get_queryset(request)
                .annotate(
                    request_reference=Case(
                        When(
                            content_type=ContentType.objects.get_for_model(DisclosureRequest),
                            then=Subquery(references),
                        ),
                        default=None,
                    )
                )
            )

        @admin.display(description=_("when"), ordering="timestamp")
        def logged_at(self, obj):
            # Formatted here: a read-only page shows a method's value as str() (ISO with +00:00).
            return date_format(timezone.localtime(obj.timestamp), "DATETIME_FORMAT")

        @admin.display(description=_("request"), ordering="request_reference")
        def request_link(self, obj):
            reference = getattr(obj, "request_reference", None)
            if not reference:
                return f"#{obj.object_id}"
            url = reverse("admin:requests_app_disclosurerequest_change", args=[obj.object_id])
            return format_html('<a href="{}">{}</a>', url, reference)

        @admin.display(description=_("step"), ordering="transition")
        def transition_display(self, obj):
            return dict(_transition_choices()).get(obj.transition, obj.transition)

        @admin.display(description=_("from"), ordering="source_state")
        def source_state_display(self, obj):
            return _state_label(obj.source_state)

        @admin.display(description=_("to"), ordering="state")
        def state_display(self, obj):
            return _state_label(obj.state)

        @admin.display(description=_("performed by"), ordering="by")
        def performed_by(self, obj):
            return obj.by or "-"

        @admin.display(description=_("comment"))
        def comment(self, obj):
            return obj.description or ""
