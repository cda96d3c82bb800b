"""Leak incidents (APPI Art. 26, PPC Rules Arts 7–10): the register, clocks, people affected.

An incident records when the company learned of it (the PPC's clocks start there), what happened,
the answer to each of the four reporting triggers of Rule 7 with its reason, and the manager's
four-eyes decision that it is (or is not) reportable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.models import DayKind, DeadlineAlert


class IncidentState(models.TextChoices):
    """Allowed transitions (services in incidents_app/services/incidents.py):

    logged → classified_reportable | classified_not_reportable (a manager, four eyes);
    classified_reportable → preliminary_reported → final_reported (a submitted report);
    classified_reportable → final_reported (a final report may also serve as the first);
    final_reported | classified_not_reportable → closed (a manager).
    """

    LOGGED = "logged", _("Logged, not yet classified")
    REPORTABLE = "classified_reportable", _("Reportable (Art. 26)")
    NOT_REPORTABLE = "classified_not_reportable", _("Not reportable")
    PRELIMINARY_REPORTED = "preliminary_reported", _("Preliminary report submitted")
    FINAL_REPORTED = "final_reported", _("Final report submitted")
    CLOSED = "closed", _("Closed")

    @classmethod
    def clock_running(cls) -> list[str]:
        """States in which a PPC report may still be owed (the alert scan's condition)."""
        return [cls.LOGGED, cls.REPORTABLE, cls.PRELIMINARY_REPORTED]


class IncidentKind(models.TextChoices):
    LEAK = "leak", _("Leak (漏えい)")
    LOSS = "loss", _("Loss (滅失)")
    DAMAGE = "damage", _("Damage (毀損)")


class NoticeMethod(models.TextChoices):
    NOT_DECIDED = "", _("Not decided yet")
    INDIVIDUAL = "individual", _("A letter to each person")
    PUBLIC = "public", _("Public announcement (individual notice is difficult)")


class IncidentClockRule(models.Model):
    """The company's clock for leak reports (one row, edited by managers).

    The preliminary report is due "promptly" (PPC Rule 8(1); the guideline reads about 3–5 days):
    our target is a number of working days. The final report is due within 30 days, 60 where
    the unlawful-purpose trigger (Rule 7(iii)) applies (Rule 8(2)). Counted on the company's
    calendar exactly as request deadlines are (requests_app.deadlines).
    """

    preliminary_days = models.PositiveSmallIntegerField(_("preliminary report within"), default=3)
    preliminary_day_kind = models.CharField(
        _("preliminary counted in"),
        max_length=10,
        choices=DayKind.choices,
        default=DayKind.BUSINESS,
    )
    final_days = models.PositiveSmallIntegerField(_("final report within (days)"), default=30)
    final_days_unlawful = models.PositiveSmallIntegerField(
        _("final report within, unlawful purpose (days)"), default=60
    )
    closure_start = models.CharField(
        _("year-end closure starts (MM-DD)"), max_length=5, default="12-29"
    )
    closure_end = models.CharField(
        _("year-end closure ends (MM-DD)"), max_length=5, default="01-03"
    )
    saturday_closed = models.BooleanField(_("closed on Saturdays"), default=True)

    class Meta:
        verbose_name = _("incident clock rule")
        verbose_name_plural = _("incident clock rules")

    def __str__(self) -> str:
        return str(_("Leak report clocks"))


class IncidentCounter(models.Model):
    """The last incident number issued per year (INC-YYYY-NNNN), incremented under a row lock."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("incident counter")
        verbose_name_plural = _("incident counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Incident(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    state = models.CharField(
        _("state"),
        max_length=32,
        choices=IncidentState.choices,
        default=IncidentState.LOGGED,
        editable=False,
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=IncidentKind.choices, default=IncidentKind.LEAK
    )
    # The clock of Rule 8 starts when the company learned of the event (知った時点).
    learned_at = models.DateTimeField(_("the company learned of it at"))
    occurred_on = models.DateField(_("occurred on (if known)"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    title = models.CharField(_("incident title"), max_length=200)
    what_happened = models.TextField(_("what happened"))
    systems = models.TextField(_("systems involved"), blank=True)
    recipients = models.ManyToManyField(
        "consent_app.Recipient",
        verbose_name=_("recipients involved"),
        blank=True,
        related_name="+",
    )
    entrustees = models.ManyToManyField(
        "incidents_app.Entrustee",
        verbose_name=_("entrustees involved"),
        blank=True,
        related_name="incidents",
    )
    data_items = models.TextField(_("data items concerned"), blank=True)
    # Rule 7 proviso: data protected by high-level encryption (高度な暗号化) is not reportable.
    high_level_encryption = models.BooleanField(
        _("protected by high-level encryption"), default=False
    )
    encryption_reason = models.TextField(_("encryption: reason"), blank=True)
    # The four triggers of PPC Rules Art. 7; None = not yet answered. Each needs its reason.
    special_care = models.BooleanField(_("(i) special-care data"), null=True, blank=True)
    special_care_reason = models.TextField(_("(i) reason"), blank=True)
    financial_loss = models.BooleanField(
        _("(ii) misuse could cause financial loss"), null=True, blank=True
    )
    financial_loss_reason = models.TextField(_("(ii) reason"), blank=True)
    unlawful_purpose = models.BooleanField(
        _("(iii) suspected unlawful purpose"), null=True, blank=True
    )
    # Since April 2024 (iii) also covers personal information the company is acquiring or
    # intends to handle as personal data (e.g. a web form skimmed before submission).
    unlawful_purpose_acquiring = models.BooleanField(
        _("(iii) concerns information being acquired (April 2024 widening)"), default=False
    )
    unlawful_purpose_reason = models.TextField(_("(iii) reason"), blank=True)
    over_thousand = models.BooleanField(_("(iv) more than 1,000 people"), null=True, blank=True)
    over_thousand_reason = models.TextField(_("(iv) reason"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggers assessed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The manager's decision (four eyes: never the one who assessed the triggers).
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("classified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True, editable=False)
    classification_note = models.TextField(_("classification note"), blank=True, editable=False)
    # Clocks (company calendar), computed from learned_at and the rule.
    preliminary_due = models.DateField(_("preliminary report due"), editable=False)
    final_due = models.DateField(_("final report due"), editable=False)
    preliminary_submitted_on = models.DateField(
        _("preliminary report submitted on"), null=True, blank=True, editable=False
    )
    final_submitted_on = models.DateField(
        _("final report submitted on"), null=True, blank=True, editable=False
    )
    # The people affected: a snapshot from our own data, frozen once complete.
    affected_count = models.PositiveIntegerField(_("people affected"), default=0, editable=False)
    affected_frozen_at = models.DateTimeField(
        _("affected people frozen at"), null=True, blank=True, editable=False
    )
    affected_frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("affected people frozen by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Notice to the people (Art. 26(2)): letters, or a public announcement with its reason.
    notice_method = models.CharField(
        _("notice to the people"),
        max_length=12,
        choices=NoticeMethod.choices,
        blank=True,
        editable=False,
    )
    public_announcement_reason = models.TextField(
        _("why a public announcement replaces individual notice"), blank=True, editable=False
    )
    public_announcement_on = models.DateField(
        _("public announcement made on"), null=True, blank=True, editable=False
    )
    notices_queued_at = models.DateTimeField(
        _("notices queued at"), null=True, blank=True, editable=False
    )
    notices_queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("notices queued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    notices_count = models.PositiveIntegerField(_("notice letters"), default=0, editable=False)
    notices_published_at = models.DateTimeField(
        _("notice render tasks published at"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("leak incident")
        verbose_name_plural = _("leak incidents")
        ordering = ["-learned_at"]
        permissions = [
            ("classify_incident", _("Can classify an incident as reportable (four eyes)")),
            ("report_incident", _("Can report, notify and close an incident")),
        ]
        indexes = [
            # Alert scan and dashboard: incidents whose PPC report may still be owed.
            models.Index(
                fields=["preliminary_due"],
                name="incident_clock_idx",
                condition=models.Q(
                    state__in=["logged", "classified_reportable", "preliminary_reported"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def triggers_answered(self) -> bool:
        return None not in (
            self.special_care,
            self.financial_loss,
            self.unlawful_purpose,
            self.over_thousand,
        )

    @property
    def law_requires_report(self) -> bool:
        """Rule 7: any trigger met (or its risk), unless high-level encryption protected it."""
        met = any(
            (self.special_care, self.financial_loss, self.unlawful_purpose, self.over_thousand)
        )
        return bool(met) and not self.high_level_encryption


class AffectedCategory(models.TextChoices):
    """Where an affected person was found (always our own data, never typed in)."""

    PROVISION = "provision", _("Provision records of a recipient")
    ENTRUSTEE = "entrustee", _("An entrustee's scope")
    IMPORT = "import", _("Imported customer numbers")
    QUERY = "query", _("A query on the incident page")


class AffectedPerson(models.Model):
    """One customer in an incident's snapshot. Written in bulk by the snapshot services."""

    # A snapshot holds up to millions of rows written by one INSERT … SELECT that reads the ids
    # it inserts from the customer table in the same statement, for an incident row it holds
    # locked: neither id can be dangling. So no database FK constraint (its per-row deferred
    # check at commit doubled the snapshot's time) and no index of their own (the unique
    # constraint leads with the incident; affected_customer_idx serves the customer). Customers
    # are never deleted (erasure anonymises in place) and incidents never are either.
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="affected",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        "consent_app.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    category = models.CharField(_("found through"), max_length=12, choices=AffectedCategory.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("affected person")
        verbose_name_plural = _("affected people")
        constraints = [
            # A person counts once per incident, whichever source found them first.
            models.UniqueConstraint(fields=["incident", "customer"], name="affected_once"),
        ]
        indexes = [
            # Disclosure compilation: the incidents that involved a customer.
            models.Index(fields=["customer"], name="affected_customer_idx"),
            # Auditor export filtered by date.
            models.Index(fields=["added_at"], name="affected_added_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.customer_id}"


class ReportStage(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary report (速報)")
    FINAL = "final", _("Final report (確報)")


class Authority(models.TextChoices):
    PPC = "ppc", _("Personal Information Protection Commission")
    MINISTRY = "ministry", _("Delegated ministry")


class ReportChannel(models.TextChoices):
    PPC_FORM = "ppc_form", _("The PPC's online report form")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")
    OTHER = "other", _("Other")


class IncidentReport(models.Model):
    """One version of the report to the PPC, its items in the order of PPC Rule 8(1).

    Versions run from the preliminary report to the final one; each is printed to PDF through
    the letter pipeline, and its submission is recorded (date, authority, channel, receipt).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        GENERATED = "generated", _("Generated")
        FAILED = "failed", _("Failed")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="reports"
    )
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    stage = models.CharField(_("stage"), max_length=12, choices=ReportStage.choices)
    # Rule 8(1) items (i)–(ix), in the PPC form's order.
    overview = models.TextField(_("(1) overview of the incident"))
    personal_data = models.TextField(_("(2) personal data concerned"), blank=True)
    people_count = models.PositiveIntegerField(_("(3) number of people"), default=0)
    cause = models.TextField(_("(4) cause"), blank=True)
    secondary_damage = models.TextField(_("(5) secondary damage or its risk"), blank=True)
    notice_to_people = models.TextField(_("(6) notice to the people"), blank=True)
    public_announcement = models.TextField(_("(7) public announcement"), blank=True)
    recurrence_prevention = models.TextField(_("(8) measures to prevent recurrence"), blank=True)
    other = models.TextField(_("(9) other matters"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("PDF status"),
        max_length=10,
        choices=Status.choices,
        default=Status.QUEUED,
        editable=False,
    )
    file = models.FileField(_("PDF"), upload_to="incident-reports/", blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, editable=False)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True, editable=False)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True, editable=False)
    authority = models.CharField(
        _("authority"), max_length=10, choices=Authority.choices, blank=True, editable=False
    )
    authority_name = models.CharField(
        _("ministry (if delegated)"), max_length=100, blank=True, editable=False
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=ReportChannel.choices, blank=True, editable=False
    )
    receipt_number = models.CharField(
        _("receipt number"), max_length=60, blank=True, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("PPC report")
        verbose_name_plural = _("PPC reports")
        ordering = ["incident", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="report_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} v{self.version} ({self.get_stage_display()})"


class ClockKind(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary report")
    FINAL = "final", _("Final report")
    SUPERVISION = "supervision", _("Entrustee check-sheet")


class IncidentAlert(models.Model):
    """An alert before a leak-report clock or a supervision due date; once per level.

    Levels are the request alerts' (requests_app.models.DeadlineAlert.Level) and are computed by
    the same `alert_level`; the partial unique constraints make each level once per clock and
    due date, so two scans racing insert it once.
    """

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    check_sheet = models.ForeignKey(
        "incidents_app.SupervisionCheck",
        verbose_name=_("check-sheet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    clock = models.CharField(_("clock"), max_length=12, choices=ClockKind.choices)
    level = models.CharField(_("level"), max_length=10)
    due_date = models.DateField(_("due date"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident alert")
        verbose_name_plural = _("incident alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "clock", "level", "due_date"],
                condition=models.Q(incident__isnull=False),
                name="incident_alert_once_per_level",
            ),
            models.UniqueConstraint(
                fields=["check_sheet", "level", "due_date"],
                condition=models.Q(check_sheet__isnull=False),
                name="supervision_alert_once_per_level",
            ),
        ]
        indexes = [
            # Alert scan: alerts still to e-mail.
            models.Index(
                fields=["raised_at"],
                name="incident_alert_unemailed_idx",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} {self.level} ({self.due_date:%Y-%m-%d})"

    @property
    def level_label(self) -> str:
        # The request alerts' levels and labels (requests_app.models.DeadlineAlert.Level).
        return str(DeadlineAlert.Level(self.level).label)
