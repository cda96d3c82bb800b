"""Entrusted processors (委託先, APPI Art. 25) and their supervision.

The company must choose an entrustee with care, contract the security measures, and check how it
handles the data, sub-entrustment included. The PPC criticised a carmaker in 2023 for never
auditing an entrusted subsidiary: here each entrustee has a yearly check-sheet, answered and
reviewed by a second person, with due dates, alerts and private evidence.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entrustee(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Sub-entrustment (再委託): the entrustee that entrusted this one; empty = entrusted by us.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("sub-entrusted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_entrustees",
    )
    # A group subsidiary or dealer that is also a recipient elsewhere, if any.
    recipient = models.ForeignKey(
        "consent_app.Recipient",
        verbose_name=_("same company as recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.TextField(_("work entrusted"), blank=True)
    data_items = models.JSONField(_("data items entrusted"), default=list, blank=True)
    # The customer segments entrusted: every customer, or the customers of these dealers.
    all_customers = models.BooleanField(_("all customers"), default=False)
    dealers = models.ManyToManyField(
        "consent_app.Recipient",
        verbose_name=_("customers of these dealers"),
        blank=True,
        related_name="+",
        limit_choices_to={"category": "dealer"},
    )
    contract_reference = models.CharField(_("contract reference"), max_length=60, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    contract_ends_on = models.DateField(_("contract ends on"), null=True, blank=True)
    security_clauses = models.TextField(_("security clauses of the contract"), blank=True)
    check_interval_months = models.PositiveSmallIntegerField(
        _("check-sheet every (months)"), default=12
    )
    next_check_due = models.DateField(_("next check-sheet due"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entrustee")
        verbose_name_plural = _("entrustees")
        ordering = ["name"]
        indexes = [
            # Dashboard: active entrustees whose check is due.
            models.Index(
                fields=["next_check_due"],
                name="entrustee_check_due_idx",
                condition=models.Q(active=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def chain(self) -> list[Entrustee]:
        """From us to this entrustee: the sub-entrustment chain (loops are refused on save)."""
        path: list[Entrustee] = []
        node: Entrustee | None = self
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            path.append(node)
            node = node.parent
        return list(reversed(path))


class ControlCategory(models.TextChoices):
    """Grouped like the PPC guideline's security control measures (通則編 10, 別添)."""

    BASIC_POLICY = "basic_policy", _("Basic policy (基本方針)")
    RULES = "rules", _("Handling rules (取扱規程)")
    ORGANISATIONAL = "organisational", _("Organisational measures (組織的安全管理措置)")
    HUMAN = "human", _("Human measures (人的安全管理措置)")
    PHYSICAL = "physical", _("Physical measures (物理的安全管理措置)")
    TECHNICAL = "technical", _("Technical measures (技術的安全管理措置)")
    EXTERNAL = "external", _("External environment (外的環境の把握)")
    SUB_ENTRUSTMENT = "sub_entrustment", _("Sub-entrustment (再委託)")


class CheckQuestion(models.Model):
    """A question of the yearly check-sheet, kept by managers."""

    category = models.CharField(_("category"), max_length=20, choices=ControlCategory.choices)
    text_ja = models.TextField(_("question (Japanese)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("check-sheet question")
        verbose_name_plural = _("check-sheet questions")
        ordering = ["category", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.text_ja[:60]


class SupervisionCheck(models.Model):
    """One check-sheet of one entrustee: opened (due), answered, reviewed by someone else."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for answers")
        ANSWERED = "answered", _("Answered, waiting for review")
        REVIEWED = "reviewed", _("Reviewed")

    class Result(models.TextChoices):
        SATISFACTORY = "satisfactory", _("Satisfactory")
        ACTION_REQUIRED = "action_required", _("Action required")

    entrustee = models.ForeignKey(
        Entrustee, verbose_name=_("entrustee"), on_delete=models.PROTECT, related_name="checks"
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, editable=False
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answers recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, blank=True, editable=False
    )
    review_notes = models.TextField(_("review notes"), blank=True, editable=False)

    class Meta:
        verbose_name = _("check-sheet")
        verbose_name_plural = _("check-sheets")
        ordering = ["-due_on"]
        permissions = [("review_supervisioncheck", _("Can review an entrustee's check-sheet"))]
        indexes = [
            # Alert scan and dashboard: check-sheets not yet reviewed, by due date.
            models.Index(
                fields=["due_on"],
                name="check_pending_due_idx",
                condition=models.Q(state__in=["open", "answered"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entrustee} ({self.due_on:%Y-%m-%d})"


class CheckAnswer(models.Model):
    """The answer to one question; the question's text is copied so later edits change nothing."""

    class Answer(models.TextChoices):
        UNANSWERED = "", _("Not answered")
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    check_sheet = models.ForeignKey(
        SupervisionCheck,
        verbose_name=_("check-sheet"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    question = models.ForeignKey(
        CheckQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=20, choices=ControlCategory.choices)
    question_text = models.TextField(_("question asked"))
    answer = models.CharField(_("answer"), max_length=3, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("check-sheet answer")
        verbose_name_plural = _("check-sheet answers")
        ordering = ["category", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["check_sheet", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.check_sheet_id}: {self.question_text[:40]}"


def _evidence_name(instance, filename: str) -> str:
    # A random name (the extension kept): an uploaded name may carry a person's name.
    suffix = filename.rsplit(".", 1)[-1][:4] if "." in filename else "bin"
    return f"supervision-evidence/{uuid.uuid4().hex}.{suffix}"


class CheckEvidence(models.Model):
    """A document the entrustee sent for a check-sheet, kept privately (no public URL)."""

    check_sheet = models.ForeignKey(
        SupervisionCheck,
        verbose_name=_("check-sheet"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    description = models.CharField(_("description"), max_length=200)
    file = models.FileField(_("file"), upload_to=_evidence_name, editable=False)
    content_type = models.CharField(_("content type"), max_length=40, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-sheet evidence")
        verbose_name_plural = _("check-sheet evidence")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.description
