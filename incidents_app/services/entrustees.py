"""Supervision of entrustees (APPI Art. 25) (writes): the check-sheet cycle and its evidence.

open (a manager, with a due date; the current questions are copied in) → answered (staff record
the entrustee's answers) → reviewed (a manager other than the one who recorded the answers).
The review sets the entrustee's next due date, one interval later.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.services.documents import sniff_identity_document

from ..models import CheckAnswer, CheckEvidence, CheckQuestion, Entrustee, SupervisionCheck

logger = logging.getLogger(__name__)

NO_PERMISSION_OPEN = _("Only a privacy manager may open a check-sheet.")
NO_PERMISSION_ANSWER = _("You are not allowed to record check-sheet answers.")
NO_PERMISSION_REVIEW = _("Only a privacy manager may review a check-sheet.")
NO_PERMISSION_EVIDENCE = _("You are not allowed to attach evidence.")
NO_QUESTIONS = _("There are no active check-sheet questions: a manager must add some.")
ALREADY_OPEN = _("This entrustee already has a check-sheet waiting: finish it first.")
NOT_OPEN = _("Answers can only be recorded while the check-sheet is open or answered.")
NOT_ANSWERED = _("Only an answered check-sheet can be reviewed.")
UNANSWERED_LEFT = _("Answer every question (or mark it not applicable) first.")
FOUR_EYES = _("The check-sheet must be reviewed by someone other than who recorded the answers.")
UNKNOWN_ANSWER = _("Unknown answer %(answer)s.")
NOTES_REQUIRED = _("Write what must be done when action is required.")
INACTIVE = _("This entrustee is not active.")
DUE_IN_PAST = _("The due date is in the past.")
CYCLE = _("An entrustee cannot be sub-entrusted by itself or by one of its own sub-entrustees.")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def entrustee_validate_parent(*, entrustee: Entrustee, parent: Entrustee | None) -> None:
    """Refuse a sub-entrustment chain that loops back to the entrustee."""
    node = parent
    seen = set()
    while node is not None and node.pk not in seen:
        if entrustee.pk is not None and node.pk == entrustee.pk:
            raise ValidationError({"parent": [ValidationError(CYCLE)]})
        seen.add(node.pk)
        node = node.parent


def supervision_check_open(*, entrustee: Entrustee, by, due_on: dt.date) -> SupervisionCheck:
    if not by.has_perm("incidents_app.add_supervisioncheck"):
        raise PermissionDenied(NO_PERMISSION_OPEN)
    if not entrustee.active:
        raise ValidationError(INACTIVE)
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": [ValidationError(DUE_IN_PAST)]})
    questions = list(CheckQuestion.objects.filter(active=True).order_by("category", "sort_order"))
    if not questions:
        raise ValidationError(NO_QUESTIONS)
    with transaction.atomic():
        Entrustee.objects.select_for_update().get(pk=entrustee.pk)
        if entrustee.checks.exclude(state=SupervisionCheck.State.REVIEWED).exists():
            raise ValidationError(ALREADY_OPEN)
        check = SupervisionCheck.objects.create(entrustee=entrustee, due_on=due_on, opened_by=by)
        CheckAnswer.objects.bulk_create(
            CheckAnswer(
                check_sheet=check,
                question=question,
                category=question.category,
                question_text=question.text_ja,
            )
            for question in questions
        )
        Entrustee.objects.filter(pk=entrustee.pk).update(next_check_due=due_on)
    logger.info("check-sheet %s opened for entrustee %s by user %s", check.pk, entrustee.pk, by.pk)
    return check


def supervision_check_answer(
    *, check: SupervisionCheck, by, answers: dict[int, tuple[str, str]], complete: bool = False
) -> SupervisionCheck:
    """Record answers {answer id: (answer, comment)}; `complete` marks the sheet answered."""
    if not by.has_perm("incidents_app.change_supervisioncheck"):
        raise PermissionDenied(NO_PERMISSION_ANSWER)
    for answer, _comment in answers.values():
        if answer not in CheckAnswer.Answer.values:
            raise ValidationError(UNKNOWN_ANSWER % {"answer": answer})
    with transaction.atomic():
        locked = SupervisionCheck.objects.select_for_update().get(pk=check.pk)
        if locked.state == SupervisionCheck.State.REVIEWED:
            raise ValidationError(NOT_OPEN)
        for row in locked.answers.filter(pk__in=list(answers)):
            row.answer, row.comment = answers[row.pk]
            row.save(update_fields=["answer", "comment"])
        if complete:
            if locked.answers.filter(answer="").exists():
                raise ValidationError(UNANSWERED_LEFT)
            locked.state = SupervisionCheck.State.ANSWERED
            locked.answered_by = by
            locked.answered_at = timezone.now()
            locked.save(update_fields=["state", "answered_by", "answered_at"])
    logger.info("check-sheet %s answers recorded by user %s", check.pk, by.pk)
    return locked


def supervision_check_review(
    *, check: SupervisionCheck, by, result: str, notes: str = ""
) -> SupervisionCheck:
    if not by.has_perm("incidents_app.review_supervisioncheck"):
        raise PermissionDenied(NO_PERMISSION_REVIEW)
    if result not in SupervisionCheck.Result.values:
        raise ValidationError({"result": [ValidationError(_("Choose the result."))]})
    if result == SupervisionCheck.Result.ACTION_REQUIRED and not notes.strip():
        raise ValidationError({"notes": [ValidationError(NOTES_REQUIRED)]})
    with transaction.atomic():
        locked = SupervisionCheck.objects.select_for_update().get(pk=check.pk)
        if locked.state != SupervisionCheck.State.ANSWERED:
            raise ValidationError(NOT_ANSWERED)
        if locked.answered_by_id == by.pk:
            raise PermissionDenied(FOUR_EYES)
        now = timezone.now()
        SupervisionCheck.objects.filter(pk=locked.pk).update(
            state=SupervisionCheck.State.REVIEWED,
            reviewed_by=by,
            reviewed_at=now,
            result=result,
            review_notes=notes.strip(),
        )
        entrustee = locked.entrustee
        Entrustee.objects.filter(pk=entrustee.pk).update(
            next_check_due=add_months(timezone.localdate(), entrustee.check_interval_months)
        )
    locked.refresh_from_db()
    logger.info("check-sheet %s reviewed (%s) by user %s", locked.pk, result, by.pk)
    return locked


def check_evidence_attach(*, check: SupervisionCheck, by, file, description: str) -> CheckEvidence:
    """Store a checked evidence file (PDF, JPEG or PNG, as for ID documents) privately."""
    if not by.has_perm("incidents_app.add_checkevidence"):
        raise PermissionDenied(NO_PERMISSION_EVIDENCE)
    if not description.strip():
        raise ValidationError({"description": [ValidationError(_("Describe the evidence."))]})
    sniffed = sniff_identity_document(file)
    evidence = CheckEvidence(
        check_sheet=check,
        description=description.strip()[:200],
        content_type=sniffed.content_type,
        size=len(sniffed.data),
        sha256=hashlib.sha256(sniffed.data).hexdigest(),
        uploaded_by=by,
    )
    evidence.file.save(
        f"{uuid.uuid4().hex}.{sniffed.extension}", ContentFile(sniffed.data), save=False
    )
    try:
        with transaction.atomic():
            evidence.save()
    except Exception:
        # No orphan file when the row could not be written.
        evidence.file.storage.delete(evidence.file.name)
        raise
    logger.info("evidence %s attached to check-sheet %s by user %s", evidence.pk, check.pk, by.pk)
    return evidence
