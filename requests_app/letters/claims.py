"""A render's claim on its letter, held without any transaction or row lock (issue 17).

A render claims its letter by a committed UPDATE (a token and the time) while its database
session holds a session-level advisory lock on the letter. The lock is what says the claim is
alive: it goes with the session, so a worker killed mid-render (or a database restart) frees it
at once, and the next task for the letter takes the claim over. Nothing is held open while
WeasyPrint renders and the storage writes: no transaction, no row lock, so the row stays
readable and updatable, and vacuum is never held back by a render.

SQLite (the demo) has no advisory locks: one worker at most, so the claim alone serves.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# The high 32 bits of each letter's lock key (ASCII "LT"): keeps our keys apart from any other
# advisory lock in the database (the ledgers' are transaction locks on hashed names).
_NAMESPACE = 0x4C54


def _key(letter_id: int) -> int:
    return (_NAMESPACE << 32) | (letter_id & 0xFFFFFFFF)


@contextlib.contextmanager
def render_lock(letter_id: int) -> Iterator[bool]:
    """Try to take the letter's render lock for this session; yields whether we hold it.

    Never waits: a letter another live worker is rendering is that worker's to finish.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(letter_id)])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(letter_id)])
            except DatabaseError:
                # The session is gone (database restart): the lock went with it.
                logger.warning("letter %s: render lock not released (session lost)", letter_id)


def render_locks_held(letter_ids: list[int]) -> set[int]:
    """Which of these letters a live session is rendering right now (their claim is alive)."""
    if connection.vendor != "postgresql" or not letter_ids:
        return set()
    keys = {_key(pk): pk for pk in letter_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"
            " WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s",
            [_NAMESPACE],
        )
        return {keys[key] for (key,) in cursor.fetchall() if key in keys}
