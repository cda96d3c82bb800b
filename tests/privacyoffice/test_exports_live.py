"""Background exports on the auditor's path: PostgreSQL, a real Celery worker, a live server and
the login form (issue 19).

The old job deadlocked on its own connection (progress written through the connection the COPY
held); these tests run the job with progress on, download the file and read it back against
what psql's `\\copy` writes for the same SELECT.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg import ClientCursor

from common.csv_stream import CP932_EQUIVALENTS, cp932_unescape
from consent_app.models import ConsentEvent
from privacyoffice.models import ExportLog
from privacyoffice.reports.definitions import REPORTS
from privacyoffice.reports.services import EXPORT_WORKER_LOST, exports_sweep
from privacyoffice.reports.stream import CsvExport
from tests.conftest import LiveWorker, database_url_for_subprocess, wait_for
from tests.factories import PoCustomerFactory, PoPurposeFactory
from tests.live_http import Browser

pytestmark = [pytest.mark.postgres, pytest.mark.services]

LEDGER = "/admin/reports/consent-ledger/"
# Notes a person may type: a formula, characters CP932 lacks or writes as look-alikes, a literal
# reference (must not come back as 𠮷), quotes, commas, line breaks, an empty note.
NOTES = [
    "=SUM(A1:A2)",
    "𠮷野家で受付 😀",
    "〜お電話にて〜 − — ¢",
    "&#x20BB7; と入力",
    'He said "yes", twice',
    "一行目\n二行目",
    "",
    "普通のメモ、全角カンマ，半角,カンマ",
]
ROWS = 3000  # about 400 KB: past the streamer's 256 KiB chunk, so progress runs mid-COPY


@pytest.fixture
def ledger(transactional_db):
    customers = [PoCustomerFactory(number=f"C{i:05d}") for i in range(20)]
    customers.append(PoCustomerFactory(number="-C1"))  # a number a spreadsheet would compute
    purpose = PoPurposeFactory(code="DM-EMAIL")
    start = timezone.now() - timedelta(days=30)
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=customers[i % len(customers)],
            purpose=purpose,
            channel="email",
            old_state="" if i % 2 else "granted",
            new_state="granted" if i % 2 else "withdrawn",
            occurred_at=start + timedelta(minutes=i),
            actor="customer",
            source="web",
            note=NOTES[i % len(NOTES)] * (1 + i % 3),
        )
        for i in range(ROWS)
    )
    return ROWS


def psql_copy(report_slug: str = "consent-ledger") -> bytes:
    """What psql's `\\copy` writes for the export's SELECT (the same cells, in SQL)."""
    statement, params = CsvExport(REPORTS[report_slug], date_from=None, date_to=None).copy_sql()
    connection.ensure_connection()
    sql = ClientCursor(connection.connection).mogrify(statement, params)
    assert sql.startswith("COPY (")
    command = "\\copy " + sql[len("COPY ") :]
    return subprocess.run(
        ["psql", database_url_for_subprocess(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout


def select_count(report_slug: str = "consent-ledger") -> int:
    queryset = REPORTS[report_slug].queryset(date_from=None, date_to=None)
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS q", params)
        return cursor.fetchone()[0]


def export_id_of(url: str) -> int:
    return int(url.rstrip("/").split("/")[-1])


def start_export(browser: Browser, encoding: str) -> str:
    response = browser.post(
        LEDGER,
        {"date_from": "", "date_to": "", "encoding": encoding, "header": "codes"},
        follow=False,
    )
    assert response.status == 302, response.text[:500]
    return response.headers["Location"]


def status_when_ended(browser: Browser, status_url: str) -> str:
    def ended():
        page = browser.get(status_url)
        assert page.status == 200
        return page.text if 'data-status="running"' not in page.text else None

    return wait_for(ended, timeout=120)


def test_an_auditor_exports_the_ledger_in_the_background_and_gets_what_psql_copies(
    live_server, live_worker, auditor, ledger, settings
):
    """GIVEN 3,000 consent events and a threshold lowered to 100 rows
    WHEN an auditor logs in, posts the ledger form in each encoding and downloads each file
    THEN each job is done with progress written, the rows equal the SELECT's count, UTF-8 is
    byte for byte psql's \\copy plus the header, and BOM and CP932 decode to the same text."""
    settings.EXPORT_ASYNC_THRESHOLD = 100
    browser = Browser(live_server.url)
    browser.log_in(auditor.username)
    header = ",".join(REPORTS["consent-ledger"].column_names) + "\n"
    expected = header.encode() + psql_copy()
    expected_text = expected.decode("utf-8")
    count = select_count()
    assert count == ROWS

    files = {}
    for encoding in ("utf-8", "utf-8-sig", "cp932"):
        status_url = start_export(browser, encoding)
        page = status_when_ended(browser, status_url)
        assert 'data-status="done"' in page, page[:2000]
        download = browser.get(status_url + "download/")
        assert download.status == 200
        assert "consent-ledger_" in download.headers["Content-Disposition"]
        files[encoding] = download.body
        export = ExportLog.objects.get(pk=export_id_of(status_url))
        assert export.is_background and export.row_count == count
        assert export.progress_rows == count and export.heartbeat_at is not None

    assert files["utf-8"] == expected
    assert files["utf-8-sig"].startswith(b"\xef\xbb\xbf")
    assert files["utf-8-sig"].decode("utf-8-sig") == expected_text
    assert cp932_unescape(files["cp932"].decode("cp932")) == expected_text.translate(
        CP932_EQUIVALENTS
    )
    for encoding, body in files.items():
        frame = pd.read_csv(io.BytesIO(body), encoding=encoding, dtype=str, keep_default_na=False)
        assert len(frame) == count
        assert list(frame.columns) == REPORTS["consent-ledger"].column_names
        assert "'=SUM(A1:A2)" in set(frame["note"])
        assert "'-C1" in set(frame["customer_number"])
    assert "𠮷野家で受付 😀" in set(
        pd.read_csv(io.BytesIO(files["utf-8"]), dtype=str, keep_default_na=False)["note"]
    )


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def kill_worker(worker: LiveWorker) -> None:
    """SIGKILL the worker and its pool processes: a machine lost, nothing cleans up."""
    pids = [worker.proc.pid, *_children_of(worker.proc.pid)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.proc.wait(timeout=30)


def test_a_job_whose_worker_is_killed_ends_interrupted_after_the_sweep_and_its_retry_works(
    live_server, live_worker, auditor, ledger, settings
):
    """GIVEN a background export whose COPY is held waiting (a lock on the customers table)
    WHEN its worker is killed, and the sweep runs once the heartbeat has gone silent
    THEN the status page says interrupted with the reason and a Retry button, and the retry,
    on a new worker, produces the whole file."""
    settings.EXPORT_ASYNC_THRESHOLD = 100
    browser = Browser(live_server.url)
    browser.log_in(auditor.username)

    # Another session holds the customers table: the job's COPY (which joins it) waits.
    blocker = psycopg.connect(database_url_for_subprocess())
    blocker.execute("LOCK TABLE consent_app_customer IN ACCESS EXCLUSIVE MODE")
    try:
        status_url = start_export(browser, "utf-8")
        export_id = export_id_of(status_url)

        def heartbeats():
            export = ExportLog.objects.get(pk=export_id)
            return export.started_at is not None and export.heartbeat_at is not None

        wait_for(heartbeats, timeout=60)
        first_beat = ExportLog.objects.get(pk=export_id).heartbeat_at
        # Still running and still beating while its COPY waits: a slow job is not a dead one.
        wait_for(lambda: ExportLog.objects.get(pk=export_id).heartbeat_at > first_beat, 30)
        assert exports_sweep(silent_after=timedelta(seconds=5)) == 0
        kill_worker(live_worker)
    finally:
        blocker.rollback()
        blocker.close()

    time.sleep(1.5)  # the heartbeat, silent since the kill, is now older than the sweep's bound
    assert exports_sweep(silent_after=timedelta(seconds=1)) == 1
    page = browser.get(status_url).text
    assert 'data-status="interrupted"' in page
    assert str(EXPORT_WORKER_LOST)[:40] in page.replace("&#x27;", "'")
    assert "/retry/" in page

    second = LiveWorker().start()
    try:
        retry = browser.post(status_url + "retry/", {}, csrf_page=status_url, follow=False)
        assert retry.status == 302
        retry_url = retry.headers["Location"]
        assert export_id_of(retry_url) != export_id
        assert 'data-status="done"' in status_when_ended(browser, retry_url)
        body = browser.get(retry_url + "download/").body
    finally:
        second.stop()
    assert len(pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)) == ROWS
    again = ExportLog.objects.get(pk=export_id_of(retry_url))
    assert again.retry_of_id == export_id and again.row_count == ROWS
    assert ExportLog.objects.get(pk=export_id).status == ExportLog.Status.INTERRUPTED
