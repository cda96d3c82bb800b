"""The data a letter template sees: plain dicts and strings, never model instances.

Manager-edited templates must not reach model methods (Django templates call callables), so
everything is copied into dicts here. The legal wording (refusal grounds and the articles they
cite, outcomes, methods) is in wording.py in both languages, the request types' in
request_types.py; the preview's demo data, shaped like `letter_context`, in samples.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django_fsm_log.models import StateLog

from consent_app.models import PurposeOfUse
from consent_app.services import privacy_notice_in_force
from requests_app.models import DisclosureRequest, Letter, LetterKind, Outcome, RequestType
from requests_app.request_types import REQUEST_TYPES
from requests_app.selectors import compilation_section_titles, disclosure_compilation

from .template_library import endate, jdate
from .wording import (
    AGENT_TEXT,
    CORRECTION_KIND_TEXT,
    CUSTOMER_FIELD_TEXT,
    FEE_METHOD_TEXT,
    METHOD_TEXT,
    OUTCOME_TEXT,
    REFUSAL_GROUNDS,
    _text,
)

# Fees (APPI Art. 38) apply to purpose notice and the two disclosures only. The published amount
# (the privacy notice in force, Art. 32(1)) is what the request form asks the person to enclose;
# a response states a fee only as recorded and received on the request (amount, how it was
# paid, when) — never a default. The default amount only serves a database without any notice.
DEFAULT_FEE_YEN = 1000
# The letters that ask for the fee (before it can have been received); every other kind reports.
FEE_ASKING_KINDS = (LetterKind.REQUEST_FORM, LetterKind.MORE_DOCUMENTS)


def published_fee(on: dt.date) -> int:
    """The fee the privacy notice in force on `on` publishes (what letters and forms state)."""
    notice = privacy_notice_in_force(on)
    return notice.fee_yen if notice is not None else DEFAULT_FEE_YEN


# --- the parts ---------------------------------------------------------------------------------
def company_context(language: str) -> dict[str, Any]:
    name = settings.COMPANY_NAME
    if language == "en":
        name = getattr(settings, "COMPANY_NAME_EN", "") or name
    return {
        "name": name,
        "department": "個人情報相談窓口" if language == "ja" else "Privacy Inquiries Desk",
        "privacy_contact": settings.PRIVACY_CONTACT,
        "contact_email": getattr(settings, "PRIVACY_CONTACT_EMAIL", ""),
    }


def staff_context(user, language: str) -> dict[str, str]:
    """The staff member in charge (担当者), named as the reader expects: family name first in
    Japanese, given name first in English. No name recorded: no line (never a login name)."""
    if user is None:
        return {"name": ""}
    family, given = (user.last_name or "").strip(), (user.first_name or "").strip()
    parts = [given, family] if language == "en" else [family, given]
    return {"name": " ".join(part for part in parts if part)}


def recipient_context(request: DisclosureRequest, language: str) -> dict[str, Any]:
    """Whom the letter goes to: the agent where one acts, else the requester as they wrote.

    The address is the one the requester gave (checked against the identity document), falling
    back to the linked customer's when the requester left it empty.
    """
    customer = request.customer if request.customer_id else None
    if request.agent_type and request.agent_name:
        return {
            "name": request.agent_name,
            "postal_code": "",
            "address_lines": [line for line in (request.agent_address or "").splitlines() if line],
            "is_agent": True,
            "agent_role": _text(AGENT_TEXT, request.agent_type, language),
            "principal_name": request.requester_name,
        }
    postal_code = request.requester_postal_code
    address = request.requester_address
    if not address and customer is not None and not customer.erased_at:
        postal_code = customer.postal_code
        address = f"{customer.prefecture}{customer.address}"
    return {
        "name": request.requester_name,
        "postal_code": postal_code,
        "address_lines": [line for line in (address or "").splitlines() if line],
        "is_agent": False,
        "agent_role": "",
        "principal_name": request.requester_name,
    }


def _refusal(ground: str, language: str) -> dict[str, str]:
    if not ground:
        return {"code": "", "text": ""}
    return {"code": ground, "text": _text(REFUSAL_GROUNDS, ground, language, default=ground)}


def fee_context(
    *,
    kind: str,
    fee_bearing: bool,
    published: int,
    amount: int | None,
    method: str,
    received_on: dt.date | None,
    language: str,
) -> dict[str, Any]:
    """The fee as a letter of `kind` may state it (Art. 38).

    `published_fee`: the amount to enclose (fee-bearing types). `fee_amount`: in the letters that
    ask for the fee, the published amount (or the one agreed on the request); in every other
    letter only a fee recorded as received, with `fee_payment_method_text` and `fee_received_on`
    — a response never tells the person about a fee nobody charged.
    """
    published = published if fee_bearing else None
    if kind in FEE_ASKING_KINDS:
        stated = (amount or published) if fee_bearing else None
        return {
            "published_fee": published,
            "fee_amount": stated,
            "fee_payment_method": "",
            "fee_payment_method_text": "",
            "fee_received_on": None,
        }
    received = bool(fee_bearing and amount and received_on)
    return {
        "published_fee": published,
        "fee_amount": amount if received else None,
        "fee_payment_method": method if received else "",
        "fee_payment_method_text": (
            _text(FEE_METHOD_TEXT, method, language) if received and method else ""
        ),
        "fee_received_on": received_on if received else None,
    }


def withheld_titles(keys: list[str], language: str) -> list[str]:
    """The titles of the withheld sections, in the letter's language."""

    with translation.override(language):
        titles = compilation_section_titles()
    return [titles.get(key, key) for key in keys or []]


