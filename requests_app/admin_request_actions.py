"""The bulk actions of the request list: assign, lapse (each through its service).

A mixin of admin_requests.DisclosureRequestAdmin.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.admin import ModelAdminMixin

from . import forms, services


class RequestBulkActionsMixin(ModelAdminMixin):
    """The list's actions: offered to those who work requests, never "delete selected"."""

    actions = ["bulk_assign", "bulk_lapse"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("requests_app.work_request"):
            actions.pop("bulk_assign", None)
            actions.pop("bulk_lapse", None)
        return actions

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
