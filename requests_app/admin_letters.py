"""Admin for letters: thin, every write through a service.

Letters are downloaded only through `LetterAdmin.download_view` (permission-checked, attachment,
never a public URL). The templates' admin is in admin_letter_templates.py, the alerts' in
admin_alerts.py, the request page's letter inline in admin_inlines.py.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm_log.models import StateLog

from .letters import services as letter_services
from .letters.selectors import letter_file_stem
from .models import DeadlineExtension, Letter
from .services.workflow import transition_label
from .views import _private_attachment

logger = logging.getLogger(__name__)


LETTER_FILE_MISSING = _("This letter has no PDF yet.")


# --- letters -----------------------------------------------------------------------------------
class MarkSentForm(forms.Form):
    sent_via = forms.ChoiceField(label=_("sent via"), choices=Letter.SentVia.choices)
    tracking_number = forms.CharField(
        label=_("tracking number"), max_length=40, required=False, strip=True
    )


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    change_form_template = "admin/requests_app/letter/change_form.html"
    list_display = [
        "id",
        "request_link",
        "kind",
        "language",
        "status",
        "template_version",
        "page_count",
        "created_at",
        "generated_at",
        "sent_at",
        "sent_via",
    ]
    list_filter = ["status", "kind", "language", "sent_via"]
    list_select_related = ["request", "template"]
    search_fields = ["request__reference", "tracking_number"]
    date_hierarchy = "created_at"
    actions = ["retry_failed", "mark_sent_post", "mark_sent_email"]
    fields = readonly_fields = (
        "request_link",
        "kind",
        "language",
        "template_version",
        "occasion_display",
        "status",
        "error",
        "attempts",
        "download_link",
        "sha256",
        "size",
        "page_count",
        "created_at",
        "queued_at",
        "generated_at",
        "sent_at",
        "sent_via",
        "tracking_number",
        "sent_by",
    )

    @admin.display(description=_("request"), ordering="request__reference")
    def request_link(self, obj: Letter) -> str:
        if obj.request is None:
            # A leak notice (issue 15): addressed to a customer; its occasion names the incident.
            return obj.occasion
        url = reverse("admin:requests_app_disclosurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    @admin.display(description=_("occasion"))
    def occasion_display(self, obj: Letter) -> str:
        """What owed the letter, as the person reads it: the step and when it was taken
        ("書類送付 2026年12月16日 10:05"), not its stable key ("statelog-157")."""
        kind, _sep, key = obj.occasion.partition("-")
        if kind == "statelog" and key.isdigit():
            log = StateLog.objects.filter(pk=int(key)).first()
            if log is not None:
                at = date_format(timezone.localtime(log.timestamp), "DATETIME_FORMAT")
                return f"{transition_label(log.transition)} {at}"
        if kind == "extension" and key.isdigit():
            extension = DeadlineExtension.objects.filter(pk=int(key)).first()
            if extension is not None:
                return gettext("Deadline extended to %(date)s") % {
                    "date": date_format(extension.new_due_date)
                }
        return obj.occasion

    @admin.display(description=_("template version"))
    def template_version(self, obj: Letter) -> str:
        return f"v{obj.template.version}" if obj.template is not None else "—"

    @admin.display(description=_("PDF"))
    def download_link(self, obj: Letter) -> str:
        if not obj.file:
            return "—"
        url = reverse("admin:requests_app_letter_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download PDF"))

    def has_add_permission(self, request) -> bool:
        return False  # letters are owed by transitions, never typed in

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a letter is part of the request's record

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        can_change = self.has_change_permission(request, obj)
        extra_context.update(
            {
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
                "show_delete": False,
                "can_mark_sent": can_change
                and obj is not None
                and obj.status == Letter.Status.GENERATED,
                "can_retry": can_change and obj is not None and obj.status == Letter.Status.FAILED,
                "mark_sent_form": MarkSentForm(),
            }
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def download_view(self, request, object_id):
        if not request.user.has_perm("requests_app.view_letter"):
            raise PermissionDenied
        letter = get_object_or_404(Letter.objects.select_related("request"), pk=object_id)
        if not letter.file:
            raise Http404(LETTER_FILE_MISSING)
        try:
            handle = letter.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(LETTER_FILE_MISSING) from exc
        logger.info("letter %s downloaded by user %s", letter.pk, request.user.pk)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{letter_file_stem(letter=letter)}-{letter.kind}-{letter.language}.pdf",
            content_type="application/pdf",
        )
        return _private_attachment(response)

    def mark_sent_view(self, request, object_id):
        letter = get_object_or_404(Letter, pk=object_id)
        if not self.has_change_permission(request, letter):
            raise PermissionDenied
        change_url = reverse("admin:requests_app_letter_change", args=[letter.pk])
        form = MarkSentForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            letter_services.letter_mark_sent(
                letter=letter,
                by=request.user,
                sent_via=form.cleaned_data["sent_via"],
                tracking_number=form.cleaned_data["tracking_number"],
            )
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, gettext("The letter is marked sent."), messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def retry_view(self, request, object_id):
        letter = get_object_or_404(Letter, pk=object_id)
        if not self.has_change_permission(request, letter):
            raise PermissionDenied
        try:
            letter_services.letter_retry(letter=letter, by=request.user)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, gettext("The letter is queued again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:requests_app_letter_change", args=[letter.pk]))

    def get_urls(self):
        site = self.admin_site
        urls = [
            path(
                "<int:object_id>/download/",
                site.admin_view(self.download_view),
                name="requests_app_letter_download",
            ),
            path(
                "<int:object_id>/mark-sent/",
                site.admin_view(require_POST(self.mark_sent_view)),
                name="requests_app_letter_mark_sent",
            ),
            path(
                "<int:object_id>/retry/",
                site.admin_view(require_POST(self.retry_view)),
                name="requests_app_letter_retry",
            ),
        ]
        return urls + super().get_urls()

    @admin.action(description=_("Retry the selected failed letters"), permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = 0
        for letter in queryset.filter(status=Letter.Status.FAILED):
            letter_services.letter_retry(letter=letter, by=request.user)
            retried += 1
        if retried:
            self.message_user(
                request,
                gettext("%(count)s letters queued again.") % {"count": retried},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, str(letter_services.ONLY_FAILED_RETRY), messages.WARNING)

    def _mark_sent(self, request, queryset, sent_via: str) -> None:
        done, skipped = 0, 0
        for letter in queryset:
            try:
                letter_services.letter_mark_sent(letter=letter, by=request.user, sent_via=sent_via)
                done += 1
            except ValueError:
                skipped += 1
        if done:
            self.message_user(
                request,
                gettext("%(count)s letters marked sent.") % {"count": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext("%(count)s letters skipped: only generated letters can be marked sent.")
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Mark the selected letters sent by post"), permissions=["change"])
    def mark_sent_post(self, request, queryset):
        self._mark_sent(request, queryset, Letter.SentVia.POST)

    @admin.action(description=_("Mark the selected letters sent by e-mail"), permissions=["change"])
    def mark_sent_email(self, request, queryset):
        self._mark_sent(request, queryset, Letter.SentVia.EMAIL)