def withheld_parts(
    keys: list[str], grounds: dict[str, str], fallback: str, language: str
) -> list[dict[str, str]]:
    """Each withheld section with its own Art. 33(2) ground, in the letter's language."""
    titles = withheld_titles(keys, language)
    return [
        {"title": title, "ground": _refusal((grounds or {}).get(key) or fallback, language)["text"]}
        for key, title in zip(keys or [], titles, strict=True)
    ]


def _type_texts(rtype: str, language: str) -> dict[str, Any]:
    """The type's wording in the letter (the registry of request types)."""
    spec = REQUEST_TYPES.get(rtype)
    if spec is None:
        return {"type_title": rtype, "type_article": "", "notice_article": rtype}
    return {
        "type_title": spec.text(language),
        "type_article": spec.article_text(language),
        "notice_article": spec.notice_article_text(language),
    }


def request_context(request: DisclosureRequest, language: str, kind: str = "") -> dict[str, Any]:
    rtype = request.request_type
    spec = REQUEST_TYPES.get(rtype)
    fee_bearing = bool(spec and spec.fee_bearing)
    return {
        "reference": request.reference,
        "type": rtype,
        **_type_texts(rtype, language),
        "is_fee_bearing": fee_bearing,
        "received_at": request.received_at,
        "form_sent_at": request.form_sent_at,
        "documents_received_on": request.documents_received_on,
        "due_date": request.due_date,
        "outcome": request.outcome,
        "outcome_text": _text(OUTCOME_TEXT, request.outcome, language) if request.outcome else "",
        "refusal": _refusal(request.refusal_ground, language),
        "explanation": request.outcome_explanation,
        "summary": request.response_summary,
        "request_grounds": request.request_grounds,
        "method_requested": request.disclosure_method_requested,
        "method_requested_text": _text(METHOD_TEXT, request.disclosure_method_requested, language)
        if request.disclosure_method_requested
        else "",
        "method_used": request.disclosure_method_used,
        "method_used_text": _text(METHOD_TEXT, request.disclosure_method_used, language)
        if request.disclosure_method_used
        else "",
        "method_differs": bool(
            request.disclosure_method_used
            and request.disclosure_method_requested
            and request.disclosure_method_used != request.disclosure_method_requested
        ),
        "method_fallback_reason": request.method_fallback_reason,
        "withheld_titles": withheld_titles(request.withheld_sections, language),
        "withheld_parts": withheld_parts(
            request.withheld_sections,
            request.withheld_grounds,
            request.refusal_ground,
            language,
        ),
        **fee_context(
            kind=kind,
            fee_bearing=fee_bearing,
            published=published_fee(timezone.localdate(request.received_at)),
            amount=request.fee_amount,
            method=request.fee_payment_method,
            received_on=request.fee_received_on,
            language=language,
        ),
        "requester_name": request.requester_name,
        "requester_name_kana": request.requester_name_kana,
        "agent_type": request.agent_type,
        "agent_role": _text(AGENT_TEXT, request.agent_type, language) if request.agent_type else "",
        "agent_name": request.agent_name,
        "suspension_recipient": request.suspension_recipient.name
        if request.suspension_recipient_id
        else "",
    }


