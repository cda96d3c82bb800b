"""Draft, preview, approve that version (issue 12): the response letter as a draft.

At `draft_response` the response letter (or refusal, or "no data held") gets a draft: revision 1
of a drafting round. A worker renders each revision twice from one context: the final PDF (the
bytes the person will receive) and the same letter watermarked 下書き / DRAFT for staff to read.
Staff edit only the free-text parts the template declares (`{% part %}`, see template_library);
each edit is a new revision (append-only: who, when, which part, the whole text). The approval
names the revision and the SHA-256 of the final PDF the approver was shown; the letter sent is
that file, byte for byte (`letter_generate` copies it), so the hash recorded at approval is the
hash of the letter sent.

Why approve the unwatermarked bytes rendered before approval rather than render again after it:
a render after approval reads the data the approval has just changed (an erased customer, an
applied correction), so it could never be promised to equal what the approver read. The draft is
therefore rendered "as approved": its context shows what approving will do (an erasure letter
says the data is erased, dated the letter's date). A letter is dated the day it is rendered; a
draft rendered on an earlier day is rendered again for today before it can be approved.
"""

from __future__ import annotations

import hashlib
import logging
import re
from html import unescape
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from requests_app.models import (
    DisclosureRequest,
    Letter,
    LetterDraft,
    LetterKind,
    Outcome,
    RequestState,
    RequestType,
    UseMeasure,
)

from .wording import CUSTOMER_FIELD_TEXT, _text

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
DRAFT_CHANGED = _(
    "The draft letter changed after you opened this page (someone edited it or it was rendered "
    "again). Nothing was done: read the current draft and approve it again."
)
DRAFT_NOT_READY = _(
    "The draft letter is still being rendered: reload the page in a moment and read it before "
    "approving."
)
DRAFT_FAILED = _("The draft letter could not be rendered: %(error)s")
DRAFT_OUT_OF_DATE = _(
    "The draft letter is dated %(date)s: render it again for today's date, read it, then approve."
)
DRAFT_NOT_EDITABLE = _("The letter can only be edited while the response is drafted.")
PART_UNKNOWN = _("This letter has no free-text part “%(part)s”.")
TEXT_TOO_LONG = _("The text is too long (%(length)s characters; at most %(limit)s).")
EDITOR_APPROVES = _(
    "You wrote part of this letter: the response must be approved by a manager who neither "
    "drafted nor edited it (four eyes)."
)
TEXT_LIMIT = 4000

# The parts seeded templates declare, with their labels; a template may declare others.
PART_LABELS = {
    "opening": _("Opening"),
    "explanation": _("Explanation"),
    "closing": _("Closing"),
}
DRAFTED_KINDS = (LetterKind.RESPONSE, LetterKind.REFUSAL, LetterKind.NO_DATA_HELD)


