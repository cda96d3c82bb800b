"""The case (受付案件) on the request screens (issue 13): the list's case due date column and the
case's one set of identity documents on every right's page.

A mixin for the request admin, kept apart from admin_requests.py: the list shows, beside each
right's own due date, the one due date of its case (the earliest of the case's open rights),
which is what the person was promised. Two correlated subqueries on the page's rows only (no
extra query per row; the list still costs a constant number of queries).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OPEN_STATES, DisclosureRequest, IdentityDocument


def _case_rights_of_row():
    rights = DisclosureRequest.objects.filter(case_id=OuterRef("case_id"))
    return rights.order_by().values("case_id")


def with_case_due(queryset):
    """Annotate each right with its case's due date (`case_due`) and its number of rights."""
    due = (
        _case_rights_of_row()
        .filter(state__in=OPEN_STATES, due_date__isnull=False)
        .annotate(due=Min("due_date"))
        .values("due")
    )
    size = _case_rights_of_row().annotate(n=Count("pk")).values("n")
    return queryset.annotate(
        case_due=Subquery(due),
        case_size=Coalesce(Subquery(size, output_field=IntegerField()), 1),
    )


class CaseColumnsMixin:
    """`case_due_column` for list_display; the changelist's rows carry the annotation."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)  # type: ignore[misc]
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "").endswith("_changelist"):
            return with_case_due(queryset)
        return queryset

    @admin.display(description=_("case due"))
    def case_due_column(self, obj):
        size = getattr(obj, "case_size", 1) or 1
        if size < 2:
            return ""  # a one-right case: its due date is the right's own
        due = getattr(obj, "case_due", None)
        label = ngettext("%(count)s right", "%(count)s rights", size) % {"count": size}
        if due is None:
            return format_html('<span class="case-due">{}</span>', label)
        return format_html(
            '<span class="case-due">{}<br><span class="request-case-size">{}</span></span>',
            date_format(due),
            label,
        )


class CaseDocumentsFormSet(BaseInlineFormSet):
    """The identity documents inline of a right shows the case's one set of documents, whichever
    right they were uploaded on (read-only: uploads go through the checked upload page)."""

    def get_queryset(self):
        if not hasattr(self, "_case_queryset"):
            instance = self.instance
            if instance is None or instance.pk is None or not instance.case_id:
                self._case_queryset = super().get_queryset()
            else:
                self._case_queryset = (
                    IdentityDocument.objects.filter(request__case_id=instance.case_id)
                    .select_related("uploaded_by", "request")
                    .order_by("-uploaded_at", "-pk")
                )
        return self._case_queryset
