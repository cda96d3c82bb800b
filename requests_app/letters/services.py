"""Letter services (writes): queue, render, fail, retry, mark sent, and template versions.

A letter is owed by a transition (request form, more documents, extension notice, response).
`letter_queue` records it as a row first and publishes the render task only after the caller's
transaction commits, so nothing is ever lost: if the broker is down the row stays queued and the
beat sweep (`letters_requeue_stale`) publishes it again once the broker is back.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as BrokerError

from requests_app.models import (
    DisclosureRequest,
    Letter,
    LetterKind,
    LetterTemplate,
    Outcome,
)

from . import rendering
from .claims import render_lock, render_locks_held
from .tasks import letter_render

logger = logging.getLogger(__name__)

# Error messages (tests assert these).
LETTER_WILL_FOLLOW = _(
    "The letter could not be handed to the letter service right now; it is recorded and will "
    "be produced automatically within a few minutes."
)
UNKNOWN_KIND = _("Unknown letter kind: %(kind)s.")
EMPTY_OCCASION = _("A letter needs an occasion (what owes it), so it is never generated twice.")
NOT_GENERATED = _("Only a generated letter can be marked sent.")
ALREADY_SENT = _("This letter has already been marked sent.")
TRACKING_ONLY_FOR_POST = _("A tracking number only applies to letters sent by post.")
UNKNOWN_SENT_VIA = _("Choose how the letter was sent: post or e-mail.")
ONLY_FAILED_RETRY = _("Only a failed letter can be retried.")
TEMPLATE_NOT_CURRENT = _(
    "This template is not the current version any more; edit the current version instead."
)

GAVE_UP = _(
    "Rendering was attempted %(attempts)s times without success (the worker may have been "
    "stopped by the time limit); retry it once the cause is fixed."
)
# Retries of one delivery (max_retries + 1) times a few deliveries by the sweep.
MAX_RENDER_ATTEMPTS = 20

# What a publish raises when the broker is unreachable (kombu wraps most in OperationalError).
BROKER_ERRORS = (BrokerError, KombuError, ConnectionError, OSError)

# How long a letter may stay queued before the sweep publishes its task again. A few minutes:
# long enough for a busy worker to reach it, short enough that a letter queued while the broker
# was down goes out soon after it is back.
REQUEUE_AFTER = timedelta(minutes=5)

# Publishes render tasks off the request thread, so a frozen broker costs a web request at most
# LETTER_PUBLISH_TIMEOUT. A few threads: each stuck publish ends at the broker's socket timeout.
_PUBLISHER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="letter-publish")


# --- queueing ----------------------------------------------------------------------------------
def letter_language(*, request: DisclosureRequest) -> str:
    """The customer's preferred language once identity is verified (the customer is linked),
    else the language the requester asked for."""
    customer = request.customer
    if customer is not None and customer.erased_at is None and customer.preferred_language:
        return customer.preferred_language
    return request.language or "ja"


def response_letter_kind(*, request: DisclosureRequest) -> str:
    """The kind of the response letter for the request's outcome."""
    if request.outcome == Outcome.REFUSED:
        return LetterKind.REFUSAL
    if request.outcome == Outcome.NO_DATA_HELD or request.no_data_held:
        return LetterKind.NO_DATA_HELD
    return LetterKind.RESPONSE


def letter_template_current(
    *, kind: str, request_type: str, language: str
) -> LetterTemplate | None:
    """The current template version: the one for this request type, else the one for any type."""
    candidates = LetterTemplate.objects.filter(
        kind=kind, language=language, is_current=True, request_type__in=[request_type, ""]
    )
    # An exact request type beats the "any type" template ("" sorts first, so order descending).
    return candidates.order_by("-request_type").first()


