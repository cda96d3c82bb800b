"""Customer list pages by seek (keyset) pagination, with a count bounded where it would scan.

Django's changelist pages with OFFSET: page 19,999 of a million customers read and threw away
999,900 rows (395 ms), and the last 50 could not be reached at all (the page count comes from
the planner's estimate, which can fall short of the real number). Here a page is the next 50
customers after the last number shown (`?after=C0999900`), or the 50 before the first one
(`?before=…`), or the final 50 (`?last=1`): each is one descent of the number index, as fast on
the last page as on the first, and every customer is reachable.

Counting: the unfiltered list shows the planner's estimate ("about 1,000,000"); a search or a
filter is counted up to COUNT_BOUND + 1 rows in the list's own order ("1,000 or more"), so a
one-character search that matches a third of the table reads 1,001 index entries, not 300,000.

Seek pagination serves the list in its default order (by number). Sorted by another column
(`?o=`), the list pages with Django's OFFSET pages as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.paginators import ESTIMATE_FROM_ROWS, estimated_row_count

from . import selectors

AFTER_VAR = "after"
BEFORE_VAR = "before"
LAST_VAR = "last"
CURSOR_VARS = (AFTER_VAR, BEFORE_VAR, LAST_VAR)
# A search or filter is counted exactly up to this many rows; beyond it, "1,000 or more".
COUNT_BOUND = 1000

COUNT_AT_LEAST = _("%(count)s or more")
COUNT_ABOUT = _("about %(count)s")


# What the changelist mixin extends: a ChangeList for the type checker, nothing at run time.
if TYPE_CHECKING:
    _ChangeList = ChangeList
else:
    _ChangeList = object


class RowLinkFiltersOnce(_ChangeList):
    """A changelist mixin: each row's link gets the list's filters appended once per page.

    bench (issue 14): each row's link carries the list's filters back. Django adds them per row
    with add_preserved_filters, which resolve()s the row's URL to learn it is not the list's:
    the costliest call of a filtered or searched list. The query string is the same for every
    row: url_for_result appends it, and the emptied preserved_filters (read by nothing else)
    leaves add_preserved_filters nothing to resolve.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._row_query = self.preserved_filters
        self.preserved_filters = ""

    def url_for_result(self, result) -> str:
        url = super().url_for_result(result)
        return f"{url}?{self._row_query}" if self._row_query else url


class KeysetChangeList(RowLinkFiltersOnce, ChangeList):
    """A changelist that pages by the unique `keyset_field` instead of OFFSET (see the module)."""

    keyset_field = "number"

    def __init__(self, request, *args: Any, **kwargs: Any) -> None:
        # Read before Django's __init__, which builds the queryset and the page from the GET.
        self.cursor = {name: request.GET[name] for name in CURSOR_VARS if name in request.GET}
        super().__init__(request, *args, **kwargs)
        # Neither the search box's hidden fields nor any link carry the position on.
        for name in CURSOR_VARS:
            self.params.pop(name, None)
            self.filter_params.pop(name, None)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for name in CURSOR_VARS:
            lookup_params.pop(name, None)
        return lookup_params

    def get_query_string(self, new_params=None, remove=None):
        # A new filter, search or sort starts again from the first page.
        return super().get_query_string(new_params, [*(remove or []), *CURSOR_VARS])

    @property
    def seeks(self) -> bool:
        return ORDER_VAR not in self.params

    def get_results(self, request) -> None:
        if not self.seeks:
            super().get_results(request)
            self.keyset = None
            self.count_label = None
            return
        per_page = self.list_per_page
        field = self.keyset_field
        queryset = self.queryset
        has_previous = has_next = False
        if AFTER_VAR in self.cursor:
            rows = list(
                queryset.filter(**{f"{field}__gt": self.cursor[AFTER_VAR]}).order_by(field)[
                    : per_page + 1
                ]
            )
            has_previous, has_next = True, len(rows) > per_page
            rows = rows[:per_page]
        elif BEFORE_VAR in self.cursor or LAST_VAR in self.cursor:
            before = queryset
            if BEFORE_VAR in self.cursor:
                before = queryset.filter(**{f"{field}__lt": self.cursor[BEFORE_VAR]})
                has_next = True
            rows = list(before.order_by(f"-{field}")[: per_page + 1])
            has_previous = len(rows) > per_page
            rows = rows[:per_page][::-1]
        else:
            rows = list(queryset.order_by(field)[: per_page + 1])
            has_next = len(rows) > per_page
            rows = rows[:per_page]

        count, label = self._count(queryset)
        self.result_count = count
        self.count_label = label
        # Django's search box prints "N results (M total)" whenever the two differ: equal, it
        # stays quiet, and the bounded or estimated count shows once, beside the page links.
        self.full_result_count = count
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.result_list = rows
        # No "show all" and no numbered pages: the template shows the seek links instead.
        self.can_show_all = False
        self.multi_page = False
        self.paginator = None
        self.keyset = {
            "first": self.get_query_string() if has_previous else None,
            "previous": (
                self.get_query_string({BEFORE_VAR: getattr(rows[0], field)})
                if has_previous and rows
                else None
            ),
            "next": (
                self.get_query_string({AFTER_VAR: getattr(rows[-1], field)})
                if has_next and rows
                else None
            ),
            "last": self.get_query_string({LAST_VAR: "1"}) if has_next else None,
        }

    def _count(self, queryset: QuerySet) -> tuple[int, str]:
        """The count and how to show it: exact, bounded ("1,000 or more") or estimated."""
        estimate = estimated_row_count(queryset)
        if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
            shown = number_format(estimate, force_grouping=True)
            return estimate, str(COUNT_ABOUT % {"count": shown})
        # A broad search (one character) is counted in the list's own order: the number index
        # yields the first 1,001 matches (unordered, the planner would scan the table for
        # them). Any other is counted unordered: its index finds few rows, a bitmap scan stops
        # after 1,001, and an ORDER BY would first sort every match.
        counted = queryset.order_by()
        if not self.query or selectors.customer_search_is_broad(self.query):
            counted = queryset.order_by(self.keyset_field)
        bounded = counted[: COUNT_BOUND + 1].count()
        if bounded > COUNT_BOUND:
            shown = number_format(COUNT_BOUND, force_grouping=True)
            return bounded, str(COUNT_AT_LEAST % {"count": shown})
        return bounded, ngettext("%(count)s result", "%(count)s results", bounded) % {
            "count": number_format(bounded, force_grouping=True)
        }
