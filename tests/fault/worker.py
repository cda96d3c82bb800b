"""A real Celery worker for the fault tests, with test-only hooks set from the environment.

Run as `python -m tests.fault.worker <celery worker options>`. It is the project's Celery app and
settings, unchanged, plus what a fault test needs and production never has:

- FAULT_VISIBILITY_TIMEOUT: a short Redis visibility timeout (seconds), and a restore sweep every
  second, so the messages of a killed worker come back in seconds rather than an hour;
- FAULT_RENDER_GATE (a folder) with FAULT_GATE_LETTERS (letter ids, comma separated, or empty for
  all): rendering one of those letters writes `started-<id>` (holding the process id) in the
  folder, then waits until a file `release` appears there. The render runs with the letter
  claimed and its render lock held, so the test can kill the worker at a known point: mid-render;
- FAULT_CHEAP_PDF=1: the HTML of each letter is still built from its template and context, but
  the PDF is a one-page stub instead of a WeasyPrint render, so a thousand letters take seconds.
  The task, the claim, the storage and the row updates are the real ones.

The hooks replace module attributes before the worker forks its pool, so every child has them.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import time
from pathlib import Path


def install_render_gate(folder: Path, letter_ids: set[int] | None) -> None:
    from requests_app.letters import rendering

    real = rendering.render_letter_pdf

    def gated(*, letter):
        if letter_ids is None or letter.pk in letter_ids:
            (folder / f"started-{letter.pk}").write_text(str(os.getpid()))
            while not (folder / "release").exists():
                time.sleep(0.05)
        return real(letter=letter)

    rendering.render_letter_pdf = gated


def install_cheap_pdf() -> None:
    from pypdf import PdfWriter

    from requests_app.letters import rendering

    def cheap_pdf(
        html: str, *, title: str = "", images: tuple[str, ...] = ()
    ) -> rendering.RenderedPdf:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        # The letter's own HTML decides the bytes, so every letter's file is distinct.
        digest = hashlib.sha256(html.encode()).hexdigest()
        writer.add_metadata({"/Title": title, "/Subject": digest})
        buffer = io.BytesIO()
        writer.write(buffer)
        pdf = buffer.getvalue()
        return rendering.RenderedPdf(pdf=pdf, page_count=1, sha256=hashlib.sha256(pdf).hexdigest())

    rendering.html_to_pdf = cheap_pdf


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacyoffice.settings")
    import django

    django.setup()
    from privacyoffice.celery import app

    visibility = os.environ.get("FAULT_VISIBILITY_TIMEOUT")
    if visibility:
        app.conf.broker_transport_options = {
            **dict(app.conf.broker_transport_options or {}),
            "visibility_timeout": float(visibility),
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            # A worker killed while it held the restore mutex must not block the next one for
            # the default five minutes.
            "unacked_mutex_expire": 5,
        }
    gate = os.environ.get("FAULT_RENDER_GATE")
    if gate:
        ids = os.environ.get("FAULT_GATE_LETTERS", "")
        install_render_gate(Path(gate), {int(i) for i in ids.split(",") if i} or None)
    if os.environ.get("FAULT_CHEAP_PDF") == "1":
        install_cheap_pdf()
    app.worker_main(argv=["worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
