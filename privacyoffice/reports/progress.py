"""Live progress of a background export, written from its own thread and connection.

While `COPY … TO STDOUT` streams, its connection is busy until the last row (psycopg holds the
connection's lock), so an UPDATE through it waits for ever: the job deadlocked itself (issue 19).
The streaming loop only stores the row count in memory; this thread writes it, with a heartbeat,
through the thread's own database connection (Django gives each thread its own), every
PROGRESS_EVERY_SECONDS, and also while the database is still planning the query. A worker that
dies stops the heartbeat, which is how the sweep tells a dead job from a slow one.
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connections
from django.utils import timezone

from privacyoffice.models import ExportLog

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0


class ProgressWriter:
    """`with ProgressWriter(export_id) as progress:` … `progress(rows)` from the streaming loop."""

    def __init__(self, export_id: int, every: float = PROGRESS_EVERY_SECONDS):
        self.export_id = export_id
        self.every = every
        self.rows = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"export-{export_id}-progress", daemon=True
        )

    def __call__(self, rows: int) -> None:
        # Called between chunks on the streaming thread: memory only, never the database.
        self.rows = rows

    def __enter__(self) -> ProgressWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                self._write()
                if self._stop.wait(self.every):
                    return
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)

    def _write(self) -> None:
        try:
            ExportLog.objects.filter(pk=self.export_id, status=ExportLog.Status.RUNNING).update(
                progress_rows=self.rows, heartbeat_at=timezone.now()
            )
        except DatabaseError:
            # A lost progress write only delays the bar; the export itself goes on.
            logger.warning("export %s: progress not written", self.export_id, exc_info=True)
            connections["default"].close()  # reconnect at the next write
