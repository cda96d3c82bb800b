"""The lawful bases of provision, and the receiving side (APPI Arts. 27(2)–(5), 28, 30).

Split from models.py by sub-domain: opt-out filings with the PPC, joint-use notices, the Art. 28
information for foreign recipients and the equivalent-measures checks, the countries the PPC
recognises (the EEA and the UK), the Art. 30 receipt records, and the identifying items kept
with retained records after an erasure (Rule 20). models.py imports this module at its end.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .models import Customer, Recipient


class AdequateCountry(models.Model):
    """A country the PPC recognises as having an equivalent system (Rule 16): treated as Japan.

    Data, not code: the PPC recognised the EEA and the UK (2019); a change is a row.
    """

    code = models.CharField(_("country (ISO 3166)"), max_length=2, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    recognised_on = models.DateField(_("recognised on"))

    class Meta:
        verbose_name = _("country recognised by the PPC")
        verbose_name_plural = _("countries recognised by the PPC")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ja}"


class OptOutFiling(models.Model):
    """A filing with the PPC for opt-out provision of one data set (Art. 27(2)–(4)).

    A change (items, method, recipients) is filed again: the change filing names the filing it
    replaces (`supersedes`); the earlier one stays as the record of what was in force before.
    """

    reference = models.CharField(_("filing reference"), max_length=64)
    title = models.CharField(_("data set"), max_length=200)
    recipients = models.ManyToManyField(
        Recipient, verbose_name=_("recipients"), related_name="opt_out_filings"
    )
    data_items = models.JSONField(_("data items notified"), default=list)
    acquisition_method = models.TextField(_("how the data was acquired"))
    provision_method = models.TextField(_("method of provision"))
    opt_out_method = models.TextField(_("how a person stops the provision"))
    filed_on = models.DateField(_("filed with the PPC on"))
    ppc_published_on = models.DateField(_("published by the PPC on"), null=True, blank=True)
    company_published_on = models.DateField(_("published by the company on"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("change filing for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out filing")
        verbose_name_plural = _("opt-out filings")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class JointUseNotice(models.Model):
    """A version of a joint-use notice (Art. 27(5)(iii)): told before the first use.

    Versions per scheme; the highest version effective on a day is the one in force. A change
    is a new version, notified before it takes effect.
    """

    scheme = models.SlugField(_("joint-use scheme"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    users = models.ManyToManyField(
        Recipient, verbose_name=_("joint users"), related_name="joint_use_notices"
    )
    users_description = models.TextField(_("scope of the joint users (as told)"))
    data_items = models.JSONField(_("data items used jointly"), default=list)
    purposes = models.TextField(_("purposes of the joint users"))
    responsible_party = models.TextField(_("responsible party (name, address, representative)"))
    notified_on = models.DateField(_("notified or published on"))
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("joint-use notice")
        verbose_name_plural = _("joint-use notices")
        ordering = ["scheme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "version"], name="jointuse_scheme_version"),
            # "Before the first use": never notified after it takes effect.
            models.CheckConstraint(
                condition=models.Q(notified_on__lte=models.F("effective_from")),
                name="jointuse_notified_before_effect",
            ),
        ]

    def __str__(self) -> str:
        return _("Joint use %(scheme)s v%(version)s") % {
            "scheme": self.scheme,
            "version": self.version,
        }


class ForeignTransferInfo(models.Model):
    """What the person is told before consenting to foreign provision (Art. 28(2), Rule 17).

    Versioned per recipient and country; the consent event that records the foreign-transfer
    consent names the version, so what was told and when stays provable.
    """

    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="foreign_transfer_infos",
    )
    country = models.CharField(_("country (ISO 3166)"), max_length=2)
    version = models.PositiveIntegerField(_("version"))
    country_name = models.CharField(_("country name"), max_length=100)
    country_system = models.TextField(_("the country's system for protecting personal data"))
    recipient_measures = models.TextField(_("measures the recipient takes"))
    effective_from = models.DateField(_("given from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("foreign-transfer information")
        verbose_name_plural = _("foreign-transfer information")
        ordering = ["recipient", "country", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "country", "version"], name="foreigninfo_version"
            ),
        ]

    def __str__(self) -> str:
        return _("%(recipient)s (%(country)s) v%(version)s") % {
            "recipient": self.recipient,
            "country": self.country,
            "version": self.version,
        }


class EquivalentMeasuresCheck(models.Model):
    """One periodic check of a recipient relying on equivalent measures (Rule 18(1)(i))."""

    class Result(models.TextChoices):
        OK = "ok", _("Measures confirmed")
        FAILED = "failed", _("Measures not confirmed")

    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="equivalent_measures_checks",
    )
    checked_at = models.DateTimeField(_("checked at"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the scheduled check."),
    )

    class Meta:
        verbose_name = _("equivalent-measures check")
        verbose_name_plural = _("equivalent-measures checks")
        ordering = ["-checked_at", "-id"]
        triggers = [
            pgtrigger.Protect(
                name="eqcheck_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]
        indexes = [
            # The basis check: a recipient's latest check.
            models.Index(fields=["recipient", "checked_at"], name="eqcheck_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.recipient_id} {self.result}"


class AcquisitionMethod(models.TextChoices):
    """How the provider obtained the data it gives us (Art. 30(1)(ii))."""

    CONSENT = "consent", _("With the person's consent")
    OPT_OUT = "opt_out", _("By opt-out provision (Art. 27(2))")
    DIRECT = "direct", _("Collected from the person directly")
    OTHER = "other", _("Other (described)")


class DataReceipt(models.Model):
    """APPI Art. 30 receipt record: data received from a third party (a dealer, a partner)."""

    provider = models.ForeignKey(
        Recipient,
        verbose_name=_("provider (known party)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    provider_name = models.CharField(_("provider's name"), max_length=200)
    provider_address = models.CharField(_("provider's address"), max_length=300)
    provider_representative = models.CharField(_("provider's representative"), max_length=200)
    acquisition = models.CharField(
        _("how the provider obtained the data"), max_length=10, choices=AcquisitionMethod.choices
    )
    acquisition_detail = models.TextField(_("acquisition details"), blank=True)
    includes_special_care = models.BooleanField(_("includes special-care data"), default=False)
    received_on = models.DateField(_("received on"))
    data_items = models.JSONField(_("data items"), default=list)
    person_count = models.PositiveIntegerField(_("people"), default=0)
    # Rules 25 / 21: 3 years from the day the record was made.
    retain_until = models.DateField(_("retain until"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt record (Art. 30)")
        verbose_name_plural = _("receipt records (Art. 30)")
        ordering = ["-received_on", "-id"]
        triggers = [
            # Art. 30 records are never rewritten; deleted only by the retention purge.
            pgtrigger.Protect(name="receipt_no_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="receipt_no_delete", operation=pgtrigger.Delete),
        ]
        indexes = [
            # Retention purge and the auditor's report by date.
            models.Index(fields=["retain_until"], name="receipt_retain_idx"),
            models.Index(fields=["received_on"], name="receipt_received_idx"),
        ]

    def __str__(self) -> str:
        # Short, as the admin's titles and breadcrumbs show it; the provider's details are the
        # record's fields (and `disclosure_text` for the person).
        return _("Receipt record #%(id)s (%(date)s)") % {
            "id": self.pk,
            "date": formats.date_format(self.received_on, "DATE_FORMAT"),
        }

    def disclosure_text(self) -> str:
        """What a record disclosure (Art. 33(5)) shows for the person's entry: when, from whom,
        how the provider got it, which items (by name, never their codes)."""
        from .provision import data_items_label  # provision imports the models: a real cycle

        return _(
            "Received on %(date)s from %(provider)s (%(representative)s, %(address)s), "
            "obtained: %(acquisition)s; items: %(items)s"
        ) % {
            "date": formats.date_format(self.received_on, "DATE_FORMAT"),
            "provider": self.provider_name,
            "representative": self.provider_representative,
            "address": self.provider_address,
            "acquisition": self.get_acquisition_display(),
            "items": data_items_label(self.data_items or []),
        }


class DataReceiptPerson(models.Model):
    """One person in an Art. 30 receipt: who the receipt is about."""

    receipt = models.ForeignKey(
        DataReceipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="persons"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="receipt_entries",
    )
    retain_until = models.DateField(_("retain until"))

    class Meta:
        verbose_name = _("person in a receipt record")
        verbose_name_plural = _("people in receipt records")
        triggers = [
            pgtrigger.Protect(name="receiptperson_no_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="receiptperson_no_delete", operation=pgtrigger.Delete),
        ]
        indexes = [
            # Record disclosure, and the opt-out eligibility (data itself obtained by opt-out).
            models.Index(fields=["customer", "receipt"], name="receiptperson_customer_idx"),
            # Retention purge.
            models.Index(fields=["retain_until"], name="receiptperson_retain_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.receipt_id} {self.customer_id}"


class RetainedIdentity(models.Model):
    """The items identifying an erased person, kept with their retained Art. 29/30 records.

    Rule 20: a record kept for its retention must still identify the person. The profile is
    anonymised at erasure; these items are copied here first, apart from the profile, and
    purged when the last record they serve reaches the end of its retention.
    """

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="retained_identity",
    )
    number = models.CharField(_("customer number"), max_length=20)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    retain_until = models.DateField(_("retain until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity kept with retained records")
        verbose_name_plural = _("identities kept with retained records")
        indexes = [
            # Retention purge.
            models.Index(fields=["retain_until"], name="retainedid_retain_idx"),
        ]

    def __str__(self) -> str:
        return self.number
