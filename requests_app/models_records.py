"""What hangs off a request: the corrections asked for, identity documents and their viewings,
comments, deadline extensions. models.py imports this module at its end (Django registers the
models with the app; `from requests_app.models import IdentityDocument` keeps working)."""

import pgtrigger
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.dates import validate_plausible_date
from consent_app.models import Customer

from .models import DisclosureRequest


class CorrectionItem(models.Model):
    """One field change the person asks for (Art. 34), applied to the customer on fulfilment."""

    class Kind(models.TextChoices):
        AMEND = "amend", _("Amendment")
        ADD = "add", _("Addition")
        DELETE = "delete", _("Deletion")

    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.AMEND)
    field_name = models.CharField(_("field"), max_length=40)
    current_value = models.TextField(_("current value"), blank=True)
    requested_value = models.TextField(_("requested value"), blank=True)
    accepted = models.BooleanField(_("accepted after investigation"), default=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.field_label}"

    @property
    def field_label(self) -> str:
        """The customer field as staff read it (住所 / address), not its code."""

        try:
            field = Customer._meta.get_field(self.field_name)
        except FieldDoesNotExist:
            return self.field_name
        # A relation's reverse side has no verbose name: shown by its code, like an unknown one.
        return str(field.verbose_name) if isinstance(field, models.Field) else self.field_name


DOCUMENT_FORMATS = [
    ("application/pdf", _("PDF")),
    ("image/jpeg", _("JPEG image")),
    ("image/png", _("PNG image")),
]


class IdentityDocument(models.Model):
    class DocumentType(models.TextChoices):
        DRIVERS_LICENCE = "drivers_licence", _("Driver's licence")
        RESIDENCE_CERTIFICATE = "residence_certificate", _("Residence certificate")
        PASSPORT = "passport", _("Passport")
        HEALTH_INSURANCE = "health_insurance", _("Health insurance card")
        MY_NUMBER_CARD = "my_number_card", _("Individual number card (front only)")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
        REPRESENTATION_PROOF = (
            "representation_proof",
            _("Proof of legal representation (e.g. family register extract)"),
        )
        OTHER = "other", _("Other")

    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="identity_documents",
    )
    document_type = models.CharField(
        _("document type"), max_length=24, choices=DocumentType.choices
    )
    for_agent = models.BooleanField(_("agent's document"), default=False)
    file = models.FileField(_("file"), upload_to="identity/", blank=True)
    # Choices for the label on screen (PDF, JPEG 画像), not the MIME type; the upload check
    # (services/documents.py) decides which types exist.
    content_type = models.CharField(
        _("file format"), max_length=64, editable=False, choices=DOCUMENT_FORMATS
    )
    size = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    purged_at = models.DateTimeField(_("file purged at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["-uploaded_at"]
        permissions = [("view_document_file", _("Can view identity document images"))]
        indexes = [
            # bench (issue 8) — documents whose file still waits for its purge
            # (selectors.identity_documents_due_for_purge: the purge task, the dashboard and
            # the ?purge=due list): only the few unpurged ones, not every document ever received.
            models.Index(
                fields=["request"],
                name="iddoc_unpurged_idx",
                condition=models.Q(purged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} #{self.pk}"


class DocumentViewing(models.Model):
    """Every time someone opens an identity document image. Kept after the file is purged."""

    document = models.ForeignKey(
        IdentityDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="viewings",
    )
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document viewing")
        verbose_name_plural = _("document viewings")
        ordering = ["-viewed_at"]
        indexes = [
            # Auditor export of viewings by date.
            models.Index(fields=["viewed_at"], name="docviewing_viewed_idx"),
        ]
        triggers = [
            # Append-only: the record that someone saw an ID document is never changed or
            # removed, not even by a raw SQL statement (PostgreSQL; SQLite has no such trigger).
            pgtrigger.Protect(
                name="documentviewing_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return _("Viewing #%(id)s") % {"id": self.pk}


class RequestComment(models.Model):
    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal comment")
        verbose_name_plural = _("internal comments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Comment #%(id)s") % {"id": self.pk}


class DeadlineExtension(models.Model):
    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    previous_due_date = models.DateField(_("previous due date"))
    new_due_date = models.DateField(_("new due date"), validators=[validate_plausible_date])
    reason = models.TextField(_("reason"))
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extended by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    extended_at = models.DateTimeField(_("extended at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-extended_at"]

    def __str__(self) -> str:
        return f"{date_format(self.previous_due_date)} → {date_format(self.new_due_date)}"
