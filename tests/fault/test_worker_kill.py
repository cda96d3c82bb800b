"""A Celery worker killed with SIGKILL while it renders letters: every letter is produced once.

What makes it so: the task is acknowledged only after it ran (acks_late), a worker lost mid-task
puts the task back (reject_on_worker_lost), each worker process holds one task (prefetch 1), the
redelivered task takes the letter's claim over (a claim lives only while its worker's session holds
the letter's render lock, which goes with a dead worker's connection), and a letter's file name is
fixed per letter. The workers here run on
a private Redis whose visibility timeout is seconds (production: an hour), so a killed worker's
message comes back while the test waits.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.db import transaction

from requests_app import services
from requests_app.letters.services import letter_queue
from requests_app.models import DisclosureRequest, Letter, RequestCase
from requests_app.models import RequestState as S
from tests.factories import DisclosureRequestFactory
from tests.requests_app.helpers import request_in

from .conftest import settled, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.postgres]

VOLUME = 1000


# --- the settings the guarantees rest on -------------------------------------------------------
def test_every_task_finishes_or_is_killed_before_redis_would_hand_it_out_again():
    """A task still running when the visibility timeout expires is delivered to a second worker:
    every hard time limit and every retry countdown of every task stays under it."""
    from privacyoffice.celery import app

    app.loader.import_default_modules()
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]

    assert tasks
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    for task in tasks:
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard is not None and hard < visibility, task.name
        assert soft is not None and soft < hard, task.name
        if getattr(task, "autoretry_for", ()):
            # Celery's own defaults when the task does not say (autoretry.py).
            if getattr(task, "retry_backoff", False):
                longest_countdown = getattr(task, "retry_backoff_max", 600)
            else:
                longest_countdown = task.default_retry_delay
            assert longest_countdown < visibility, task.name
        assert task.acks_late and task.reject_on_worker_lost, task.name


# --- one letter, one kill ----------------------------------------------------------------------
def test_a_letter_whose_worker_is_killed_mid_render_is_produced_once_by_the_next_worker(
    web_broker, workers, letter_templates, letter_storage, staff, tmp_path
):
    """GIVEN staff sent a request form and a worker is rendering its letter
    WHEN the worker is killed with SIGKILL and a new worker starts
    THEN the letter is rendered again from scratch and stored once: one row, one file."""
    gate = tmp_path / "gate"
    gate.mkdir()
    first = workers.start(gate=gate)
    obj = services.request_send_form(request=request_in(S.INQUIRY), by=staff)
    letter = Letter.objects.get(request=obj)
    wait_until(
        (gate / f"started-{letter.pk}").exists, timeout=60, why=workers.logs
    )  # rendering, with the row claimed

    first.kill()
    second = workers.start()
    wait_until(settled(letter), timeout=90, why=workers.logs)

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert letter.attempts == 2  # the killed render and the one that finished
    assert Letter.objects.filter(request=obj).count() == 1
    assert letter_storage.names() == {letter.file.name}
    assert letter_storage.sha256(letter.file.name) == letter.sha256
    assert second.alive()


def test_a_letter_whose_pool_process_is_killed_is_rendered_again_by_the_same_worker(
    web_broker, workers, letter_templates, letter_storage, staff, tmp_path
):
    """GIVEN a worker's pool process is rendering a letter WHEN that process alone is killed
    THEN the worker puts the task back (reject_on_worker_lost) instead of acknowledging it as
    failed, and a fresh pool process produces the letter once."""
    gate = tmp_path / "gate"
    gate.mkdir()
    worker = workers.start(gate=gate)
    obj = services.request_send_form(request=request_in(S.INQUIRY), by=staff)
    letter = Letter.objects.get(request=obj)
    started = gate / f"started-{letter.pk}"
    wait_until(started.exists, timeout=60, why=workers.logs)
    pool_process = int(started.read_text())
    assert pool_process != worker.proc.pid

    os.kill(pool_process, signal.SIGKILL)
    (gate / "release").touch()
    wait_until(settled(letter), timeout=90, why=workers.logs)

    assert letter.status == Letter.Status.GENERATED, letter.error
    assert letter.attempts == 2
    assert letter_storage.names() == {letter.file.name}
    assert letter_storage.sha256(letter.file.name) == letter.sha256
    assert worker.alive()


# --- a thousand letters, one kill --------------------------------------------------------------
def test_a_thousand_letters_survive_a_worker_killed_mid_run_exactly_once_each(
    web_broker, workers, letter_templates, letter_storage, tmp_path
):
    """GIVEN 1,000 letters queued WHEN the worker is killed with SIGKILL mid-run (one letter
    mid-render, the other pool process wherever it is) and a new worker starts
    THEN there are exactly 1,000 generated letters and 1,000 files, each file the one its row
    describes, and nothing failed.

    The PDFs are one-page stubs (tests/fault/worker.py): the task, claim, template, storage and
    rows are the real ones; WeasyPrint would take minutes for a thousand letters."""
    built = DisclosureRequestFactory.build_batch(VOLUME, state=S.FORM_SENT)
    # Each request is its own case's one right: the cases first, then the requests.
    for request, case in zip(
        built, RequestCase.objects.bulk_create([r.case for r in built]), strict=True
    ):
        request.case = case
    requests = DisclosureRequest.objects.bulk_create(built)
    with transaction.atomic():  # 1,000 tasks published on commit, as transitions do
        letters = [
            letter_queue(request=r, kind="request_form", occasion=f"fault-volume-{r.pk}")
            for r in requests
        ]
    ids = [letter.pk for letter in letters]
    gated = ids[VOLUME * 3 // 10]
    gate = tmp_path / "gate"
    gate.mkdir()
    ours = Letter.objects.filter(pk__in=ids)

    first = workers.start(concurrency=2, gate=gate, gate_letters=[gated], cheap_pdf=True)
    wait_until((gate / f"started-{gated}").exists, timeout=120, why=workers.logs)
    first.kill()
    done_at_kill = ours.filter(status=Letter.Status.GENERATED).count()
    workers.start(concurrency=2, cheap_pdf=True)
    wait_until(
        lambda: not ours.filter(status=Letter.Status.QUEUED).exists(),
        timeout=240,
        why=workers.logs,
    )

    assert 0 < done_at_kill < VOLUME  # the kill really fell mid-run
    assert ours.count() == VOLUME
    assert ours.filter(status=Letter.Status.GENERATED).count() == VOLUME
    rows = dict(ours.values_list("file", "sha256"))
    assert len(rows) == VOLUME  # a distinct file per letter
    assert letter_storage.names() == set(rows)  # and no other file stored
    assert all(letter_storage.sha256(name) == sha for name, sha in rows.items())
    assert Letter.objects.get(pk=gated).attempts == 2
