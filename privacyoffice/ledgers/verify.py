"""Recompute the ledgers' hash chains and name the first row that breaks (selectors: reads only).

Each link is checked locally, in one pass in SQL: a row's hash must equal
sha256(previous row's hash || its content). A row changed in place breaks its own link; a row
changed and re-hashed breaks the next one; rows removed leave a gap that only a recorded
retention purge may explain (its run's last hash continues the chain). The heads recorded by
the daily digests must still be found in the chain: a chain rewritten from some row onwards
(the only way to hide a change from the local check) no longer reaches the digests taken after
that row was written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db import connection

from ..ledger_models import LedgerDigest, LedgerHead, RetentionPurge
from . import LEDGERS, Ledger
from .sql import _q, content_sql

ROW_UNCHAINED = "row id={pk} has no place in the chain: it was inserted with the triggers off"
ROW_BROKEN = (
    "row id={pk} (chain position {seq}): its hash does not follow from its content and the "
    "previous row's hash: this row, or the one before it, was changed"
)
ROWS_MISSING = (
    "chain positions {first}–{last} are missing before row id={pk} and no retention purge "
    "records removing them"
)
TAIL_MISSING = "chain positions {first}–{last} (the newest rows) are missing"
HEAD_MISMATCH = "the chain head ({seq}) does not match the newest row"
DIGEST_MISMATCH = (
    "the digest of {taken_at} (id={pk}) recorded position {seq} with hash {expected}; "
    "the ledger now gives {actual}: rewritten since"
)
DIGEST_CORRUPT = "the digest id={pk} does not match its own heads"


@dataclass
class LedgerCheck:
    table: str
    rows: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def chain_step(prev: str, content: str) -> str:
    return hashlib.sha256((prev + content).encode()).hexdigest()


def digest_of(heads: dict) -> str:
    return hashlib.sha256(
        json.dumps(heads, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _runs(table: str) -> list[RetentionPurge]:
    return list(
        RetentionPurge.objects.filter(ledger=table, first_seq__isnull=False).order_by("first_seq")
    )


def _gap_explained(runs, first: int, last: int) -> str | None:
    """The hash that continues the chain across positions first..last, if purges cover them."""
    inside = [r for r in runs if r.first_seq >= first and r.last_seq <= last]
    if sum(r.last_seq - r.first_seq + 1 for r in inside) != last - first + 1:
        return None
    return next((r.last_hash for r in inside if r.last_seq == last), None)


def ledger_verify(*, ledger: Ledger) -> LedgerCheck:
    table = ledger.table
    check = LedgerCheck(table=table)
    runs = _runs(table)
    t, pk = _q(table), _q(ledger.model_class._meta.pk.column)
    # Identifiers from the models' metadata, never from input.
    query = f"""
        SELECT pk, seq, hash, prev_seq, content FROM (
            SELECT x.{pk} AS pk, x.ledger_seq AS seq, x.ledger_hash AS hash,
                   lag(x.ledger_seq) OVER w AS prev_seq, lag(x.ledger_hash) OVER w AS prev_hash,
                   {content_sql(ledger, "x")} AS content
            FROM {t} x WINDOW w AS (ORDER BY x.ledger_seq)) s
        WHERE seq IS NULL OR coalesce(prev_seq, 0) <> seq - 1
           OR hash IS DISTINCT FROM privacyoffice_chain_step(coalesce(prev_hash, ''), content)
        ORDER BY seq NULLS LAST
    """  # noqa: S608  # nosec B608  # model metadata only
    with connection.cursor() as cursor:
        cursor.execute(query)
        for row_pk, seq, stored, prev_seq, content in cursor.fetchall():
            if seq is None:
                check.problems.append(ROW_UNCHAINED.format(pk=row_pk))
                continue
            first, last = (prev_seq or 0) + 1, seq - 1
            if first <= last:
                prev = _gap_explained(runs, first, last)
                if prev is None:
                    check.problems.append(ROWS_MISSING.format(first=first, last=last, pk=row_pk))
                    continue
                if stored == chain_step(prev, content):
                    continue
            check.problems.append(ROW_BROKEN.format(pk=row_pk, seq=seq))
        cursor.execute(f"SELECT count(*), max(ledger_seq) FROM {t}")  # noqa: S608  # nosec B608  # model metadata
        check.rows, newest = cursor.fetchone()
        newest = newest or 0
        # Identifiers from the models' metadata, never from input.
        cursor.execute(f"SELECT ledger_hash FROM {t} WHERE ledger_seq = %s", [newest])  # noqa: S608  # nosec B608  # model metadata
        found = cursor.fetchone()
    head = LedgerHead.objects.filter(ledger=table).first()
    check.head_seq, check.head_hash = (head.seq, head.hash) if head else (0, "")
    if check.head_seq > newest:
        tail_hash = _gap_explained(runs, newest + 1, check.head_seq)
        if tail_hash is None:
            check.problems.append(TAIL_MISSING.format(first=newest + 1, last=check.head_seq))
        elif tail_hash != check.head_hash:
            check.problems.append(HEAD_MISMATCH.format(seq=check.head_seq))
    elif check.head_seq < newest or (found and found[0] != check.head_hash):
        check.problems.append(HEAD_MISMATCH.format(seq=check.head_seq))
    return check


def _hash_at(table: str, seq: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ledger_hash FROM {_q(table)} WHERE ledger_seq = %s", [seq])  # noqa: S608  # nosec B608  # model metadata
        row = cursor.fetchone()
    if row:
        return row[0]
    run = RetentionPurge.objects.filter(ledger=table, last_seq=seq).first()
    return run.last_hash if run else None


def digests_verify() -> list[str]:
    """Every recorded digest must match its heads, and each head must still be in its chain."""
    problems = []
    tables = {ledger.table for ledger in LEDGERS}
    for digest in LedgerDigest.objects.order_by("pk").iterator():
        if digest_of(digest.heads) != digest.digest:
            problems.append(DIGEST_CORRUPT.format(pk=digest.pk))
            continue
        for table, head in sorted(digest.heads.items()):
            if table not in tables or not head.get("seq"):
                continue
            actual = _hash_at(table, head["seq"])
            purged_inside = RetentionPurge.objects.filter(
                ledger=table, first_seq__lte=head["seq"], last_seq__gt=head["seq"]
            ).exists()
            if actual != head["hash"] and not purged_inside:
                problems.append(
                    DIGEST_MISMATCH.format(
                        taken_at=digest.taken_at.isoformat(timespec="seconds"),
                        pk=digest.pk,
                        seq=head["seq"],
                        expected=head["hash"],
                        actual=actual or "-",
                    )
                    + f" ({table})"
                )
    return problems


def ledgers_verify() -> tuple[list[LedgerCheck], list[str]]:
    return [ledger_verify(ledger=ledger) for ledger in LEDGERS], digests_verify()


def ledger_digest_latest() -> LedgerDigest | None:
    """The newest digest (the dashboard and the export log show it to auditors)."""
    return LedgerDigest.objects.order_by("-taken_at", "-pk").first()
