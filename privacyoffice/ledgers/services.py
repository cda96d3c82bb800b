"""Writes about the ledgers: the daily digest of their chain heads."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from ..ledger_models import LedgerDigest, LedgerHead
from . import LEDGERS
from .verify import digest_of

logger = logging.getLogger(__name__)


def ledger_digest_record() -> LedgerDigest | None:
    """Record every chain's committed head (position and hash) and one digest over them all.

    Reads the heads without locking: an append still in flight is simply not in this digest.
    None on SQLite, which keeps no chains.
    """
    if connection.vendor != "postgresql":
        return None
    tables = {ledger.table for ledger in LEDGERS}
    heads = {
        head.ledger: {"seq": head.seq, "hash": head.hash}
        for head in LedgerHead.objects.filter(ledger__in=tables).order_by("ledger")
    }
    with transaction.atomic():
        digest = LedgerDigest.objects.create(heads=heads, digest=digest_of(heads))
    logger.info("ledger digest %s recorded", digest.pk)
    return digest
