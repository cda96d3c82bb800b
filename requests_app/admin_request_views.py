"""The request page's own pages: a transition's form, uploads, comments, extensions, the
receipt-date correction, the case's rights, and the compilation of the data held.

A mixin of admin_requests.DisclosureRequestAdmin (its URLs); every write goes through a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from common.admin import ModelAdminMixin, form_page
from common.forms import add_service_errors
from consent_app.selectors import customer_candidates

from . import forms, selectors, services, views
from .letters import services as letter_services
from .letters.services import LETTER_WILL_FOLLOW
from .models import DisclosureRequest
from .services import case_letters
from .services import cases as case_services
from .services.workflow import REQUEST_CHANGED, TRANSITION_SERVICES

FORM_TEMPLATE = "admin/requests_app/disclosurerequest/form_page.html"
# The approval's refusals about the draft letter: the page is shown again with the current draft.
DRAFT_ERRORS = frozenset(
    {"draft_changed", "draft_not_ready", "draft_failed", "draft_out_of_date", "four_eyes"}
)


class RequestViewsAdminMixin(ModelAdminMixin):
    """The custom pages of DisclosureRequestAdmin (needs get_object, has_view_permission,
    message_user, draft_urls, approval_context and admin_site)."""

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
