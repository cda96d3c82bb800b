"""The response letter's draft on the request pages (issue 12): read it, edit its free-text
parts, see its history, and approve the very PDF shown.

A mixin of the request admin (admin_requests.DisclosureRequestAdmin): its URLs, the request page's
draft panel, the part editor and the two PDF views. The PDFs are streamed after the request's own
view permission (the final PDF to managers only: it is what they approve), never from a public
URL. The logic lives in letters/drafts.py.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .letters import drafts
from .models import DisclosureRequest, LetterDraft, RequestState
from .views import _private_attachment

logger = logging.getLogger(__name__)

DRAFT_FILE_MISSING = _("This draft has no PDF (yet).")
EDIT_DONE = _("%(part)s saved: the draft is being rendered again.")
RERENDER_DONE = _("The draft is being rendered again.")


class DraftPartForm(forms.Form):
    base_id = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("text"),
        required=False,
        max_length=drafts.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 90}),
        help_text=_(
            "Plain text as the person will read it: a blank line starts a new paragraph. "
            "Leave it empty to leave this part out of the letter."
        ),
    )


class LetterDraftAdminMixin:
    """Draft views for DisclosureRequestAdmin (needs its _get_for_view, _form_page, _change_url,
    message_user and admin_site)."""

    def draft_urls(self) -> list:
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<path:object_id>/draft/<int:draft_id>/<str:which>.pdf",
                wrap(self.draft_pdf_view),
                name="requests_app_disclosurerequest_draft_pdf",
            ),
            path(
                "<path:object_id>/draft/edit/<str:part>/",
                wrap(self.draft_edit_view),
                name="requests_app_disclosurerequest_draft_edit",
            ),
            path(
                "<path:object_id>/draft/render/",
                wrap(self.draft_rerender_view),
                name="requests_app_disclosurerequest_draft_render",
            ),
        ]

    # --- what the pages show -------------------------------------------------------------------
    def _draft_urls_for(self, obj, draft: LetterDraft) -> dict[str, str]:
        def pdf(which: str) -> str:
            return reverse(
                "admin:requests_app_disclosurerequest_draft_pdf", args=[obj.pk, draft.pk, which]
            )

        return {"preview_url": pdf("draft"), "final_url": pdf("final")}

    def draft_context(self, request, obj: DisclosureRequest) -> dict[str, Any]:
        """The request page's draft panel: the current draft, its parts, its history."""
        draft = drafts.draft_current(request=obj)
        if draft is None:
            return {"letter_draft": None}
        editable = obj.state == RequestState.RESPONSE_DRAFTED and request.user.has_perm(
            "requests_app.work_request"
        )
        parts = []
        # A failed draft stays editable (e.g. a character no font has, in staff's own text).
        if draft.status != LetterDraft.Status.QUEUED:
            try:
                parts = drafts.draft_parts(draft=draft)
            except Exception as exc:  # a broken template: the render shows the error too
                logger.warning("draft %s parts not read (%s)", draft.pk, type(exc).__name__)
        for item in parts:
            item["edit_url"] = reverse(
                "admin:requests_app_disclosurerequest_draft_edit", args=[obj.pk, item["name"]]
            )
        history = [
            {
                "revision": entry.revision,
                "what": drafts.part_label(entry.part)
                if entry.part
                else gettext("Drafted")
                if entry.revision == 1
                else gettext("Rendered again"),
                "by": entry.created_by.get_full_name() or entry.created_by.get_username()
                if entry.created_by is not None
                else "—",
                "at": entry.created_at,
                "status": entry.get_status_display(),
                "approved": entry.approved_at is not None,
            }
            for entry in drafts.draft_history(draft=draft)
        ]
        return {
            "letter_draft": draft,
            "letter_draft_parts": parts,
            "letter_draft_history": history,
            "letter_draft_editable": editable,
            "letter_draft_is_current": obj.state == RequestState.RESPONSE_DRAFTED,
            "letter_draft_render_url": reverse(
                "admin:requests_app_disclosurerequest_draft_render", args=[obj.pk]
            ),
            **self._draft_urls_for(obj, draft),
        }

    def approval_context(self, obj: DisclosureRequest) -> dict[str, Any]:
        """The approval page: the final PDF to be sent and what approving will do."""
        from .services.case_letters import approval_draft_for

        # Its own draft, or the case letter's (on the right carrying the case's reference).
        draft = approval_draft_for(obj)
        context: dict[str, Any] = {
            "approval_actions": drafts.approval_actions(request=obj),
            "approval_draft": draft,
            "today": timezone.localdate(),
            "letter_draft_render_url": reverse(
                "admin:requests_app_disclosurerequest_draft_render",
                args=[(draft.request_id if draft is not None else None) or obj.pk],
            ),
        }
        if draft is not None:
            context.update(self._draft_urls_for(draft.request, draft))
        return context

    # --- views ---------------------------------------------------------------------------------
    def draft_pdf_view(self, request, object_id, draft_id, which):
        obj = self._get_for_view(request, object_id)
        if which not in ("draft", "final"):
            raise Http404
        if which == "final" and not request.user.has_perm("requests_app.approve_response"):
            raise PermissionDenied
        draft = LetterDraft.objects.filter(pk=draft_id, request=obj).first()
        if draft is None:
            raise Http404
        field = draft.file if which == "final" else draft.preview_file
        if not field:
            raise Http404(DRAFT_FILE_MISSING)
        try:
            handle = field.open("rb")
        except FileNotFoundError as exc:
            raise Http404(DRAFT_FILE_MISSING) from exc
        logger.info("letter draft %s (%s) read by user %s", draft.pk, which, request.user.pk)
        response = FileResponse(
            handle,
            as_attachment=False,
            filename=f"{obj.reference}-{which}-{draft.round}-{draft.revision}.pdf",
            content_type="application/pdf",
        )
        return _private_attachment(response)

    def draft_edit_view(self, request, object_id, part):
        obj = self._get_for_view(request, object_id)
        if not request.user.has_perm("requests_app.work_request"):
            raise PermissionDenied
        draft = drafts.draft_current(request=obj)
        if draft is None or obj.state != RequestState.RESPONSE_DRAFTED:
            self.message_user(request, drafts.DRAFT_NOT_EDITABLE, messages.ERROR)
            return HttpResponseRedirect(self._change_url(obj))
        parts = {item["name"]: item for item in drafts.draft_parts(draft=draft)}
        if part not in parts:
            raise Http404
        if request.method == "POST":
            form = DraftPartForm(request.POST)
            if form.is_valid():
                try:
                    drafts.draft_edit(
                        request=obj,
                        by=request.user,
                        part=part,
                        text=form.cleaned_data["text"],
                        base_id=form.cleaned_data["base_id"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(
                        request,
                        EDIT_DONE % {"part": parts[part]["label"]},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._change_url(obj) + "#letter-draft")
        else:
            form = DraftPartForm(initial={"base_id": draft.pk, "text": parts[part]["text"]})
        return self._form_page(
            request,
            obj,
            form,
            title=gettext("%(reference)s: edit the letter — %(part)s")
            % {"reference": obj.reference, "part": parts[part]["label"]},
            submit=gettext("Save"),
        )

    def draft_rerender_view(self, request, object_id):
        obj = self._get_for_view(request, object_id)
        if request.method != "POST" or not (
            request.user.has_perm("requests_app.work_request")
            or request.user.has_perm("requests_app.approve_response")
        ):
            raise PermissionDenied
        try:
            base_id = int(request.POST.get("base_id", ""))
        except ValueError:
            base_id = -1
        try:
            drafts.draft_rerender(request=obj, by=request.user, base_id=base_id)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(request, RERENDER_DONE, messages.SUCCESS)
        return HttpResponseRedirect(
            (
                request.POST.get("next_is_approval")
                and reverse(
                    "admin:requests_app_disclosurerequest_transition",
                    args=[obj.pk, "approve_and_send"],
                )
            )
            or self._change_url(obj) + "#letter-draft"
        )