def letter_queue(
    *, request: DisclosureRequest, kind: str, occasion: str, by=None, draft=None
) -> Letter:
    """Record the letter a transition owes and publish its render task after commit.

    Idempotent: the same request, kind and occasion (e.g. the transition log id) always give the
    same row, so a retried transition never yields two letters. A response (`kind="response"`)
    becomes a refusal or a "no data held" letter when the request's outcome says so. The language
    is the verified customer's preferred language, else the request's. The template is the
    current version at queueing time (the letter records it; later edits do not change it).
    """
    if kind not in LetterKind.values:
        raise ValueError(UNKNOWN_KIND % {"kind": kind})
    if not occasion:
        raise ValueError(EMPTY_OCCASION)
    if kind == LetterKind.RESPONSE:
        kind = response_letter_kind(request=request)
    if draft is not None:
        # The approved draft is the letter: its kind, language and template version.
        kind, language, template = draft.kind, draft.language, draft.template
    else:
        language = letter_language(request=request)
        template = letter_template_current(
            kind=kind, request_type=request.request_type, language=language
        )
    try:
        # A savepoint: a concurrent transition that created the same letter first leaves the
        # caller's transaction usable, and we return the row that won.
        with transaction.atomic():
            letter, created = Letter.objects.get_or_create(
                request=request,
                kind=kind,
                occasion=occasion[:64],
                defaults={
                    "language": language,
                    "template": template,
                    "draft": draft,
                    "queued_at": timezone.now(),
                },
            )
    except IntegrityError:
        letter, created = (
            Letter.objects.get(request=request, kind=kind, occasion=occasion[:64]),
            False,
        )
    if created:
        logger.info(
            "letter %s queued for request %s (kind=%s, template=%s, by=%s)",
            letter.pk,
            request.pk,
            kind,
            template.pk if template else None,
            getattr(by, "pk", None),
        )
        letter_id = letter.pk
        # robust: whatever a publish raises, the committed transition's page still answers.
        transaction.on_commit(lambda: letter_enqueue(letter_id=letter_id), robust=True)
    return letter


def _publish_render(letter_id: int) -> None:
    """Runs in a publisher thread: publishes only, touches no database."""

    letter_render.delay(letter_id)


def letter_enqueue(*, letter_id: int) -> bool:
    """Publish the render task, waiting at most LETTER_PUBLISH_TIMEOUT seconds.

    Runs after commit, inside the caller's web request. A broker that refuses connections fails
    fast, but a frozen one (SIGSTOP, a partition) accepts them and never answers: the socket
    timeouts and the publish retry then add up to 15 s, and a few presses tie up every web
    worker. So the publish runs in a thread and the request waits for it no longer than the
    bound; on failure or timeout the letter is marked unpublished (the row is already safe) and
    the next sweep publishes it. A publish that completes after we gave up is harmless: the
    render claims its row, so a second task for it does nothing.
    """
    if current_app.conf.task_always_eager:  # eager: the "publish" is the render, run it here
        _publish_render(letter_id)
        return True
    future = _PUBLISHER.submit(_publish_render, letter_id)
    try:
        future.result(timeout=settings.LETTER_PUBLISH_TIMEOUT)
    except (FuturesTimeout, *BROKER_ERRORS) as exc:
        logger.warning(
            "letter %s: render task not published (%s); the sweep will re-queue it",
            letter_id,
            type(exc).__name__,
        )
        Letter.objects.filter(pk=letter_id, status=Letter.Status.QUEUED).update(
            unpublished_since=Coalesce(F("unpublished_since"), Now())
        )
        return False
    return True


def letters_unpublished(*, request: DisclosureRequest) -> bool:
    """Does the request have a letter whose render task could not be published?"""
    return Letter.objects.filter(
        request=request, status=Letter.Status.QUEUED, unpublished_since__isnull=False
    ).exists()


def letters_requeue_stale(*, older_than: timedelta = REQUEUE_AFTER, limit: int = 500) -> int:
    """Publish again the render task of letters whose publish failed, of letters still queued
    after `older_than` (a message the broker may have lost), and of letters whose render claim
    no live session holds any more (its worker died and its message did not come back).

    Letters a live worker is rendering right now (their render lock held) are passed over; a
    duplicate task for any other letter is harmless because the task claims its letter before
    rendering. Returns the number of letters re-queued.
    """
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stale = (
            Letter.objects.select_for_update(skip_locked=True)
            .filter(status=Letter.Status.QUEUED)
            .filter(
                Q(unpublished_since__isnull=False)
                | Q(queued_at__lte=cutoff)
                | Q(queued_at__isnull=True)
                | ~Q(claim="")
            )
            .order_by("queued_at")
            .values_list("pk", flat=True)[:limit]
        )
        candidates = list(stale)
        rendering = render_locks_held(candidates)
        ids = [pk for pk in candidates if pk not in rendering]
        if not ids:
            return 0
        # Restart the clock so the next sweep waits again before publishing a second time;
        # a publish that fails below marks the letter unpublished again. A stale claim ends.
        Letter.objects.filter(pk__in=ids).update(
            queued_at=timezone.now(), unpublished_since=None, claim="", claimed_at=None
        )

        def publish() -> None:
            for position, letter_id in enumerate(ids):
                if not letter_enqueue(letter_id=letter_id):
                    # Broker still down: mark the rest too, so the next sweep takes them at once.
                    Letter.objects.filter(
                        pk__in=ids[position + 1 :], status=Letter.Status.QUEUED
                    ).update(unpublished_since=Now())
                    break

        transaction.on_commit(publish, robust=True)
    logger.info("letter sweep re-queued %s letters", len(ids))
    return len(ids)


