"""The request list (changelist) of DisclosureRequestAdmin: its columns, search and ordering.

A mixin of admin_requests.DisclosureRequestAdmin; the filters are in admin_filters.py.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import ModelAdminMixin
from consent_app.admin_keyset import RowLinkFiltersOnce
from consent_app.normalize import normalize_customer_number, normalize_name

from . import selectors
from .admin_filters import AssigneeFilter, DueFilter, QueueFilter
from .due import DUE_SOON, OVERDUE, due_status
from .models import RequestState, RequestType
from .request_types import REQUEST_TYPES


def _short_type_label(code: str) -> str:
    """The list column's short name of a type (the registry's), or the code if unknown."""
    spec = REQUEST_TYPES.get(code)
    return str(spec.short_label) if spec else code


_REFERENCE = re.compile(r"^PR-\d{4}-\d{1,6}$")
# Django's own string, translated in its catalogue (a variable, so that makemessages does not copy
# it into ours): the row checkbox's label, as ModelAdmin.action_checkbox writes it.
_DJANGO_ACTION_SELECT_LABEL = "Select this object for an action - {}"


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


class RequestListAdminMixin(ModelAdminMixin):
    """The changelist of DisclosureRequestAdmin: columns, search, ordering (constant query
    counts: list_select_related)."""

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
