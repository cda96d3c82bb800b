"""The request list's filters (queue, due status, assignee) and the identity documents' purge
filter: what the dashboard's links name (`?due=overdue`, `?purge=due`)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import forms, selectors
from .due import DUE_SOON, DUE_SOON_DAYS, OVERDUE
from .models import OPEN_STATES


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
