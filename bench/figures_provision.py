"""Issue 16's batch figures, measured on the user's path: gunicorn (debug off) and a real Celery
worker, the staff persona logged in through the login form.

- provision_batch.time: staff post "Provide data to a third party" (a domestic agreement party
  on consent) → the batch is queued → the worker runs the set-based eligibility query, inserts
  the records (hash-chained, Art. 29) and writes the recipient's file → the batch's page says
  completed. Timed from the POST to the page that says so.
- provision_batch_opt_out.time: the same recipient by opt-out, under a published filing for
  it (the heaviest eligibility query: no opt-out, no suppression, no data itself received by
  opt-out or with special-care data).
- provision_batch.all_or_nothing: a failure injected after the INSERT (in-process: a fault
  cannot be injected into the worker from here) leaves no record and the batch pending.

Each measured batch commits, as a person's does. Afterwards its records are removed (as the
tables' owner, the append-only triggers off for that transaction) and the chain's head put
back where it was, so every run and every later figure sees the same data; its file is
deleted; the batch row stays.
"""

from __future__ import annotations

import contextlib
import html
import re
import time
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from . import figures as base  # a cycle (figures lists these figures): read at call time
from .harness import Result, Stats
from .http import PERSONAS, Site, celery_worker, gunicorn_server
from .scales import Scale

POLL_SECONDS = 0.25
BATCH_TIMEOUT = 1800
FILING_REFERENCE = "BENCH-OPT-1"
# The status the batch's (read-only) page shows.
_STATUS_FIELD = re.compile(r'field-status.*?<div class="readonly">([^<]*)</div>', re.DOTALL)


def _label(value: str) -> str:
    """A batch status as the (Japanese) batch page shows it."""
    Batch = apps.get_model("consent_app", "ProvisionBatch")
    with translation.override("ja"):
        return html.escape(str(Batch.Status(value).label), quote=False)


@contextlib.contextmanager
def _records_removed_after() -> Iterator[None]:
    """Put the provision-record ledger back as it was before the block: the rows the block's
    batches added deleted, the chain's head restored."""
    Record = apps.get_model("consent_app", "ProvisionRecord")
    Head = apps.get_model("privacyoffice", "LedgerHead")
    table = Record._meta.db_table
    head = Head.objects.filter(ledger=table).values_list("seq", "hash").first()
    newest = Record.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # As the table's owner (the smoke test's role) or a superuser (the bench's): the
            # append-only triggers off for this transaction only.
            cursor.execute("BEGIN")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [newest])  # noqa: S608  # nosec B608  # model table
            if head is not None:
                cursor.execute(
                    f"UPDATE {Head._meta.db_table} SET seq = %s, hash = %s WHERE ledger = %s",  # noqa: S608  # nosec B608  # model table
                    [head[0], head[1], table],
                )
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("COMMIT")
        base.vacuum(table)


def _run_batch(site: Site, session, data: dict[str, str]) -> tuple[float, int, int]:
    """POST the batch form → the batch's page until it says completed; (seconds, id, rows)."""
    Batch = apps.get_model("consent_app", "ProvisionBatch")
    add_path = reverse("admin:consent_app_provisionbatch_add")
    before = Batch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    answer = site.post(session, add_path, data)
    if answer.status_code != 302:
        raise AssertionError(f"the batch form answered {answer.status_code}, not a redirect")
    # The page lists the batch; the person opens it (the newest, theirs).
    batch_id = (
        Batch.objects.filter(pk__gt=before, created_by__username=PERSONAS["staff"])
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if batch_id is None:
        raise AssertionError("the form redirected but no batch was created")
    page_path = reverse("admin:consent_app_provisionbatch_change", args=[batch_id])
    ended = {_label("completed"), _label("failed")}
    deadline = time.monotonic() + BATCH_TIMEOUT
    while True:
        shown = _STATUS_FIELD.search(site.get(session, page_path).text)
        if shown and shown.group(1).strip() in ended:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} still pending after {BATCH_TIMEOUT} s")
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    batch = Batch.objects.get(pk=batch_id)
    if batch.status != "completed":
        raise AssertionError(f"batch {batch_id} ended {batch.status}: {batch.error}")
    if batch.file:
        default_storage.delete(batch.file.name)
    return seconds, batch_id, batch.customer_count or 0


def _opt_out_filing(recipient):
    Filing = apps.get_model("consent_app", "OptOutFiling")
    today = timezone.localdate()
    filing = Filing.objects.filter(reference=FILING_REFERENCE).first()
    if filing is None:
        filing = Filing.objects.create(
            reference=FILING_REFERENCE,
            title="bench",
            data_items=list(recipient.data_items or []),
            acquisition_method="bench",
            provision_method="bench",
            opt_out_method="bench",
            filed_on=today,
            ppc_published_on=today,
            company_published_on=today,
        )
    filing.recipients.add(recipient)
    return filing


def provision_batches(scale: Scale) -> list[Result]:
    Recipient = apps.get_model("consent_app", "Recipient")
    Purpose = apps.get_model("consent_app", "PurposeOfUse")
    Batch = apps.get_model("consent_app", "ProvisionBatch")
    # A domestic agreement party on consent: the basis check runs, no Art. 28 question.
    recipient = (
        Recipient.objects.filter(category="agreement", active=True, country="JP", basis="consent")
        .order_by("pk")
        .first()
    )
    purpose = Purpose.objects.filter(is_third_party_provision=True, active=True).first()
    form = {"recipient": str(recipient.pk), "purpose": str(purpose.pk)}
    consent_t: list[float] = []
    opt_out_t: list[float] = []
    counts: list[int] = []
    opt_out_counts: list[int] = []
    proved: list[bool] = []
    filing = _opt_out_filing(recipient)
    with (
        celery_worker() as _worker,
        gunicorn_server() as site,
        _records_removed_after(),
    ):
        session = site.login(PERSONAS["staff"])
        for _run in range(scale.heavy_runs):
            with _records_removed_after():
                seconds, _batch_id, rows = _run_batch(site, session, {**form, "basis": ""})
            consent_t.append(seconds)
            counts.append(rows)
        for _run in range(scale.heavy_runs):
            with _records_removed_after():
                seconds, batch_id, rows = _run_batch(site, session, {**form, "basis": "opt_out"})
            opt_out_t.append(seconds)
            opt_out_counts.append(rows)
            proved.append(Batch.objects.filter(pk=batch_id, opt_out_filing=filing).exists())
    consent, opt_out = Stats(consent_t), Stats(opt_out_t)
    path = (
        "staff posted the batch form through gunicorn, a Celery worker ran it, the batch's "
        "page said completed"
    )
    return [
        Result(
            "provision_batch.time",
            round(consent.median, 2),
            "s",
            "< 30",
            consent.median < 30,
            stats=consent.as_dict(2),
            note=f"{counts[0]:,} records for one recipient over {scale.customers:,} customers; "
            f"{path}",
        ),
        base.provision_batch_all_or_nothing(recipient, purpose),
        Result(
            "provision_batch_opt_out.time",
            round(opt_out.median, 2),
            "s",
            "< 30",
            opt_out.median < 30 and all(proved),
            stats=opt_out.as_dict(2),
            note=f"{opt_out_counts[0]:,} records by opt-out under a published filing over "
            f"{scale.customers:,} customers (basis checked, filing stored on the batch); {path}",
        ),
    ]