def customer_context(request: DisclosureRequest) -> dict[str, Any] | None:
    customer = request.customer if request.customer_id else None
    if customer is None:
        return None
    return {
        "number": customer.number,
        "name": customer.full_name,
        "name_kana": customer.full_name_kana,
        "is_erased": customer.erased_at is not None,
        "erased_at": customer.erased_at,
    }


def corrections_context(request: DisclosureRequest, language: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": item.kind,
            "kind_text": _text(CORRECTION_KIND_TEXT, item.kind, language),
            "field": _text(CUSTOMER_FIELD_TEXT, item.field_name, language),
            "current_value": item.current_value,
            "requested_value": item.requested_value,
            "accepted": item.accepted,
            "applied": item.applied_at is not None,
        }
        for item in request.corrections.all().order_by("pk")
    ]


def extension_context(request: DisclosureRequest) -> dict[str, Any] | None:
    extension = request.extensions.order_by("-extended_at", "-pk").first()
    if extension is None:
        return None
    return {
        "previous_due_date": extension.previous_due_date,
        "new_due_date": extension.new_due_date,
        "reason": extension.reason,
    }


def purposes_context(language: str) -> list[dict[str, Any]]:

    return [
        {
            "title": purpose.title_en if language == "en" else purpose.title_ja,
            "description": purpose.description,
            "is_third_party_provision": purpose.is_third_party_provision,
        }
        for purpose in PurposeOfUse.objects.filter(active=True).order_by("sort_order", "code")
    ]


def compilation_context(request: DisclosureRequest, language: str) -> dict[str, Any] | None:
    """Everything held on the person, compiled by the workflow's selector (disclosures only)."""
    spec = REQUEST_TYPES.get(request.request_type)
    if not (spec and spec.discloses_data):
        return None
    if request.outcome not in (Outcome.FULFILLED, Outcome.PARTLY_FULFILLED):
        return None

    return disclosure_compilation(
        request=request, language=language, withheld=request.withheld_sections
    )


def letter_note(letter: Letter) -> str:
    """What this letter says beyond its template: for a request for more documents, the comment
    staff wrote on that transition (which documents are missing)."""
    if letter.kind != LetterKind.MORE_DOCUMENTS:
        return ""

    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(DisclosureRequest),
        object_id=str(letter.request_id),
        transition="request_more_documents",
    )
    # The workflow names the transition log as the letter's occasion ("statelog-<id>").
    prefix = "statelog-"
    if letter.occasion.startswith(prefix) and letter.occasion[len(prefix) :].isdigit():
        log = logs.filter(pk=int(letter.occasion[len(prefix) :])).first()
    else:
        log = None
    log = log or logs.order_by("-timestamp").first()
    return (log.description or "").strip() if log else ""


def request_types_context(selected: str | set[str], language: str) -> list[dict[str, Any]]:
    """Every request type, for the form's tick boxes (the ones the case asks for ticked)."""
    chosen = {selected} if isinstance(selected, str) else set(selected)
    return [
        {
            "code": code,
            "title": REQUEST_TYPES[code].text(language),
            "checked": code in chosen,
        }
        for code in RequestType.values
    ]


def _cell(value: Any, language: str) -> str:

    if value is None:
        return ""
    if isinstance(value, bool):
        return ("Yes" if value else "No") if language == "en" else ("はい" if value else "いいえ")
    if isinstance(value, dt.date):
        return endate(value) if language == "en" else jdate(value)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item, language) for item in value)
    return str(value)


# More columns than this and a record is printed as a key/value block instead of a table row.
WIDE_COLUMNS = 6