def _error(message, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def part_label(name: str) -> str:
    return str(PART_LABELS.get(name, name))


# --- reads -------------------------------------------------------------------------------------
def draft_current(*, request: DisclosureRequest) -> LetterDraft | None:
    """The newest revision of the request's latest drafting round (None: no draft)."""
    return (
        LetterDraft.objects.filter(request=request)
        .select_related("template", "created_by")
        .order_by("-round", "-revision")
        .first()
    )


def draft_history(*, draft: LetterDraft) -> list[LetterDraft]:
    """Every revision of the draft's round, oldest first (the page's edit history)."""
    return list(
        LetterDraft.objects.filter(request_id=draft.request_id, round=draft.round)
        .select_related("created_by")
        .order_by("revision")
    )


def _draft_letter(draft: LetterDraft) -> Letter:
    # An unsaved letter row: the context builders read its request, kind and language.
    return Letter(
        request=draft.request,
        kind=draft.kind,
        language=draft.language,
        template=draft.template,
        occasion=f"draft-{draft.pk}",
    )


def draft_number(draft: LetterDraft) -> str:
    """The number the letter prints (the draft's, as the letter row does not exist yet)."""
    return f"{draft.request.reference}-R{draft.round}"


def _project_approval(context: dict[str, Any], request: DisclosureRequest, today) -> None:
    """Show in the draft what approving will have done by the time the person reads it."""
    customer = context.get("customer")
    if (
        customer
        and request.request_type == RequestType.ERASURE
        and request.use_measure == UseMeasure.ERASE
        and request.outcome in {Outcome.FULFILLED, Outcome.PARTLY_FULFILLED}
    ):
        customer["is_erased"] = True
        customer["erased_at"] = customer.get("erased_at") or today


def draft_context(*, draft: LetterDraft, today=None) -> dict[str, Any]:
    from .context import letter_context

    today = today or timezone.localdate()
    context = letter_context(letter=_draft_letter(draft), today=today, number=draft_number(draft))
    _project_approval(context, draft.request, today)
    context["letter_parts"] = dict(draft.texts or {})
    return context


_BLOCK_END = re.compile(r"</(p|div|li|tr|h\d)>|<br\s*/?>", re.IGNORECASE)


def _plain(html: str) -> str:
    """A part's default HTML as the plain text staff start editing from."""
    text = _BLOCK_END.sub(lambda m: "\n" if m.group(0).lower().startswith("<br") else "\n\n", html)
    text = unescape(strip_tags(text))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _render_defaults(draft: LetterDraft) -> dict[str, str]:
    """Render the template body once to read its parts' defaults (a draft not rendered yet)."""
    from django.template import Context
    from django.utils import translation

    from .rendering import letter_engine
    from .template_library import date_style

    context = draft_context(draft=draft, today=draft.letter_date)
    context["letter_parts"] = {}
    defaults: dict[str, str] = {}
    context["_part_defaults"] = defaults
    template = draft.template
    assert template is not None  # a draft is made from a template version
    wareki = template.date_style == template.DateStyle.WAREKI
    with translation.override(draft.language), date_style(wareki and draft.language == "ja"):
        letter_engine().from_string(template.body).render(Context(context, autoescape=True))
    return {name: _plain(html) for name, html in defaults.items()}


def draft_parts(*, draft: LetterDraft) -> list[dict[str, Any]]:
    """The free-text parts this letter declares, each with its label, the text it prints now
    (staff's, else the template's default as plain text) and whether staff changed it.

    The defaults are those the render recorded (no template is rendered for a page view); a
    revision still queued reads them from the template."""
    if draft.template is None:
        return []
    if draft.status == LetterDraft.Status.RENDERED:
        defaults = dict(draft.part_defaults or [])
    else:
        defaults = _render_defaults(draft)
    texts = draft.texts or {}
    return [
        {
            "name": name,
            "label": part_label(name),
            "text": texts.get(name, default),
            "edited": name in texts,
        }
        for name, default in defaults.items()
    ]


def approval_actions(*, request: DisclosureRequest, with_case: bool = True) -> list[str]:
    """What approving will do, in plain words with the real values (the approval page); with
    the other rights of its case approved with it (`with_case`)."""
    from django.utils.formats import date_format

    from consent_app.models import ConsentFlag, ConsentState

    actions: list[str] = []
    kind = request.request_type
    fulfils = request.outcome in {Outcome.FULFILLED, Outcome.PARTLY_FULFILLED}
    customer = request.customer if request.customer_id else None
    if fulfils and customer is not None:
        if kind == RequestType.CORRECTION:
            for item in request.corrections.filter(accepted=True, applied_at__isnull=True):
                field = _text(CUSTOMER_FIELD_TEXT, item.field_name, "ja") or item.field_name
                if item.kind == "delete":
                    actions.append(str(_("%(field)s: delete the value") % {"field": field}))
                else:
                    actions.append(
                        str(
                            _("Correct %(field)s to “%(value)s”")
                            % {"field": field, "value": item.requested_value}
                        )
                    )
        elif kind == RequestType.ERASURE and request.use_measure == UseMeasure.ERASE:
            consents = ConsentFlag.objects.filter(
                customer_id=customer.pk, state=ConsentState.GRANTED
            ).count()
            actions.append(
                str(
                    _("Erase customer %(number)s and withdraw %(count)s consents")
                    % {"number": customer.number, "count": consents}
                )
            )
            actions.append(str(_("Purge the identity documents of this request")))
        elif kind == RequestType.ERASURE:
            codes = list(request.suspension_purpose_codes)
            if codes:
                actions.append(
                    str(
                        _("Stop using the data for: %(purposes)s")
                        % {"purposes": "、".join(_purpose_names(codes))}
                    )
                )
            else:
                actions.append(str(_("Stop every use of the data (all consents withdrawn)")))
        elif kind == RequestType.PROVISION_STOP:
            if request.suspension_recipient is not None:
                actions.append(
                    str(
                        _("Stop providing the data to %(recipient)s")
                        % {"recipient": request.suspension_recipient.name}
                    )
                )
            else:
                actions.append(str(_("Stop third-party provision to every recipient")))
        elif (
            kind in (RequestType.DISCLOSURE, RequestType.RECORD_DISCLOSURE)
            and request.disclosure_method_used == "electronic"
        ):
            actions.append(str(_("Create the copy of the electronic record")))
    if not actions:
        actions.append(str(_("Change no data (the outcome is the record)")))
    if not with_case:  # a right approved with its case: its letter is the case's
        return actions
    from requests_app.services.case_letters import case_approval_tail

    actions.extend(case_approval_tail(request))
    if request.due_date:
        actions.append(
            str(
                _("Record the response as given on %(date)s")
                % {"date": date_format(timezone.localdate())}
            )
        )
    return actions


def _purpose_names(codes: list[str]) -> list[str]:
    from consent_app.models import PurposeOfUse

    names = dict(PurposeOfUse.objects.filter(code__in=codes).values_list("code", "description"))
    return [names.get(code, code) for code in codes]


# --- writes ------------------------------------------------------------------------------------
def _queue_render(draft_id: int) -> None:
    def publish() -> None:
        from .tasks import letter_draft_render

        try:
            letter_draft_render.delay(draft_id)
        except Exception as exc:  # the row is safe; the page offers to render it again
            logger.warning(
                "letter draft %s: render not published (%s)", draft_id, type(exc).__name__
            )

    transaction.on_commit(publish, robust=True)


def draft_start(*, request: DisclosureRequest, round: int, by) -> LetterDraft:
    """Revision 1 of a drafting round (inside the draft_response transaction). Staff's texts of
    the previous round (a draft sent back for rework) are carried over."""
    from .services import letter_language, letter_template_current, response_letter_kind

    kind = response_letter_kind(request=request)
    language = letter_language(request=request)
    template = letter_template_current(
        kind=kind, request_type=request.request_type, language=language
    )
    previous = draft_current(request=request)
    texts = dict(previous.texts) if previous is not None and previous.kind == kind else {}
    draft = LetterDraft.objects.create(
        request=request,
        round=round,
        revision=1,
        kind=kind,
        language=language,
        template=template,
        texts=texts,
        created_by=by,
    )
    _queue_render(draft.pk)
    logger.info("letter draft %s started for request %s", draft.pk, request.pk)
    return draft


def _next_revision(*, current: LetterDraft, by, texts: dict, part: str) -> LetterDraft:
    from requests_app.services.case_letters import draft_case_rights

    last = LetterDraft.objects.filter(request_id=current.request_id, round=current.round).aggregate(
        v=Max("revision")
    )["v"]
    draft = LetterDraft.objects.create(
        request_id=current.request_id,
        round=current.round,
        revision=(last or 0) + 1,
        kind=current.kind,
        language=current.language,
        template=current.template,
        texts=texts,
        part=part,
        created_by=by,
        case_rights=draft_case_rights(current),
    )
    _queue_render(draft.pk)
    return draft


def _lock_current(request: DisclosureRequest, base_id: int | None) -> LetterDraft:
    locked = DisclosureRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != RequestState.RESPONSE_DRAFTED:
        raise _error(DRAFT_NOT_EDITABLE, "not_editable")
    current = draft_current(request=locked)
    if current is None:
        raise _error(DRAFT_NOT_EDITABLE, "not_editable")
    if base_id is not None and current.pk != base_id:
        raise _error(DRAFT_CHANGED, "draft_changed")
    return current


def draft_edit(
    *, request: DisclosureRequest, by: AbstractBaseUser, part: str, text: str, base_id: int
) -> LetterDraft:
    """Staff change one free-text part: a new revision (the old ones stay), rendered anew.

    `base_id`: the revision the editor read; if another edit came first, nothing is saved.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_LIMIT:
        raise _error(TEXT_TOO_LONG, "text", length=len(text), limit=TEXT_LIMIT)
    with transaction.atomic():
        current = _lock_current(request, base_id)
        if part not in {item["name"] for item in draft_parts(draft=current)}:
            raise _error(PART_UNKNOWN, "part", part=part[:40])
        texts = {**(current.texts or {}), part: text}
        draft = _next_revision(current=current, by=by, texts=texts, part=part)
    logger.info("letter draft %s: part %s edited by user %s", draft.pk, part, by.pk)
    return draft


def draft_rerender(
    *, request: DisclosureRequest, by: AbstractBaseUser, base_id: int
) -> LetterDraft:
    """Render the current texts again (a new revision): for today's date, or after a failure."""
    with transaction.atomic():
        current = _lock_current(request, base_id)
        draft = _next_revision(current=current, by=by, texts=dict(current.texts or {}), part="")
    logger.info("letter draft %s: rendered again by user %s", draft.pk, by.pk)
    return draft


def draft_storage_names(draft: LetterDraft) -> tuple[str, str]:
    return (
        f"letter-drafts/draft-{draft.pk}-final.pdf",
        f"letter-drafts/draft-{draft.pk}-preview.pdf",
    )


def draft_render(*, draft_id: int) -> bool:
    """Render a queued revision (the worker): both PDFs stored, the final's SHA-256 recorded."""
    from .rendering import render_letter_pair

    draft = LetterDraft.objects.select_related("request", "request__customer", "template").get(
        pk=draft_id
    )
    if draft.status == LetterDraft.Status.RENDERED:
        return False
    today = timezone.localdate()
    try:
        if draft.template is None:
            from .rendering import NO_TEMPLATE

            raise LookupError(
                str(NO_TEMPLATE % {"kind": draft.get_kind_display(), "language": draft.language})
            )
        context = draft_context(draft=draft, today=today)
        # The part tags record their defaults here as the letter renders (template_library).
        defaults: dict[str, str] = {}
        context["_part_defaults"] = defaults
        final, preview = render_letter_pair(template=draft.template, context=context)
    except Exception as exc:
        LetterDraft.objects.filter(pk=draft_id).update(
            status=LetterDraft.Status.FAILED, error=str(exc)[:4000]
        )
        logger.error("letter draft %s failed (%s)", draft_id, type(exc).__name__)
        if isinstance(exc, LookupError | ValueError | RuntimeError):
            return False
        raise
    names = draft_storage_names(draft)
    stored = []
    for name, pdf in zip(names, (final.pdf, preview.pdf), strict=True):
        if default_storage.exists(name):
            default_storage.delete(name)
        stored.append(default_storage.save(name, ContentFile(pdf)))
    LetterDraft.objects.filter(pk=draft_id).update(
        status=LetterDraft.Status.RENDERED,
        error="",
        letter_date=today,
        file=stored[0],
        preview_file=stored[1],
        sha256=final.sha256,
        page_count=final.page_count,
        # A list, not an object: jsonb does not keep the keys' order (the letter's order).
        part_defaults=[[name, _plain(html)] for name, html in defaults.items()],
        rendered_at=timezone.now(),
    )
    logger.info("letter draft %s rendered (%s pages)", draft_id, final.page_count)
    return True


def draft_check_approvable(
    *, request: DisclosureRequest, by, draft_id: int | None, sha256: str | None
) -> LetterDraft | None:
    """Inside the approval transaction (the request row locked): the draft to send, or a clear
    refusal. `draft_id`/`sha256`: the revision and hash the approval page showed; None when the
    caller showed no page (a service caller), which approves the current draft as it stands.
    """
    current = draft_current(request=request)
    if current is None:
        return None  # drafted before drafts existed: the letter is rendered after approval
    if (draft_id is not None and current.pk != draft_id) or (
        sha256 is not None and current.sha256 != sha256
    ):
        raise _error(DRAFT_CHANGED, "draft_changed")
    # The drafter (revision 1) and whoever wrote a part; rendering again writes nothing.
    editors = set(
        LetterDraft.objects.filter(request=request, round=current.round)
        .filter(Q(revision=1) | ~Q(part=""))
        .exclude(created_by__isnull=True)
        .values_list("created_by_id", flat=True)
    )
    if by.pk in editors:
        raise _error(EDITOR_APPROVES, "four_eyes")
    if draft_id is None and current.status != LetterDraft.Status.RENDERED:
        return current  # no page was shown: the letter is rendered from these texts after
    if current.status == LetterDraft.Status.FAILED:
        raise _error(DRAFT_FAILED, "draft_failed", error=current.error[:300])
    if current.status != LetterDraft.Status.RENDERED:
        raise _error(DRAFT_NOT_READY, "draft_not_ready")
    if current.letter_date != timezone.localdate():
        from django.utils.formats import date_format

        raise _error(
            DRAFT_OUT_OF_DATE,
            "draft_out_of_date",
            date=date_format(current.letter_date) if current.letter_date else "",
        )
    return current


def draft_mark_approved(*, draft: LetterDraft, by) -> None:
    LetterDraft.objects.filter(pk=draft.pk).update(approved_by=by, approved_at=timezone.now())


def draft_final_bytes(*, draft: LetterDraft) -> bytes:
    """The approved final PDF, checked against the hash recorded when it was rendered."""
    with draft.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != draft.sha256:
        raise RuntimeError(f"letter draft {draft.pk}: stored file does not match its SHA-256")
    return data
