"""Bookkeeping of the hash-chained ledgers (privacyoffice.ledgers): heads, purges, digests."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """The last link of each chain: written only by the ledgers' SECURITY DEFINER trigger.

    A row per ledger table, locked FOR UPDATE by each insert until its transaction ends: two
    transactions appending to the same ledger take turns, so no two rows ever claim the same
    predecessor (and a rolled-back insert leaves no hole: its head update rolls back with it).
    """

    ledger = models.CharField(_("ledger"), max_length=63, primary_key=True)
    seq = models.BigIntegerField(_("last sequence number"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"{self.ledger} #{self.seq}"


class RetentionPurge(models.Model):
    """What a retention purge removed, written by the purge's database function itself.

    For a chained ledger, one row per run of consecutive sequence numbers removed, with the hash
    of the run's last row: the chain verifies across the gap. For files (identity documents),
    the ids whose file was purged.
    """

    ledger = models.CharField(_("table"), max_length=63)
    rule = models.CharField(_("retention rule"), max_length=64)
    purged_at = models.DateTimeField(_("purged at"))
    first_seq = models.BigIntegerField(_("first sequence number"), null=True, blank=True)
    last_seq = models.BigIntegerField(_("last sequence number"), null=True, blank=True)
    last_hash = models.CharField(_("hash of the last row removed"), max_length=64, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    object_ids = models.JSONField(_("ids"), default=list, blank=True)

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")
        ordering = ["-purged_at", "-id"]
        indexes = [
            # verify_ledgers: the purge run that ends just before a gap in a chain.
            models.Index(fields=["ledger", "last_seq"], name="retentionpurge_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger} {self.first_seq}–{self.last_seq}"


class LedgerDigest(models.Model):
    """The chain heads at one moment (daily beat task): a digest an auditor can keep.

    Two digests taken months apart prove that nothing between them was rewritten: the rows
    from the first head to the second must still hash to the second.
    """

    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    heads = models.JSONField(_("chain heads"), default=dict)
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        verbose_name = _("ledger digest")
        verbose_name_plural = _("ledger digests")
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.digest[:16]}"