# --- outcome of a render -----------------------------------------------------------------------
def letter_mark_failed(*, letter_id: int, error: str) -> bool:
    """Record the final failure of a render (after its retries); staff see it with the error."""
    updated = Letter.objects.filter(pk=letter_id, status=Letter.Status.QUEUED).update(
        status=Letter.Status.FAILED, error=error[:4000], claim="", claimed_at=None
    )
    if updated:
        # The error text stays in the row; the log gets the exception type only, since a
        # database error's detail can quote a value.
        logger.error("letter %s failed (%s)", letter_id, error.split(":", 1)[0][:80])
    return bool(updated)


def letter_retry(*, letter: Letter, by=None) -> Letter:
    """Queue a failed letter again, re-reading the current template if it had none."""
    with transaction.atomic():
        updated = Letter.objects.filter(pk=letter.pk, status=Letter.Status.FAILED).update(
            status=Letter.Status.QUEUED, error="", queued_at=timezone.now()
        )
        if not updated:
            raise ValueError(ONLY_FAILED_RETRY)
        letter.refresh_from_db()
        letter_id = letter.pk
        # robust: whatever a publish raises, the committed transition's page still answers.
        transaction.on_commit(lambda: letter_enqueue(letter_id=letter_id), robust=True)
    logger.info("letter %s re-queued by user %s", letter.pk, getattr(by, "pk", None))
    return letter


def letter_mark_sent(
    *, letter: Letter, by, sent_via: str, tracking_number: str = "", sent_at=None
) -> Letter:
    """Record that staff posted or e-mailed a generated letter."""
    tracking_number = (tracking_number or "").strip()
    if sent_via not in Letter.SentVia.values:
        raise ValueError(UNKNOWN_SENT_VIA)
    if tracking_number and sent_via != Letter.SentVia.POST:
        raise ValueError(TRACKING_ONLY_FOR_POST)
    if letter.status == Letter.Status.SENT:
        raise ValueError(ALREADY_SENT)
    updated = Letter.objects.filter(pk=letter.pk, status=Letter.Status.GENERATED).update(
        status=Letter.Status.SENT,
        sent_via=sent_via,
        tracking_number=tracking_number[:40],
        sent_at=sent_at or timezone.now(),
        sent_by=by,
    )
    if not updated:
        letter.refresh_from_db()
        raise ValueError(ALREADY_SENT if letter.status == Letter.Status.SENT else NOT_GENERATED)
    letter.refresh_from_db()
    logger.info("letter %s marked sent via %s by user %s", letter.pk, sent_via, by.pk)
    return letter


# --- templates ---------------------------------------------------------------------------------
def letter_template_publish(
    *,
    kind: str,
    request_type: str,
    language: str,
    subject: str,
    body: str,
    date_style: str = LetterTemplate.DateStyle.WESTERN,
    seal=None,
    by=None,
    base: LetterTemplate | None = None,
) -> LetterTemplate:
    """Save a new version of a template; the previous version stays, no longer current.

    `base` is the version the editor started from: editing anything but the current version
    is refused, so two managers editing at once cannot silently overwrite each other.
    `seal`: a new company-seal file, the stored name of another version's seal, False to remove
    the seal, None to keep the current one (versions share the stored file: they are never
    deleted).
    """
    with transaction.atomic():
        # Lock the current version (if any) so two concurrent saves number versions in turn.
        current = (
            LetterTemplate.objects.select_for_update()
            .filter(kind=kind, request_type=request_type, language=language, is_current=True)
            .first()
        )
        if base is not None and (current is None or current.pk != base.pk):
            raise ValueError(TEMPLATE_NOT_CURRENT)
        last = LetterTemplate.objects.filter(
            kind=kind, request_type=request_type, language=language
        ).aggregate(v=Max("version"))["v"]
        if current is not None:
            LetterTemplate.objects.filter(pk=current.pk).update(is_current=False)
        template = LetterTemplate(
            kind=kind,
            request_type=request_type,
            language=language,
            version=(last or 0) + 1,
            subject=subject,
            body=body,
            date_style=date_style,
            is_current=True,
            created_by=by,
        )
        if isinstance(seal, str):  # a stored seal another version uses (restoring a version)
            template.seal_image = seal
        elif seal:
            template.seal_image.save(f"seal-{uuid.uuid4().hex}.png", seal, save=False)
        elif seal is None and current is not None and current.seal_image:
            template.seal_image = current.seal_image.name
        template.save()
    logger.info(
        "letter template %s v%s published by user %s",
        template.pk,
        template.version,
        getattr(by, "pk", None),
    )
    return template


