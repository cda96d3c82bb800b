"""Letters: their templates (versioned), the letters themselves, the response's drafts, and the
deadline alerts. models.py imports this module at its end (Django registers the models with the
app; `from requests_app.models import Letter` keeps working)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import DisclosureRequest, RequestType

LETTER_LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]


class LetterKind(models.TextChoices):
    REQUEST_FORM = "request_form", _("Request form and instructions")
    MORE_DOCUMENTS = "more_documents", _("Request for more documents")
    EXTENSION_NOTICE = "extension_notice", _("Deadline extension notice")
    RESPONSE = "response", _("Response")
    REFUSAL = "refusal", _("Refusal with reasons")
    NO_DATA_HELD = "no_data_held", _("No data held")
    # One letter answering every right of a case (issue 13), each with its own outcome.
    CASE_RESPONSE = "case_response", _("Response to every right of the case")
    # To a person whose data a reportable leak involved (Art. 26(2)); addressed to the customer,
    # not to a request (incidents_app queues them).
    INCIDENT_NOTICE = "incident_notice", _("Leak notice to the person (Art. 26(2))")


class LetterTemplate(models.Model):
    """A versioned letter template: every save is a new row; letters name the version they used.

    Templates for responses are per request type (`request_type` empty: any type).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    request_type = models.CharField(
        _("request type"), max_length=24, choices=RequestType.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=2, choices=LETTER_LANGUAGES)
    version = models.PositiveIntegerField(_("version"), editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body (Django template)"))

    class DateStyle(models.TextChoices):
        WESTERN = "western", _("Western year (2026年12月16日)")
        WAREKI = "wareki", _("Japanese era (令和8年12月16日)")

    # How the Japanese letters of this template write dates (the `jdate` filter and the date line);
    # English letters always write 16 December 2026.
    date_style = models.CharField(
        _("date style"), max_length=10, choices=DateStyle.choices, default=DateStyle.WESTERN
    )
    # The company seal (角印) printed over the sender's name: a PNG in private storage, carried
    # over to each new version of the template until a manager replaces or removes it.
    seal_image = models.FileField(_("company seal (PNG)"), upload_to="letter-seals/", blank=True)
    is_current = models.BooleanField(_("current"), default=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "request_type", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "request_type", "language", "version"],
                name="lettertemplate_unique_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "request_type", "language"],
                condition=models.Q(is_current=True),
                name="lettertemplate_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_language_display()}) v{self.version}"


class Letter(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        GENERATED = "generated", _("Generated")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class SentVia(models.TextChoices):
        POST = "post", _("Post")
        EMAIL = "email", _("E-mail")

    # A letter answers a request, or (leak notices, issue 15) is addressed to a customer directly.
    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    customer = models.ForeignKey(
        "consent_app.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    # Choices for the label on screen (日本語, not "ja"); the code is what the templates key on.
    language = models.CharField(_("language"), max_length=2, choices=LETTER_LANGUAGES)
    template = models.ForeignKey(
        LetterTemplate,
        verbose_name=_("template version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    # The approved draft this letter is (issue 12): its bytes are the draft's final PDF.
    draft = models.ForeignKey(
        "LetterDraft",
        verbose_name=_("approved draft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    # What owed this letter (e.g. the transition log id): generating twice never yields two.
    occasion = models.CharField(_("occasion"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # Set when publishing its render task failed (broker down or frozen): the next sweep
    # publishes it again at once instead of waiting REQUEUE_AFTER (issue 20).
    unpublished_since = models.DateTimeField(
        _("render not published since"), null=True, blank=True, editable=False
    )
    # The render that claimed it (issue 17): committed before the render starts, cleared when
    # it ends; the render finishes only while the claim is still its own. A claim is alive while
    # its worker's session holds the letter's render lock (requests_app.letters.claims).
    # db_default: raw INSERTs (the incident notices' bulk queueing) name their columns.
    claim = models.CharField(
        _("render claim"), max_length=32, blank=True, default="", db_default="", editable=False
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=8, choices=SentVia.choices, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "occasion"], name="letter_unique_occasion"
            ),
            # A letter to a customer without a request (a leak notice): once per occasion
            # (the incident), so queueing the notices twice never sends a person two.
            # Led by the occasion, it also serves the incident page's and the publisher's
            # lookups of an incident's notices.
            models.UniqueConstraint(
                fields=["occasion", "kind", "customer"],
                condition=models.Q(request__isnull=True),
                name="letter_unique_customer_occasion",
            ),
            models.CheckConstraint(
                condition=models.Q(request__isnull=False) | models.Q(customer__isnull=False),
                name="letter_has_addressee",
            ),
        ]
        indexes = [
            # Re-queue sweep: letters still queued after a few minutes.
            models.Index(
                fields=["queued_at"], name="letter_queued_idx", condition=models.Q(status="queued")
            ),
            models.Index(fields=["created_at"], name="letter_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LetterDraft(models.Model):
    """One revision of a response letter's draft (issue 12): what staff wrote in the free-text
    parts the template declares, who and when (append-only), and the two PDFs rendered from it:
    the watermarked preview staff read and the final bytes an approver approves and the person
    receives. A drafting round (one `draft_response` step) has revisions 1, 2, …; the newest of
    the request's latest round is the current draft.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being rendered")
        RENDERED = "rendered", _("Rendered")
        FAILED = "failed", _("Failed")

    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="letter_drafts",
    )
    # The draft_response step (its transition log id) this revision belongs to.
    round = models.PositiveIntegerField(_("drafting round"))
    revision = models.PositiveIntegerField(_("revision"))
    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LETTER_LANGUAGES)
    template = models.ForeignKey(
        LetterTemplate,
        verbose_name=_("template version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Part name → the text staff wrote; a part not named here prints the template's default.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    # The part this revision changed ("" for the first revision of a round, or a re-dating).
    part = models.CharField(_("part edited"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("edited at"), auto_now_add=True)
    # The render (by a worker): the final PDF (no watermark) and the watermarked preview.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    # [[part, default text], …] in the letter's order, as this render printed them (the text
    # the editor starts from).
    part_defaults = models.JSONField(_("default texts"), default=list, blank=True)
    file = models.FileField(_("final PDF"), upload_to="letter-drafts/", blank=True)
    sha256 = models.CharField(_("SHA-256 of the final PDF"), max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    preview_file = models.FileField(_("draft PDF"), upload_to="letter-drafts/", blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # A case's letter (issue 13): the rights it answers as they stood when it was drafted
    # ([id, last change] each); the draft is current only while they still stand so.
    case_rights = models.JSONField(_("rights answered"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("letter draft")
        verbose_name_plural = _("letter drafts")
        ordering = ["request", "-round", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round", "revision"], name="letterdraft_unique_revision"
            ),
        ]
        triggers = [
            # The edit history is append-only: what was written, by whom and when never changes
            # and no revision is deleted (the render and the approval fill in their own columns).
            pgtrigger.ReadOnly(
                name="letterdraft_edit_read_only",
                fields=[
                    "request",
                    "round",
                    "revision",
                    "texts",
                    "part",
                    "created_by",
                    "created_at",
                ],
            ),
            pgtrigger.Protect(name="letterdraft_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} draft {self.round}.{self.revision}"


class DeadlineAlert(models.Model):
    class Level(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within 3 days")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")

    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    due_date = models.DateField(_("due date"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deadline_alerts",
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Overdue only: the day the managers' daily digest last listed this request.
    managers_notified_on = models.DateField(_("managers notified on"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline alert")
        verbose_name_plural = _("deadline alerts")
        ordering = ["-raised_at"]
        constraints = [
            # Each level once per request and due date (an extension re-arms the alerts).
            models.UniqueConstraint(
                fields=["request", "level", "due_date"], name="alert_once_per_level"
            ),
        ]
        indexes = [
            # Admin home: the user's open alerts.
            models.Index(fields=["assignee", "dismissed_at"], name="alert_assignee_idx"),
            # Alert scan: alerts still to e-mail (a failed send is retried by the next scan).
            models.Index(
                fields=["raised_at"],
                name="alert_unemailed_idx",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({date_format(self.due_date)})"
