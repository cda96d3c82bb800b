"""Admin for letter templates: versioned (saving publishes a new version through
`letter_template_publish`; old versions stay, read-only), checked against the sample data of
every outcome, previewed as a sample PDF from demo data without saving anything."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from .letters import services as letter_services
from .letters.rendering import (
    LetterFontMissing,
    LetterGlyphMissing,
    missing_glyphs,
    render_letter_html,
    render_preview_pdf,
    seal_data_uri,
)
from .letters.samples import sample_context
from .models import LetterKind, LetterTemplate, Outcome

TEMPLATE_INVALID = _("The template cannot be rendered: %(error)s")
TEMPLATE_OLD_VERSION = _(
    "This is not the current version of the template. Open the current version to edit it, "
    "or restore this one as a new version."
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
    if upload.size is None or upload.size > SEAL_MAX_BYTES:
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
