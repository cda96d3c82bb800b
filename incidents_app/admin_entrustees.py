"""The entrustee register and its supervision cycle in the admin (thin pages over the services)."""

from __future__ import annotations

import logging

from django import forms as django_forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin, form_page
from common.forms import add_service_errors
from requests_app.views import _private_attachment

from . import forms
from .models import CheckAnswer, CheckEvidence, CheckQuestion, Entrustee, SupervisionCheck
from .services import entrustees as services

logger = logging.getLogger(__name__)

# The generic one-form page (the consent_app pages use it too).
FORM_TEMPLATE = "admin/consent_app/form_page.html"
EVIDENCE_MISSING = _("The evidence file is not available.")


def private_file_response(file, *, filename: str, content_type: str, missing) -> FileResponse:
    """A stored private file as a download that no browser renders or caches."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(missing) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    return _private_attachment(response)


def _form_page(model_admin, request, original, form, title, submit, multipart=False):
    return form_page(
        request,
        model_admin,
        form,
        template=FORM_TEMPLATE,
        title=title,
        submit=submit,
        original=original,
        multipart=multipart,
    )


class EntrusteeForm(django_forms.ModelForm):
    class Meta:
        model = Entrustee
        fields = [
            "name",
            "address",
            "recipient",
            "active",
            "parent",
            "purpose",
            "data_items",
            "all_customers",
            "dealers",
            "contract_reference",
            "contract_signed_on",
            "contract_ends_on",
            "security_clauses",
            "check_interval_months",
            "next_check_due",
        ]

    def clean(self):
        data = super().clean()
        services.entrustee_validate_parent(entrustee=self.instance, parent=data.get("parent"))
        return data


@admin.register(Entrustee)
class EntrusteeAdmin(admin.ModelAdmin):
    form = EntrusteeForm
    change_form_template = "admin/incidents_app/entrustee/change_form.html"
    list_display = [
        "name",
        "parent",
        "all_customers",
        "contract_ends_on",
        "next_check_due",
        "active",
    ]
    list_filter = ["active", "all_customers"]
    list_select_related = ["parent"]
    search_fields = ["name", "contract_reference"]
    filter_horizontal = ["dealers"]
    readonly_fields = ["chain_display"]
    fieldsets = [
        (None, {"fields": ["name", "address", "recipient", "active"]}),
        (_("Sub-entrustment"), {"fields": ["parent", "chain_display"]}),
        (_("What is entrusted"), {"fields": ["purpose", "data_items", "all_customers", "dealers"]}),
        (
            _("Contract"),
            {
                "fields": [
                    "contract_reference",
                    "contract_signed_on",
                    "contract_ends_on",
                    "security_clauses",
                ]
            },
        ),
        (_("Supervision"), {"fields": ["check_interval_months", "next_check_due"]}),
    ]

    @admin.display(description=_("chain from us"))
    def chain_display(self, obj: Entrustee) -> str:
        if obj.pk is None:
            return "—"
        return " → ".join([gettext("us"), *(e.name for e in obj.chain())])

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the register keeps past entrustees (inactive), as incidents name them

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_open_check"] = request.user.has_perm(
            "incidents_app.add_supervisioncheck"
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/open-check/",
                self.admin_site.admin_view(self.open_check_view),
                name="incidents_app_entrustee_open_check",
            ),
            *super().get_urls(),
        ]

    def open_check_view(self, request, object_id):
        entrustee = self.get_object(request, unquote(object_id))
        if entrustee is None or not request.user.has_perm("incidents_app.add_supervisioncheck"):
            raise PermissionDenied
        form = forms.OpenCheckForm(
            request.POST or None, initial={"due_on": entrustee.next_check_due}
        )
        if request.method == "POST" and form.is_valid():
            try:
                check = services.supervision_check_open(
                    entrustee=entrustee, by=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, gettext("Check-sheet opened."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:incidents_app_supervisioncheck_change", args=[check.pk])
                )
        title = f"{entrustee}: {gettext('Open a check-sheet')}"
        return _form_page(self, request, entrustee, form, title, gettext("Open a check-sheet"))


@admin.register(CheckQuestion)
class CheckQuestionAdmin(admin.ModelAdmin):
    list_display = ["text_ja", "category", "sort_order", "active"]
    list_filter = ["category", "active"]
    list_editable = ["sort_order", "active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # answered sheets name their questions: retire one with "active"


class AnswerInline(admin.TabularInline):
    model = CheckAnswer
    extra = 0
    can_delete = False
    fields = ["category", "question_text", "answer", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EvidenceInline(admin.TabularInline):
    model = CheckEvidence
    extra = 0
    can_delete = False
    fields = ["description", "download", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj: CheckEvidence) -> str:
        url = reverse("admin:incidents_app_checkevidence_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupervisionCheck)
class SupervisionCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/incidents_app/supervisioncheck/change_form.html"
    list_display = ["entrustee", "due_on", "state", "result", "reviewed_at"]
    list_filter = ["state", "result"]
    list_select_related = ["entrustee"]
    search_fields = ["entrustee__name"]
    inlines = [AnswerInline, EvidenceInline]
    fields = [
        "entrustee",
        "due_on",
        "state",
        "opened_by",
        "opened_at",
        "answered_by",
        "answered_at",
        "reviewed_by",
        "reviewed_at",
        "result",
        "review_notes",
    ]
    readonly_fields = fields

    def get_actions(self, request):
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        user = request.user
        extra_context = extra_context or {}
        pending = obj is not None and obj.state != SupervisionCheck.State.REVIEWED
        extra_context.update(
            {
                "can_answer": pending and user.has_perm("incidents_app.change_supervisioncheck"),
                "can_review": obj is not None
                and obj.state == SupervisionCheck.State.ANSWERED
                and user.has_perm("incidents_app.review_supervisioncheck"),
                "can_attach": obj is not None and user.has_perm("incidents_app.add_checkevidence"),
            }
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/answer/",
                wrap(self.answer_view),
                name="incidents_app_supervisioncheck_answer",
            ),
            path(
                "<path:object_id>/review/",
                wrap(self.review_view),
                name="incidents_app_supervisioncheck_review",
            ),
            path(
                "<path:object_id>/evidence/",
                wrap(self.evidence_view),
                name="incidents_app_supervisioncheck_evidence",
            ),
            *super().get_urls(),
        ]

    def _get(self, request, object_id, perm: str) -> SupervisionCheck:
        check = self.get_object(request, unquote(object_id))
        if check is None or not request.user.has_perm(perm):
            raise PermissionDenied
        return check

    def _done(self, request, check, message):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:incidents_app_supervisioncheck_change", args=[check.pk])
        )

    def answer_view(self, request, object_id):
        check = self._get(request, object_id, "incidents_app.change_supervisioncheck")
        form = forms.AnswersForm(request.POST or None, check=check)
        if request.method == "POST" and form.is_valid():
            try:
                services.supervision_check_answer(
                    check=check, by=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self._done(request, check, gettext("Answers recorded."))
        title = f"{check}: {gettext('Record the answers')}"
        return _form_page(self, request, check, form, title, gettext("Record the answers"))

    def review_view(self, request, object_id):
        check = self._get(request, object_id, "incidents_app.review_supervisioncheck")
        form = forms.ReviewCheckForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.supervision_check_review(
                    check=check, by=request.user, **form.service_kwargs()
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self._done(request, check, gettext("Check-sheet reviewed."))
        title = f"{check}: {gettext('Review')}"
        return _form_page(self, request, check, form, title, gettext("Review"))

    def evidence_view(self, request, object_id):
        check = self._get(request, object_id, "incidents_app.add_checkevidence")
        form = forms.EvidenceForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.check_evidence_attach(
                    check=check, by=request.user, **form.service_kwargs()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self._done(request, check, gettext("Evidence attached."))
        title = f"{check}: {gettext('Attach evidence')}"
        return _form_page(
            self, request, check, form, title, gettext("Attach evidence"), multipart=True
        )


@admin.register(CheckEvidence)
class CheckEvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["description", "check_sheet", "content_type", "size", "uploaded_at"]
    list_select_related = ["check_sheet", "check_sheet__entrustee"]
    fields = ["check_sheet", "description", "content_type", "size", "sha256", "uploaded_by"]
    readonly_fields = fields

    def get_actions(self, request):
        return {}

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="incidents_app_checkevidence_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id):
        if not request.user.has_perm("incidents_app.view_checkevidence"):
            raise PermissionDenied
        evidence = get_object_or_404(CheckEvidence, pk=object_id)
        logger.info("evidence %s downloaded by user %s", evidence.pk, request.user.pk)
        extension = evidence.file.name.rsplit(".", 1)[-1]
        return private_file_response(
            evidence.file,
            filename=f"evidence-{evidence.pk}.{extension}",
            content_type=evidence.content_type,
            missing=EVIDENCE_MISSING,
        )
