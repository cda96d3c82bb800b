"""Issue 17 item 5: a letter is rendered outside any transaction or row lock.

The render claims its letter (committed at once) while its session holds the letter's render
lock; WeasyPrint and the storage run with nothing held open; the finish is a conditional UPDATE
that only lands while the claim is still the render's own. Seen here from a second session,
as the application role, exactly as another worker or the admin would see the row.
"""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from requests_app.letters import rendering, services
from requests_app.letters.claims import render_lock
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter
from tests.conftest import app_role_settings, require_app_role
from tests.factories import LetterFactory

pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def letter_templates(transactional_db):
    """The seeded templates (a transactional test's flush removes the migration's rows)."""
    from requests_app.letters.seed import seed_letter_templates
    from requests_app.models import LetterTemplate

    seed_letter_templates(LetterTemplate)


def other_session() -> psycopg.Connection:
    """A second session as the application role (another web or worker process)."""
    require_app_role()
    db = app_role_settings()
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        autocommit=True,
    )


def in_thread(fn):
    """Run fn on its own Django connection (another worker), return what it returned."""
    result: list = []

    def run() -> None:
        try:
            result.append(fn())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    return result[0]


def render_pausing_with(during):
    """render_letter_pdf that calls `during(letter)` mid-render, then renders for real."""
    real = rendering.render_letter_pdf

    def render(*, letter):
        during(letter)
        return real(letter=letter)

    return mock.patch.object(rendering, "render_letter_pdf", side_effect=render)


def test_while_rendering_the_claim_is_committed_and_the_row_is_not_locked(transactional_db):
    letter = LetterFactory()
    seen: dict = {}

    def during(rendering_letter):
        with other_session() as other, other.cursor() as cursor:
            # The claim is visible to every other session: it was committed before the render.
            cursor.execute(
                "SELECT claim, claimed_at IS NOT NULL, attempts FROM requests_app_letter"
                " WHERE id = %s",
                [letter.pk],
            )
            seen["claim"] = cursor.fetchone()
            # And the row is not locked: an update from elsewhere does not wait.
            cursor.execute("SET lock_timeout = '500ms'")
            cursor.execute(
                "UPDATE requests_app_letter SET error = error WHERE id = %s", [letter.pk]
            )
            seen["updated"] = cursor.rowcount
        # The rendering session itself has no transaction open.
        seen["in_transaction"] = connection.in_atomic_block or not connection.get_autocommit()

    with render_pausing_with(during):
        letter_render(letter.pk)

    token, claimed, attempts = seen["claim"]
    assert len(token) == 32 and claimed and attempts == 1
    assert seen["updated"] == 1
    assert seen["in_transaction"] is False
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED
    assert (letter.claim, letter.claimed_at) == ("", None)


def test_a_second_task_for_a_letter_being_rendered_does_nothing(transactional_db):
    letter = LetterFactory()
    second: dict = {}

    def during(rendering_letter):
        second["result"] = in_thread(lambda: services.letter_generate(letter_id=letter.pk))

    with render_pausing_with(during):
        assert services.letter_generate(letter_id=letter.pk) is True

    assert second["result"] is False
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED
    assert letter.attempts == 1  # the second task never claimed it


def test_a_render_whose_claim_was_taken_over_stores_nothing_and_finishes_nothing(
    transactional_db, letter_storage
):
    letter = LetterFactory()

    def during(rendering_letter):
        with other_session() as other, other.cursor() as cursor:
            cursor.execute(
                "UPDATE requests_app_letter SET claim = 'someone-else' WHERE id = %s", [letter.pk]
            )

    with render_pausing_with(during):
        assert services.letter_generate(letter_id=letter.pk) is False

    letter.refresh_from_db()
    assert (letter.status, letter.file.name, letter.claim) == ("queued", "", "someone-else")
    assert not letter_storage.exists() or not any(letter_storage.rglob("*.pdf"))


def test_a_failed_render_ends_its_claim_so_the_retry_can_take_the_letter(transactional_db):
    letter = LetterFactory()

    def during(rendering_letter):
        raise ConnectionError("storage unreachable")

    with render_pausing_with(during), pytest.raises(ConnectionError):
        services.letter_generate(letter_id=letter.pk)
    letter.refresh_from_db()
    assert (letter.status, letter.claim, letter.attempts) == ("queued", "", 1)

    assert services.letter_generate(letter_id=letter.pk) is True
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == ("generated", 2)


def test_the_sweep_recovers_a_claim_no_live_worker_holds_and_leaves_a_live_one(
    transactional_db, django_capture_on_commit_callbacks
):
    """A worker that died mid-render (its session gone, so its lock too) left its claim: the
    sweep publishes the letter again at once. A letter a live worker renders is left alone."""
    recent = timezone.now() - dt.timedelta(seconds=30)
    dead = LetterFactory(claim="a" * 32, claimed_at=recent, queued_at=recent)
    alive = LetterFactory(claim="b" * 32, claimed_at=recent, queued_at=recent)
    holding, release = threading.Event(), threading.Event()

    def live_worker() -> None:
        with render_lock(alive.pk) as ours:
            assert ours
            holding.set()
            release.wait(30)
        connections.close_all()

    worker = threading.Thread(target=live_worker)
    worker.start()
    try:
        assert holding.wait(10)
        with (
            mock.patch.object(letter_render, "delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert services.letters_requeue_stale() == 1
    finally:
        release.set()
        worker.join(10)

    delay.assert_called_once_with(dead.pk)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.claim, dead.claimed_at) == ("", None)
    assert alive.claim == "b" * 32
