"""Customers, consent, third-party recipients and provision records.

consent_app never imports requests_app: where something names the request behind it, it keeps
the request's reference number (e.g. "PR-2026-000123"), not a foreign key.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.dates import validate_birth_date, validate_not_future, validate_plausible_date


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class Channel(models.TextChoices):
    """How a purpose reaches the person. Purposes without channels use ANY."""

    POST = "post", _("Print mail")
    PHONE = "phone", _("Telephone")
    EMAIL = "email", _("E-mail")
    ANY = "any", _("Any channel")


class ConsentState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RecipientCategory(models.TextChoices):
    AFFILIATE = "affiliate", _("Subsidiary or affiliate")
    DEALER = "dealer", _("Franchised dealer")
    AGREEMENT = "agreement", _("Party with an information supply agreement")


class ProvisionBasis(models.TextChoices):
    CONSENT = "consent", _("Consent of the person")
    OPT_OUT = "opt_out", _("Opt-out provision (Art. 27(2))")
    JOINT_USE = "joint_use", _("Joint use (Art. 27(5)(iii))")
    LAW = "law", _("Required by law (Art. 27(1))")
    # Not a provision at all (Art. 27(5)(i)): offered only to be refused with a pointer to the
    # entrustee register, so nobody records entrustment as a provision batch.
    ENTRUSTMENT = "entrustment", _("Entrustment (Art. 27(5)(i))")


class ForeignBasis(models.TextChoices):
    """The Art. 28 basis for a recipient in a foreign country not recognised by the PPC."""

    CONSENT = "consent", _("Consent to foreign provision after the Art. 28 information")
    EQUIVALENT_MEASURES = "equivalent_measures", _("Equivalent measures (Rule 16), checked")


class RecordMethod(models.TextChoices):
    """How an Art. 29 record is kept (Rule 19), which fixes its retention (Rule 21)."""

    PER_PROVISION = "per_provision", _("A record made at the provision")
    CONTRACT = "contract", _("The contract serves as the record")


class PrivacyNotice(models.Model):
    """A published version of the items of APPI Art. 32(1)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"), validators=[validate_plausible_date])
    company = models.TextField(_("company name, address and representative"))
    purposes = models.TextField(_("purposes of use"))
    procedures = models.TextField(_("request procedures and fees"))
    # Mandatory published item since 2022 (Art. 32(1), Order Art. 10(i)).
    security_measures = models.TextField(_("security measures"))
    contacts = models.TextField(_("complaints and inquiries contact"))
    # Order Art. 10(iii): only where the company belongs to one; empty otherwise.
    accredited_organisation = models.TextField(
        _("accredited personal information protection organisation and its complaints desk"),
        blank=True,
    )
    # Art. 38: the published fee for purpose notice and disclosure; letters and forms state it.
    fee_yen = models.PositiveIntegerField(
        _("fee for purpose notice and disclosure (yen)"), default=1000
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-version"]

    def __str__(self) -> str:
        return _("Privacy notice v%(version)s") % {"version": self.version}


class PurposeOfUse(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Which channels this purpose is consented per; [Channel.ANY] for channel-less purposes.
    channels = models.JSONField(_("channels"), default=list)
    is_third_party_provision = models.BooleanField(_("provision to third parties"), default=False)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("purpose of use")
        verbose_name_plural = _("purposes of use")
        ordering = ["sort_order", "code"]
        permissions = [
            ("export_marketing_list", _("Can download marketing lists")),
        ]

    def __str__(self) -> str:

        return self.title_en if (get_language() or "ja").startswith("en") else self.title_ja


class Recipient(models.Model):
    """A third party that receives personal data (or, for dealers, serves customers)."""

    name = models.CharField(_("name"), max_length=200)
    # Short code the CRM uses for a dealer (the import's dealer_code column); optional elsewhere.
    code = models.CharField(_("code"), max_length=32, unique=True, null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=RecipientCategory.choices)
    agreement_reference = models.CharField(_("agreement reference"), max_length=64, blank=True)
    agreement_start = models.DateField(
        _("agreement start"), null=True, blank=True, validators=[validate_plausible_date]
    )
    agreement_end = models.DateField(
        _("agreement end"), null=True, blank=True, validators=[validate_plausible_date]
    )
    country = models.CharField(_("country (ISO 3166)"), max_length=2, default="JP")
    data_items = models.JSONField(_("data items shared"), default=list, blank=True)
    basis = models.CharField(
        _("basis of provision"),
        max_length=16,
        choices=ProvisionBasis.choices,
        default=ProvisionBasis.CONSENT,
    )
    # Art. 29 retention is 1 year where a contract serves as the record, else 3 years; the
    # contract method only covers provision in connection with supplying goods or services to
    # the person (Rule 19(3)), which the batch checks per customer (the dealer serving them).
    contract_serves_as_record = models.BooleanField(_("contract serves as record"), default=False)
    # Art. 30 asks the receiving side for these; we keep them for the provider side too.
    address = models.CharField(_("address"), max_length=300, blank=True)
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    foreign_basis = models.CharField(
        _("Art. 28 basis"), max_length=20, choices=ForeignBasis.choices, blank=True
    )
    equivalent_measures = models.TextField(_("equivalent measures (contract clauses)"), blank=True)
    equivalent_measures_reviewed_on = models.DateField(
        _("handling last reviewed on"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]
        indexes = [
            # Dashboard: agreements ending within 60 days.
            models.Index(fields=["agreement_end"], name="recipient_agreement_end_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_foreign(self) -> bool:
        return self.country.upper() != "JP"


class Customer(models.Model):
    number = models.CharField(_("customer number"), max_length=20, unique=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, validators=[validate_birth_date]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.JAPANESE
    )
    dealer = models.ForeignKey(
        Recipient,
        verbose_name=_("serving dealer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_customers",
        limit_choices_to={"category": RecipientCategory.DEALER},
    )
    # Normalised search columns, filled by the customer services and the import (never by hand):
    # names folded to full-width katakana/NFKC, phone digits only, e-mail lower-cased.
    search_name = models.CharField(_("search name"), max_length=400, blank=True, editable=False)
    # One- and two-character pieces of search_name, space-separated (normalize.name_grams).
    search_grams = models.TextField(_("search pieces"), blank=True, editable=False)
    search_phone = models.CharField(_("search phone"), max_length=20, blank=True, editable=False)
    search_email = models.CharField(_("search e-mail"), max_length=254, blank=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "search_name",
            "search_grams",
            "search_phone",
            "search_email",
            "updated_at",
        ],
        verbose_name=_("historical customer"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["number"]
        indexes = [
            # Admin search by phone and e-mail (exact on the normalised columns).
            models.Index(fields=["search_phone"], name="customer_search_phone_idx"),
            models.Index(fields=["search_email"], name="customer_search_email_idx"),
            # Identity verification candidates: same postal code or same date of birth.
            models.Index(fields=["postal_code"], name="customer_postal_code_idx"),
            models.Index(fields=["date_of_birth"], name="customer_dob_idx"),
            # The admin's "erased" filter: the few tombstones among millions of customers.
            models.Index(
                fields=["erased_at"],
                name="customer_erased_idx",
                condition=models.Q(erased_at__isnull=False),
            ),
            # Name search (LIKE '%…%') of 3+ characters is served by a pg_trgm GIN index on
            # search_name (migration 0003); of 1–2 characters (あ, 中島: too short for trigrams)
            # by a GIN index on string_to_array(search_grams, ' ') (migration 0006). Both on
            # PostgreSQL only (SQLite has no GIN). selectors.customer_search_queryset.
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return _("Erased customer %(number)s") % {"number": self.number}
        return f"{self.number} {self.family_name} {self.given_name}".strip()

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()


class ConsentFlag(models.Model):
    """Current consent per customer × purpose × channel; always derivable from the ledger."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="consent_flags"
    )
    purpose = models.ForeignKey(
        PurposeOfUse, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=ConsentState.choices)
    updated_at = models.DateTimeField(_("updated at"))
    last_event = models.ForeignKey(
        "ConsentEvent", verbose_name=_("last event"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consent flag")
        verbose_name_plural = _("consent flags")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose", "channel"], name="consentflag_unique_per_channel"
            ),
        ]
        indexes = [
            # Eligibility: everyone granted for a purpose and channel.
            models.Index(
                fields=["purpose", "channel", "state"], name="consentflag_eligibility_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_state_display()}"


class ConsentEvent(models.Model):
    """The append-only consent ledger: never edited, never deleted."""

    class Actor(models.TextChoices):
        STAFF = "staff", _("Staff user")
        CUSTOMER = "customer", _("The customer")
        SYSTEM = "system", _("System")

    class Source(models.TextChoices):
        PHONE = "phone", _("Telephone")
        LETTER = "letter", _("Letter")
        WEB = "web", _("Web")
        REQUEST = "request", _("Privacy request")
        IMPORT = "import", _("CRM import")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="consent_events",
    )
    purpose = models.ForeignKey(
        PurposeOfUse, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    old_state = models.CharField(
        _("old state"), max_length=10, choices=ConsentState.choices, blank=True
    )
    new_state = models.CharField(_("new state"), max_length=10, choices=ConsentState.choices)
    occurred_at = models.DateTimeField(_("occurred at"), validators=[validate_not_future])
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    request_reference = models.CharField(_("request reference"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    notice = models.ForeignKey(
        PrivacyNotice,
        verbose_name=_("privacy notice in force"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.FileField(
        _("signed form (scan)"), upload_to="consent-evidence/%Y/%m/", blank=True
    )
    # A consent to foreign provision names the Art. 28 information the person was given.
    foreign_transfer_info = models.ForeignKey(
        "ForeignTransferInfo",
        verbose_name=_("foreign-transfer information given"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-occurred_at", "-id"]
        triggers = [
            # The ledger is append-only: the database itself refuses to rewrite or drop history,
            # whatever code (or a psql session) tries.
            pgtrigger.Protect(
                name="consentevent_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]
        indexes = [
            # Customer page ledger and replay: a customer's events in order.
            models.Index(fields=["customer", "occurred_at"], name="consentevent_customer_idx"),
            # Auditor export filtered by date range.
            models.Index(fields=["occurred_at"], name="consentevent_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} → {self.get_new_state_display()}"


class ProvisionSuppression(models.Model):
    """'We will stop provision of information to third parties upon a customer's request'."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="suppressions"
    )
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suppressions",
        help_text=_("Empty: all recipients."),
    )
    request_reference = models.CharField(_("request reference"), max_length=20, blank=True)
    consent_event = models.ForeignKey(
        ConsentEvent,
        verbose_name=_("consent event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("provision suppression")
        verbose_name_plural = _("provision suppressions")
        ordering = ["-created_at"]
        indexes = [
            # Eligibility: suppressions in force for a customer.
            models.Index(fields=["customer", "lifted_at"], name="suppression_customer_idx"),
        ]

    def __str__(self) -> str:
        # A title on its own page: never ids joined by arrows, which read as codes.
        return _("Suppression #%(id)s") % {"id": self.pk}


class ProvisionBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="batches"
    )
    purpose = models.ForeignKey(
        PurposeOfUse, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+"
    )
    provided_on = models.DateField(_("provided on"))
    data_items = models.JSONField(_("data items"), default=list)
    basis = models.CharField(_("basis"), max_length=16, choices=ProvisionBasis.choices)
    # What proves the basis: the filing (opt-out) or the notice (joint use) in force.
    opt_out_filing = models.ForeignKey(
        "OptOutFiling",
        verbose_name=_("opt-out filing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    joint_use_notice = models.ForeignKey(
        "JointUseNotice",
        verbose_name=_("joint-use notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    foreign_basis = models.CharField(
        _("Art. 28 basis"), max_length=20, choices=ForeignBasis.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    file = models.FileField(_("file"), upload_to="provision/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The exported file holds the personal data sent; it goes when its records' retention ends.
    file_purged_at = models.DateTimeField(_("file purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provision batch")
        verbose_name_plural = _("provision batches")
        ordering = ["-created_at"]
        indexes = [
            # The worker's sweep: batches still pending.
            models.Index(
                fields=["created_at"],
                name="provbatch_pending_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return _("Batch #%(id)s") % {"id": self.pk}


class ProvisionRecord(models.Model):
    """APPI Art. 29 provider record: one per customer per provision, kept for the retention."""

    batch = models.ForeignKey(
        ProvisionBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="records"
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="provision_records",
    )
    provided_on = models.DateField(_("provided on"))
    data_items = models.JSONField(_("data items"), default=list)
    basis = models.CharField(_("basis"), max_length=16, choices=ProvisionBasis.choices)
    record_method = models.CharField(
        _("record method"),
        max_length=16,
        choices=RecordMethod.choices,
        default=RecordMethod.PER_PROVISION,
    )
    # Counted from the provision the record covers (Art. 29 retention), not from row creation.
    retain_until = models.DateField(_("retain until"))

    class Meta:
        verbose_name = _("provision record")
        verbose_name_plural = _("provision records")
        ordering = ["-provided_on", "-id"]
        triggers = [
            # Art. 29 records are never rewritten; they are deleted only by the retention purge's
            # database function (privacyoffice.ledgers.sql), run as the owner role.
            pgtrigger.Protect(name="provrecord_no_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="provrecord_no_delete", operation=pgtrigger.Delete),
        ]
        indexes = [
            # Disclosure compilation and record disclosure: a customer's records.
            models.Index(fields=["customer", "provided_on"], name="provrecord_customer_idx"),
            # Retention purge: records past retain_until.
            models.Index(fields=["retain_until"], name="provrecord_retain_idx"),
            # Auditor export filtered by date range.
            models.Index(fields=["provided_on"], name="provrecord_provided_idx"),
        ]

    def __str__(self) -> str:
        return _("Provision record #%(id)s") % {"id": self.pk}


# The lawful-basis models live in their own module (split by sub-domain); imported here, after
# the models they point at, so that Django registers them with the app. A real cycle: they
# import Customer and Recipient from this module.

from .lawful_models import (  # noqa: E402, F401
    AcquisitionMethod,
    AdequateCountry,
    DataReceipt,
    DataReceiptPerson,
    EquivalentMeasuresCheck,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    RetainedIdentity,
)
from .models_import import CustomerImportJob  # noqa: E402, F401  (Django finds models here)
