"""What consent_app's admins share: the form page of a service, data items shown by name, the
search by customer number, the app's stylesheet."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from common.admin import ModelAdminMixin, form_page

from . import provision
from .normalize import normalize_customer_number

FORM_TEMPLATE = "admin/consent_app/form_page.html"


def consent_form_page(
    request, model_admin, form, title: str | Promise, submit: str | Promise, **extra
) -> TemplateResponse:
    return form_page(
        request, model_admin, form, template=FORM_TEMPLATE, title=title, submit=submit, **extra
    )


class DataItemsLabelsMixin(ModelAdminMixin):
    """A model's `data_items` (a JSON list of item codes) shown as their labels wherever it is
    read-only: the list column and the view-only page read "氏名、住所", never
    ["name", "address"]. Where the user may edit, the form's checkboxes stay."""

    @admin.display(description=_("data items"))
    def data_items_display(self, obj) -> str:
        return provision.data_items_label(obj.data_items)

    def _data_items_read_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._data_items_read_only(request, obj) and "data_items_display" not in fields:
            fields = [field for field in fields if field != "data_items"]
            fields.append("data_items_display")
        return fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self._data_items_read_only(request, obj):
            # Once, where data_items stood (the read-only list also appends it at the end).
            mapped = ["data_items_display" if field == "data_items" else field for field in fields]
            fields = list(dict.fromkeys(mapped))
        return fields


class ExactCustomerSearchMixin(ModelAdminMixin):
    """Search by customer number (exact, any width) or request reference, via the index."""

    search_fields = ("customer__number",)
    search_help_text = _("Customer number")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False

        return queryset.filter(customer__number=normalize_customer_number(term)), False


class ConsentAppMedia:
    css = {"all": ["consent_app/admin.css"]}
