"""Live progress of a long job, written from its own thread and its own database connection.

A job streaming `COPY … TO STDOUT`, or writing inside one long transaction, cannot report
progress through its connection: during a COPY psycopg holds the connection until the last row
(an UPDATE through it waits for ever: the export deadlock of issue 19), and inside a transaction
the update would stay invisible until the commit. The job's loop only stores a number in memory
(`progress(rows)`); this thread writes it with a heartbeat through the thread's own connection
(Django gives each thread its own) every `every` seconds, also while the database is still
planning a query. A worker that dies stops the heartbeat: that is how a sweep tells a dead job
from a slow one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0


class ProgressWriter:
    """`with ProgressWriter(write) as progress:` … `progress(rows)` from the job's loop.

    `write(rows)` runs on the writer's thread, first at once, then every `every` seconds, and a
    last time on exit: it must only touch the database through the ORM (the thread's connection).
    """

    def __init__(
        self, write: Callable[[int], None], *, every: float = PROGRESS_EVERY_SECONDS, name: str
    ):
        self.write = write
        self.every = every
        self.rows = 0
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __call__(self, rows: int) -> None:
        # Called on the job's thread: memory only, never the database.
        self.rows = rows

    def __enter__(self) -> ProgressWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            self._write()
            while not self._stop.wait(self.every):
                self._write()
            self._write()  # the last count
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)

    def _write(self) -> None:
        try:
            self.write(self.rows)
        except DatabaseError:
            # A lost progress write only delays the bar; the job itself goes on.
            logger.warning("%s: progress not written", self.name, exc_info=True)
            connections["default"].close()  # reconnect at the next write