# --- generation (called by the render task) ----------------------------------------------------
def letter_storage_name(*, letter: Letter) -> str:
    """A fixed name per letter (no personal data in it): a second run overwrites, never adds."""
    created = letter.created_at or timezone.now()
    return f"letters/{created:%Y/%m}/letter-{letter.pk}.pdf"


def letter_generate(*, letter_id: int) -> bool:
    """Render a queued letter to PDF, store it and mark it generated; False if not ours to do.

    Three steps, none holding a transaction or a row lock while WeasyPrint and the storage work
    (issue 17): the claim, committed at once (a token, the time, one more attempt), taken only
    with the letter's render lock (claims.render_lock: a session lock, so a worker killed
    mid-render frees it and the redelivered task takes the claim over); the render and the
    store; the finish, a conditional UPDATE that marks the letter generated only if the claim
    is still ours. A second task for a letter being rendered does nothing; the file name is
    fixed per letter, so an attempt cut short leaves nothing but a file the next one replaces.
    """
    with render_lock(letter_id) as ours:
        if not ours:
            logger.info("letter %s is being rendered by another worker; nothing to do", letter_id)
            return False
        return _letter_render_claimed(letter_id=letter_id)


def _letter_render_claimed(*, letter_id: int) -> bool:
    token = uuid.uuid4().hex
    mine = Letter.objects.filter(pk=letter_id, status=Letter.Status.QUEUED)
    if not mine.update(claim=token, claimed_at=Now(), error="", attempts=F("attempts") + 1):
        logger.info("letter %s not queued any more; nothing to do", letter_id)
        return False
    mine = mine.filter(claim=token)
    letter = Letter.objects.select_related(
        "request", "request__customer", "request__assignee", "template", "draft"
    ).get(pk=letter_id)
    if letter.attempts > MAX_RENDER_ATTEMPTS:
        # A letter that kills its worker (hard time limit, out of memory) would otherwise be
        # swept and retried for ever: after this many tries it waits for a person.
        letter_mark_failed(
            letter_id=letter_id, error=str(GAVE_UP % {"attempts": letter.attempts - 1})
        )
        return False
    try:
        if letter.template is None:
            # Queued before a template existed: take the current one now and record it.
            letter.template = letter_template_current(
                kind=letter.kind,
                request_type=letter.request.request_type if letter.request_id else "",
                language=letter.language,
            )
        if letter.draft_id and letter.draft.status == letter.draft.Status.RENDERED:
            # Approved from a draft: the letter is the approved final PDF, byte for byte.
            from .drafts import draft_final_bytes

            data = draft_final_bytes(draft=letter.draft)
            rendered = rendering.RenderedPdf(
                pdf=data, page_count=letter.draft.page_count or 0, sha256=letter.draft.sha256
            )
        else:
            rendered = rendering.render_letter_pdf(letter=letter)
        # Store only while the claim is ours: this read also proves the session (and so the
        # render lock) is still alive, so no other render can have taken the letter over.
        if not mine.exists():
            logger.warning("letter %s: claim lost during the render; result dropped", letter_id)
            return False
        name = letter_storage_name(letter=letter)
        if default_storage.exists(name):
            default_storage.delete(name)
        stored_name = default_storage.save(name, ContentFile(rendered.pdf))
        finished = mine.update(
            status=Letter.Status.GENERATED,
            template=letter.template,
            file=stored_name,
            sha256=rendered.sha256,
            size=len(rendered.pdf),
            page_count=rendered.page_count,
            generated_at=timezone.now(),
            error="",
            claim="",
            claimed_at=None,
            # A publish that outlived its bound still reached a worker: the letter exists, so
            # it is no longer waiting for the sweep.
            unpublished_since=None,
        )
    except BaseException:
        # The task retries or fails it: the claim ends here (if the database still answers; if
        # not, the sweep finds a claim no session holds and recovers it).
        with contextlib.suppress(DatabaseError):
            mine.update(claim="", claimed_at=None)
        raise
    if not finished:
        logger.warning("letter %s: claim lost before the finish; result dropped", letter_id)
        return False
    logger.info("letter %s generated (%s pages)", letter_id, rendered.page_count)
    return True