def normalise_compilation(data: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """Sections with plain string cells: dates in the letter's style, lists joined, no None."""
    if not data:
        return data
    sections = []
    for section in data.get("sections", []):
        columns = [str(column) for column in section.get("columns", [])]
        rows = []
        for row in section.get("rows", []):
            if isinstance(row, dict):
                row = list(row.values())
            rows.append([_cell(cell, language) for cell in row])
        wide = len(columns) > WIDE_COLUMNS
        sections.append(
            {
                "key": section.get("key", ""),
                "title": str(section.get("title", "")),
                "columns": columns,
                "rows": [] if wide else rows,
                # Past six columns a page makes every cell a narrow strip that breaks values
                # inside identifiers: a wide record reads as a key/value block per record
                # (per version, for the profile's history), its empty items left out.
                "blocks": [
                    [(column, cell) for column, cell in zip(columns, row, strict=False) if cell]
                    for row in rows
                ]
                if wide
                else [],
            }
        )
    return {"sections": sections, "generated_at": data.get("generated_at")}


# Letters addressed to a customer without a request (issue 15: leak notices, Art. 26(2)). The
# app that queues such a kind registers its context builder from its AppConfig.ready(), so the
# one letter task renders them while requests_app imports nothing of that app.
CustomerLetterContext = Callable[[Letter, dt.date], dict[str, Any]]
# Its sample (for the template preview) is registered beside it: what the kind adds to
# `sample_context`'s demo data (a leak notice's incident), as (language, today) -> dict.
SampleLetterContext = Callable[[str, dt.date], dict[str, Any]]
_CUSTOMER_LETTER_CONTEXTS: dict[str, CustomerLetterContext] = {}
_SAMPLE_LETTER_CONTEXTS: dict[str, SampleLetterContext] = {}
NO_CONTEXT_FOR_KIND = "No context builder is registered for letters of kind %(kind)s."


def register_customer_letter_context(
    *, kind: str, builder: CustomerLetterContext, sample: SampleLetterContext | None = None
) -> None:
    """Register how a customer-addressed letter kind builds its template context, and the
    sample the template preview shows for it."""
    _CUSTOMER_LETTER_CONTEXTS[kind] = builder
    if sample is not None:
        _SAMPLE_LETTER_CONTEXTS[kind] = sample


def customer_recipient_context(customer, language: str) -> dict[str, Any]:
    """The address block of a letter to a customer (the profile's name and address)."""
    return {
        "name": customer.full_name,
        "postal_code": customer.postal_code,
        "address_lines": [f"{customer.prefecture}{customer.address}".strip()],
        "is_agent": False,
        "agent_role": "",
        "principal_name": "",
    }


def letter_context(
    *, letter: Letter, today: dt.date | None = None, number: str = ""
) -> dict[str, Any]:
    """The full context of a real letter (`number`: the letter's number when it is not the
    row's, e.g. a draft rendered before its letter row exists)."""
    if letter.request_id is None:
        builder = _CUSTOMER_LETTER_CONTEXTS.get(letter.kind)
        if builder is None:
            raise LookupError(NO_CONTEXT_FOR_KIND % {"kind": letter.kind})
        return builder(letter, today or timezone.localdate())
    from .case_context import case_context

    request = letter.request
    language = letter.language
    case = case_context(request, language, kind=letter.kind)
    # A letter of a case of several rights is numbered "-L<n>": never read as a right's own
    # reference (PR-2026-000123-2 is the case's second right).
    separator = "-L" if len(case["rights"]) > 1 else "-"
    answers_case = letter.kind == LetterKind.CASE_RESPONSE
    return {
        "language": language,
        "kind": letter.kind,
        "today": today or timezone.localdate(),
        "letter": {
            "number": number or f"{request.reference}{separator}{letter.pk}",
            "kind": letter.kind,
        },
        "note": letter_note(letter),
        "company": company_context(language),
        "staff": staff_context(request.assignee, language),
        "recipient": recipient_context(request, language),
        "request": request_context(request, language, kind=letter.kind),
        "customer": customer_context(request),
        "corrections": corrections_context(request, language),
        "extension": extension_context(request),
        "purposes": purposes_context(language)
        if request.request_type == RequestType.PURPOSE_NOTICE
        else [],
        # The case's letter carries each right's own compilation (case.answered).
        "compilation": None
        if answers_case
        else normalise_compilation(compilation_context(request, language), language),
        "case": case,
        "request_types": request_types_context(set(case["types"]), language),
    }
