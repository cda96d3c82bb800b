"""Admin for letters, letter templates and deadline alerts: thin, every write through a service.

Letters are downloaded only through `LetterAdmin.download_view` (permission-checked, attachment,
never a public URL). Templates are versioned: saving a template creates a new version through
`letter_template_publish`; old versions stay, read-only. The preview renders a sample PDF from
demo data without saving anything.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm_log.models import StateLog
from PIL import Image

from .letters import alerts as alert_services
from .letters import services as letter_services
from .letters.context import sample_context
from .letters.rendering import (
    LetterFontMissing,
    LetterGlyphMissing,
    missing_glyphs,
    render_letter_html,
    render_preview_pdf,
    seal_data_uri,
)
from .letters.selectors import letter_file_stem
from .letters.tasks import deadline_alerts_scan_task
from .models import DeadlineAlert, DeadlineExtension, Letter, LetterKind, LetterTemplate, Outcome
from .services.workflow import transition_label
from .views import _private_attachment

logger = logging.getLogger(__name__)

TEMPLATE_INVALID = _("The template cannot be rendered: %(error)s")
TEMPLATE_OLD_VERSION = _(
    "This is not the current version of the template. Open the current version to edit it, "
    "or restore this one as a new version."
)
LETTER_FILE_MISSING = _("This letter has no PDF yet.")
SCAN_QUEUED = _("The deadline scan was queued; alerts appear within a minute.")
SCAN_RAN = _(
    "The task queue is unreachable, so the deadline scan ran here: %(raised)s new alerts, "
    "%(emailed)s e-mails sent."
)
PREVIEW_OUTCOMES = [
    Outcome.FULFILLED,
    Outcome.PARTLY_FULFILLED,
    Outcome.ALTERNATIVE_MEASURE,
]
# Rendering errors a manager's template can cause (a bad tag, a missing include, a filter fed
# the wrong kind of value): shown on the form, never a server error.
TEMPLATE_ERRORS = (
    TemplateSyntaxError,
    TemplateDoesNotExist,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _pdf_response(pdf: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- letter templates --------------------------------------------------------------------------
SEAL_MAX_BYTES = 512 * 1024
SEAL_MAX_PIXELS = 2000
SEAL_NOT_PNG = _("The company seal must be a PNG image.")
SEAL_TOO_LARGE = _(
    "The company seal may be at most 512 KB and 2,000 × 2,000 pixels (a seal prints 18 mm wide)."
)


def validate_seal_image(upload: UploadedFile) -> None:
    """A PNG, small, that parses: what a letter embeds must be an image and nothing else."""
    if upload.size > SEAL_MAX_BYTES:
        raise forms.ValidationError(SEAL_TOO_LARGE)
    head = upload.read(8)
    upload.seek(0)
    if head != b"\x89PNG\r\n\x1a\n":
        raise forms.ValidationError(SEAL_NOT_PNG)
    try:
        with Image.open(upload) as image:
            width, height = image.size
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise forms.ValidationError(SEAL_NOT_PNG) from exc
    finally:
        upload.seek(0)
    if width > SEAL_MAX_PIXELS or height > SEAL_MAX_PIXELS:
        raise forms.ValidationError(SEAL_TOO_LARGE)


def _seal_change(value):
    """The form's seal field → the publish service's `seal`: a new upload, False (cleared) or
    None (unchanged)."""
    if value is False:
        return False
    return value if isinstance(value, UploadedFile) else None


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["kind", "request_type", "language", "date_style", "seal_image", "subject", "body"]
        widgets = {
            "subject": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 30, "cols": 110, "class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An edit that does not mention the date style keeps the Western year (the default).
        # (Read-only pages build the form without it.)
        if "date_style" in self.fields:
            self.fields["date_style"].required = False

    def clean_seal_image(self):
        seal = self.cleaned_data.get("seal_image")
        if isinstance(seal, UploadedFile):
            validate_seal_image(seal)
        return seal

    def clean_date_style(self) -> str:
        return self.cleaned_data.get("date_style") or LetterTemplate.DateStyle.WESTERN

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not (
            LetterTemplate.objects.filter(pk=self.instance.pk, is_current=True).exists()
        ):
            raise forms.ValidationError(TEMPLATE_OLD_VERSION)
        kind = cleaned.get("kind") or self.instance.kind
        language = cleaned.get("language") or self.instance.language
        request_type = cleaned.get("request_type", self.instance.request_type) or ""
        subject, body = cleaned.get("subject"), cleaned.get("body")
        if kind and language and subject is not None and body is not None:
            # Render against the sample data of every outcome the kind can carry, so an error
            # in a branch the sample would not reach is caught now rather than in a letter.
            outcomes = PREVIEW_OUTCOMES if kind == LetterKind.RESPONSE else [""]
            for outcome in outcomes:
                context = sample_context(
                    kind=kind, request_type=request_type, language=language, outcome=outcome
                )
                try:
                    html = render_letter_html(
                        subject_source=subject, body_source=body, context=context
                    )
                    # A character the fonts lack (an emoji pasted into the body) would fail every
                    # letter of this template: refused now, with its code point.
                    missing = missing_glyphs(html)
                    if missing:
                        raise LetterGlyphMissing(missing)
                except (LetterFontMissing, LetterGlyphMissing) as exc:
                    raise forms.ValidationError(str(exc)) from exc
                except TEMPLATE_ERRORS as exc:
                    raise forms.ValidationError(TEMPLATE_INVALID % {"error": exc}) from exc
        return cleaned


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    change_form_template = "admin/requests_app/lettertemplate/change_form.html"
    list_display = [
        "kind",
        "request_type_display",
        "language",
        "version",
        "is_current",
        "created_by",
        "created_at",
    ]
    list_display_links = ["kind"]
    list_filter = ["is_current", "kind", "language", "request_type"]
    list_select_related = ["created_by"]
    search_fields = ["subject", "body"]
    ordering = ["kind", "request_type", "language", "-version"]
    actions = ["restore_version"]

    @admin.display(description=_("request type"), ordering="request_type")
    def request_type_display(self, obj: LetterTemplate) -> str:
        return obj.get_request_type_display() if obj.request_type else gettext("Any type")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # The changelist opens on the current versions; the filter shows the old ones.
        match = request.resolver_match
        if (
            match
            and match.url_name.endswith("changelist")
            and "is_current__exact" not in request.GET
        ):
            return qs.filter(is_current=True)
        return qs

    def get_readonly_fields(self, request, obj=None):
        readonly = ["version", "is_current", "created_by", "created_at"]
        if obj is not None:
            # A new version keeps what it is a version of.
            readonly += ["kind", "request_type", "language"]
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.is_current:
            return False  # old versions are history: read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # letters name the version they used; versions are never deleted

    def save_model(self, request, obj: LetterTemplate, form, change: bool) -> None:
        new = letter_services.letter_template_publish(
            kind=obj.kind,
            request_type=obj.request_type or "",
            language=obj.language,
            subject=obj.subject,
            body=obj.body,
            date_style=obj.date_style,
            seal=_seal_change(form.cleaned_data.get("seal_image")),
            by=request.user,
        )
        # The admin goes on with the new version (its change page, its log entry); the row the
        # form was opened on is left untouched as the previous version.
        obj.pk = obj.id = new.pk
        obj.version, obj.is_current, obj.created_by, obj.created_at = (
            new.version,
            True,
            new.created_by,
            new.created_at,
        )
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            gettext("Saved as version %(version)s.") % {"version": obj.version},
            messages.SUCCESS,
        )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.message_user(
            request,
            gettext("Saved as version %(version)s; the previous version is kept.")
            % {"version": obj.version},
            messages.SUCCESS,
        )
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return self._preview_unsaved(request, object_id)
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context["preview_links"] = self._preview_links(obj)
            extra_context["versions"] = LetterTemplate.objects.filter(
                kind=obj.kind, request_type=obj.request_type, language=obj.language
            ).select_related("created_by")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_links(self, obj: LetterTemplate) -> list[tuple[str, str]]:
        url = reverse("admin:requests_app_lettertemplate_preview", args=[obj.pk])
        if obj.kind != LetterKind.RESPONSE:
            return [(gettext("Preview (sample PDF)"), url)]
        return [
            (
                gettext("Preview: %(outcome)s") % {"outcome": Outcome(outcome).label},
                f"{url}?outcome={outcome}",
            )
            for outcome in PREVIEW_OUTCOMES
        ]

    def _preview_unsaved(self, request, object_id):
        """The preview button on the form: a PDF of what is typed, nothing saved."""
        obj = self.get_object(request, object_id) if object_id else None
        if obj is None and not self.has_add_permission(request):
            raise PermissionDenied
        if obj is not None and not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, instance=obj)
        # Read-only fields are not in the form: take them from the stored version.
        if not form.is_valid():
            errors = "; ".join(
                str(message) for message_list in form.errors.values() for message in message_list
            )
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        data = form.cleaned_data
        return self._render_preview(
            subject=data["subject"],
            body=data["body"],
            kind=data.get("kind") or obj.kind,
            request_type=data.get("request_type", obj.request_type if obj else "") or "",
            language=data.get("language") or obj.language,
            outcome="",
            date_style=data.get("date_style") or "",
        )

    def _render_preview(
        self, *, subject, body, kind, request_type, language, outcome, date_style="", seal=""
    ):
        rendered = render_preview_pdf(
            subject=subject,
            body=body,
            kind=kind,
            request_type=request_type,
            language=language,
            outcome=outcome,
            wareki_dates=date_style == LetterTemplate.DateStyle.WAREKI,
            seal=seal,
        )
        return _pdf_response(rendered.pdf, f"preview-{kind}-{language}.pdf", attachment=False)

    def preview_view(self, request, object_id):
        template = get_object_or_404(LetterTemplate, pk=object_id)
        if not self.has_view_or_change_permission(request, template):
            raise PermissionDenied
        outcome = request.GET.get("outcome", "")
        if outcome not in Outcome.values:
            outcome = ""
        try:
            return self._render_preview(
                subject=template.subject,
                body=template.body,
                kind=template.kind,
                request_type=template.request_type,
                language=template.language,
                outcome=outcome,
                date_style=template.date_style,
                seal=seal_data_uri(template),
            )
        except TEMPLATE_ERRORS as exc:
            return HttpResponse(
                TEMPLATE_INVALID % {"error": exc},
                status=400,
                content_type="text/plain; charset=utf-8",
            )

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="requests_app_lettertemplate_preview",
            ),
        ]
        return urls + super().get_urls()

    @admin.action(
        permissions=["add"],  # offered only to those who may publish templates (managers)
        description=_("Restore the selected versions as new current versions"),
    )
    def restore_version(self, request, queryset):
        if not self.has_add_permission(request):
            raise PermissionDenied
        restored = 0
        for old in queryset.filter(is_current=False).order_by("pk"):
            letter_services.letter_template_publish(
                kind=old.kind,
                request_type=old.request_type,
                language=old.language,
                subject=old.subject,
                body=old.body,
                date_style=old.date_style,
                seal=old.seal_image.name or False,
                by=request.user,
            )
            restored += 1
        if restored:
            self.message_user(
                request,
                gettext("%(count)s versions restored as new current versions.")
                % {"count": restored},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("Only old versions can be restored."), messages.WARNING
            )


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
    fields = [
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
    ]
    readonly_fields = fields

    @admin.display(description=_("request"), ordering="request__reference")
    def request_link(self, obj: Letter) -> str:
        if obj.request_id is None:
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
        return f"v{obj.template.version}" if obj.template_id else "—"

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


class LetterInline(admin.TabularInline):
    """The request's letters, read-only, with their PDF links (for the request admin page)."""

    model = Letter
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "language", "status", "template_version", "download", "created_at", "sent_at"]
    readonly_fields = fields
    ordering = ["-created_at"]

    @admin.display(description=_("template version"))
    def template_version(self, obj: Letter) -> str:
        return f"v{obj.template.version}" if obj.template_id else "—"

    @admin.display(description=_("PDF"))
    def download(self, obj: Letter) -> str:
        if not obj.file:
            return "—"
        url = reverse("admin:requests_app_letter_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download PDF"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only here: letters are sent from their own page


class DeadlineAlertInline(admin.TabularInline):
    """The request's deadline alerts, read-only (for the request admin page)."""

    model = DeadlineAlert
    extra = 0
    can_delete = False
    fields = ["level", "due_date", "assignee", "raised_at", "emailed_at", "dismissed_at"]
    readonly_fields = fields
    ordering = ["-raised_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- deadline alerts ---------------------------------------------------------------------------
@admin.register(DeadlineAlert)
class DeadlineAlertAdmin(admin.ModelAdmin):
    change_list_template = "admin/requests_app/deadlinealert/change_list.html"
    list_display = [
        "request_link",
        "level",
        "due_date",
        "assignee",
        "raised_at",
        "emailed_at",
        "dismissed_at",
    ]
    list_filter = ["level", ("dismissed_at", admin.EmptyFieldListFilter), "due_date"]
    list_select_related = ["request", "assignee"]
    search_fields = ["request__reference"]
    date_hierarchy = "raised_at"
    fields = [*list_display, "managers_notified_on"]
    readonly_fields = fields

    @admin.display(description=_("request"), ordering="request__reference")
    def request_link(self, obj: DeadlineAlert) -> str:
        url = reverse("admin:requests_app_disclosurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    def has_add_permission(self, request) -> bool:
        return False  # alerts are raised by the scan

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Refreshed on read: the rows due by today's levels are raised before the list is
        # shown, so it never lags the dashboard's live overdue count until the hourly scan.
        # Raising, not computing a list on the fly, because the rows carry what a computed list
        # could not: dismissals and the e-mails' exactly-once bookkeeping (the scan still sends
        # the e-mails). Idempotent (the unique constraint), one indexed query when nothing is
        # missing.
        alert_services.deadline_alerts_raise()
        extra_context = extra_context or {}
        extra_context["can_run_scan"] = self.has_change_permission(request)
        return super().changelist_view(request, extra_context)

    def scan_view(self, request):
        """Run the deadline scan now: queued for a worker, or here if the broker is down."""
        if not self.has_change_permission(request):
            raise PermissionDenied

        try:
            deadline_alerts_scan_task.delay()
        except letter_services.BROKER_ERRORS:
            # The scan is idempotent and cheap: running it in this request is safe.
            result = alert_services.deadline_alerts_scan()
            self.message_user(
                request,
                SCAN_RAN % {"raised": result.raised, "emailed": result.emailed},
                messages.WARNING,
            )
        else:
            self.message_user(request, SCAN_QUEUED, messages.SUCCESS)
        return HttpResponseRedirect(
            _safe_next(request, reverse("admin:requests_app_deadlinealert_changelist"))
        )

    def dismiss_view(self, request, object_id):
        alert = get_object_or_404(DeadlineAlert, pk=object_id)
        if not self.has_change_permission(request, alert):
            raise PermissionDenied
        try:
            alert_services.deadline_alert_dismiss(alert=alert, by=request.user)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValueError as exc:
            self.message_user(request, str(exc), messages.WARNING)
        return HttpResponseRedirect(_safe_next(request, reverse("admin:index")))

    def get_urls(self):
        site = self.admin_site
        urls = [
            path(
                "scan/",
                site.admin_view(require_POST(self.scan_view)),
                name="requests_app_deadlinealert_scan",
            ),
            path(
                "<int:object_id>/dismiss/",
                site.admin_view(require_POST(self.dismiss_view)),
                name="requests_app_deadlinealert_dismiss",
            ),
        ]
        return urls + super().get_urls()
