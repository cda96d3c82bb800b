"""The data a letter template sees: plain dicts and strings, never model instances.

Manager-edited templates must not reach model methods (Django templates call callables), so
everything is copied into dicts here. The legal wording (request type names, refusal grounds and
the articles they cite) lives here in both languages rather than in the UI translation catalogue:
a letter is a legal document and its text must not depend on whether a UI string is translated.
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
from requests_app.models import (
    AgentType,
    DisclosureMethod,
    DisclosureRequest,
    FeePaymentMethod,
    Letter,
    LetterKind,
    Outcome,
    RefusalGround,
    RequestType,
)
from requests_app.request_types import REQUEST_TYPES
from requests_app.selectors import compilation_section_titles, disclosure_compilation

from .template_library import endate, jdate

SAMPLE_REFERENCE = "PR-2026-000123"

# Fees (APPI Art. 38) apply to purpose notice and the two disclosures only. The published amount
# (the privacy notice in force, Art. 32(1)) is what the request form asks the person to enclose;
# a response states a fee only as recorded and received on the request (amount, how it was
# paid, when) — never a default. The default amount only serves a database without any notice.
DEFAULT_FEE_YEN = 1000
# The letters that ask for the fee (before it can have been received); every other kind reports.
FEE_ASKING_KINDS = (LetterKind.REQUEST_FORM, LetterKind.MORE_DOCUMENTS)

FEE_METHOD_TEXT: dict[str, dict[str, str]] = {
    FeePaymentMethod.POSTAL_MONEY_ORDER: {"ja": "定額小為替", "en": "postal money order"},
    FeePaymentMethod.CASH_REGISTERED_MAIL: {"ja": "現金書留", "en": "cash by registered mail"},
    FeePaymentMethod.BANK_TRANSFER: {"ja": "銀行振込", "en": "bank transfer"},
}


def published_fee(on: dt.date) -> int:
    """The fee the privacy notice in force on `on` publishes (what letters and forms state)."""
    notice = privacy_notice_in_force(on)
    return notice.fee_yen if notice is not None else DEFAULT_FEE_YEN


# --- refusal grounds, each with the provision it rests on ----------------------------------------
REFUSAL_GROUNDS: dict[str, dict[str, str]] = {
    # Disclosure and record disclosure: Art. 33(2) provisos (applied to records by 33(5)).
    RefusalGround.HARM_TO_PERSON: {
        "ja": "開示することにより、本人又は第三者の生命、身体、財産その他の権利利益を害する"
        "おそれがあるため（個人情報保護法第33条第2項第1号）",
        "en": "disclosure would be likely to harm the life, body, property or other rights or "
        "interests of you or a third party (Article 33(2)(i) of the APPI)",
    },
    RefusalGround.BUSINESS_HINDRANCE: {
        "ja": "開示することにより、当社の業務の適正な実施に著しい支障を及ぼすおそれがあるため"
        "（個人情報保護法第33条第2項第2号）",
        "en": "disclosure would be likely to seriously interfere with the proper conduct of our "
        "business (Article 33(2)(ii) of the APPI)",
    },
    RefusalGround.OTHER_LAW: {
        "ja": "開示することが他の法令に違反することとなるため（個人情報保護法第33条第2項第3号）",
        "en": "disclosure would violate another law (Article 33(2)(iii) of the APPI)",
    },
    # Purpose notice: Art. 32(2) provisos.
    RefusalGround.PURPOSE_ALREADY_CLEAR: {
        "ja": "当該保有個人データの利用目的が、公表等により既に明らかであるため"
        "（個人情報保護法第32条第2項第1号）",
        "en": "the purposes of use of the data are already clear from what we have published "
        "(Article 32(2)(i) of the APPI)",
    },
    RefusalGround.PURPOSE_ART21_EXCEPTION: {
        "ja": "利用目的を通知することにより、本人若しくは第三者の権利利益又は当社の権利若しくは"
        "正当な利益を害するおそれがある場合等に該当するため（個人情報保護法第32条第2項第2号、第21条第4項"
        "第1号から第3号まで）",
        "en": "notifying the purposes would be likely to harm the rights or interests of you, a "
        "third party or our company, or another case of Article 21(4)(i) to (iii) applies "
        "(Article 32(2)(ii) of the APPI)",
    },
    # Correction: Art. 34(1) covers content that is untrue only.
    RefusalGround.CONTENT_TRUE: {
        "ja": "調査の結果、当社が保有する内容が事実でないとは認められなかったため"
        "（個人情報保護法第34条第1項及び第2項は、内容が事実でない場合の訂正等を定めています。）",
        "en": "our investigation did not find the content we hold to be untrue (Article 34(1) of "
        "the APPI provide for the correction of content that is untrue)",
    },
    # Suspension of use, erasure, suspension of provision: Art. 35 grounds not met.
    RefusalGround.ART35_GROUNDS_NOT_MET: {
        "ja": "調査の結果、個人情報保護法第35条第1項、第3項又は第5項に定める要件"
        "（目的外利用、不適正な利用、不正な取得、本人の同意のない第三者提供、利用する必要がなくなった場合等）に該当する事実が"
        "認められなかったため",
        "en": "our investigation found none of the circumstances set out in Article 35(1), (3) "
        "or (5) of the APPI (use beyond the purpose, improper use or acquisition, provision "
        "without consent, data no longer needed, and so on)",
    },
    # Procedure (Art. 37): the request could not be confirmed as yours.
    "identity_not_verified": {
        "ja": "当社の定める手続（個人情報保護法第37条）による本人確認ができなかったため",
        "en": "we could not verify your identity under our published procedure (Article 37 of "
        "the APPI)",
    },
}

OUTCOME_TEXT: dict[str, dict[str, str]] = {
    Outcome.FULFILLED: {"ja": "ご請求のとおり対応いたしました", "en": "fulfilled in full"},
    Outcome.PARTLY_FULFILLED: {"ja": "一部について対応いたしました", "en": "partly fulfilled"},
    Outcome.REFUSED: {"ja": "対応いたしかねます", "en": "refused"},
    Outcome.NO_DATA_HELD: {"ja": "該当する保有個人データはありません", "en": "no data held"},
    Outcome.ALTERNATIVE_MEASURE: {
        "ja": "代替措置により対応いたしました",
        "en": "an alternative measure was taken",
    },
}

METHOD_TEXT: dict[str, dict[str, str]] = {
    DisclosureMethod.PAPER: {"ja": "書面の交付", "en": "paper copy by post"},
    DisclosureMethod.ELECTRONIC: {"ja": "電磁的記録の提供", "en": "electronic record"},
}

CORRECTION_KIND_TEXT: dict[str, dict[str, str]] = {
    "amend": {"ja": "訂正", "en": "Amendment"},
    "add": {"ja": "追加", "en": "Addition"},
    "delete": {"ja": "削除", "en": "Deletion"},
}

CUSTOMER_FIELD_TEXT: dict[str, dict[str, str]] = {
    "family_name": {"ja": "氏", "en": "Family name"},
    "given_name": {"ja": "名", "en": "Given name"},
    "family_name_kana": {"ja": "氏（フリガナ）", "en": "Family name (kana)"},
    "given_name_kana": {"ja": "名（フリガナ）", "en": "Given name (kana)"},
    "postal_code": {"ja": "郵便番号", "en": "Postal code"},
    "prefecture": {"ja": "都道府県", "en": "Prefecture"},
    "address": {"ja": "住所", "en": "Address"},
    "phone": {"ja": "電話番号", "en": "Telephone"},
    "email": {"ja": "メールアドレス", "en": "E-mail"},
    "date_of_birth": {"ja": "生年月日", "en": "Date of birth"},
    "preferred_language": {"ja": "希望言語", "en": "Preferred language"},
}

AGENT_TEXT: dict[str, dict[str, str]] = {
    AgentType.LEGAL_REPRESENTATIVE: {"ja": "法定代理人", "en": "legal representative"},
    AgentType.APPOINTED_AGENT: {"ja": "任意代理人", "en": "appointed agent"},
}


def _text(table: dict[str, dict[str, str]], key: str, language: str, default: str = "") -> str:
    entry = table.get(key)
    if not entry:
        return default or key
    return entry.get(language) or entry.get("ja") or default


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


# --- sample data for the template preview (and the tests) --------------------------------------
def sample_context(
    *,
    kind: str,
    request_type: str = "",
    language: str = "ja",
    outcome: str = "",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Demo data shaped exactly like `letter_context`, for previews: no real person in it."""
    rtype = request_type or RequestType.DISCLOSURE
    today = today or timezone.localdate()
    if not outcome:
        outcome = {
            LetterKind.REFUSAL: Outcome.REFUSED,
            LetterKind.NO_DATA_HELD: Outcome.NO_DATA_HELD,
            LetterKind.RESPONSE: Outcome.FULFILLED,
            LetterKind.CASE_RESPONSE: Outcome.PARTLY_FULFILLED,
        }.get(kind, "")
    spec = REQUEST_TYPES[rtype]
    refusal_code = spec.sample_refusal_ground
    en = language == "en"
    received = timezone.now() - dt.timedelta(days=20)
    docs_on = today - dt.timedelta(days=10)
    fee_bearing = spec.fee_bearing
    request = {
        "reference": SAMPLE_REFERENCE,
        "type": rtype,
        **_type_texts(rtype, language),
        "is_fee_bearing": fee_bearing,
        "received_at": received,
        "form_sent_at": received + dt.timedelta(days=1),
        "documents_received_on": docs_on,
        "due_date": docs_on + dt.timedelta(days=14),
        "outcome": outcome,
        "outcome_text": _text(OUTCOME_TEXT, outcome, language) if outcome else "",
        "refusal": _refusal(
            refusal_code if outcome in (Outcome.REFUSED, Outcome.PARTLY_FULFILLED) else "",
            language,
        ),
        "explanation": (
            "The records requested include information about other persons that we cannot "
            "separate from yours."
            if en
            else "ご請求の記録には他の方の情報が含まれており、お客様の情報と分離することが"
            "できないためです。"
        )
        if outcome in (Outcome.REFUSED, Outcome.PARTLY_FULFILLED, Outcome.ALTERNATIVE_MEASURE)
        else "",
        "summary": "",
        "request_grounds": "",
        "method_requested": DisclosureMethod.ELECTRONIC,
        "method_requested_text": _text(METHOD_TEXT, DisclosureMethod.ELECTRONIC, language),
        "method_used": DisclosureMethod.PAPER,
        "method_used_text": _text(METHOD_TEXT, DisclosureMethod.PAPER, language),
        "method_differs": spec.discloses_data,
        "withheld_titles": withheld_titles(["comments"], language)
        if outcome == Outcome.PARTLY_FULFILLED
        else [],
        "withheld_parts": withheld_parts(["comments"], {}, "business_hindrance", language)
        if outcome == Outcome.PARTLY_FULFILLED
        and rtype in (RequestType.DISCLOSURE, RequestType.RECORD_DISCLOSURE)
        else [],
        "method_fallback_reason": (
            "Part of the records exists only on paper."
            if en
            else "記録の一部が紙媒体のみで保管されているため。"
        ),
        **fee_context(
            kind=kind,
            fee_bearing=fee_bearing,
            published=published_fee(today),
            amount=published_fee(today),
            method=FeePaymentMethod.POSTAL_MONEY_ORDER,
            received_on=docs_on,
            language=language,
        ),
        "requester_name": "Hanako Yamada" if en else "山田 花子",
        "requester_name_kana": "ヤマダ ハナコ",
        "agent_type": "",
        "agent_role": "",
        "agent_name": "",
        "suspension_recipient": "",
    }
    compilation = None
    if spec.discloses_data and outcome in (
        Outcome.FULFILLED,
        Outcome.PARTLY_FULFILLED,
    ):
        compilation = sample_compilation(language=language, request_type=rtype)
    from .case_context import not_in_full, sample_answered

    answered = (
        sample_answered(request, rtype, language, today) if kind == LetterKind.CASE_RESPONSE else []
    )
    context = {
        "language": language,
        "kind": kind,
        "today": today,
        "letter": {"number": f"{SAMPLE_REFERENCE}-1", "kind": kind},
        "note": (
            "The copy of your driver's licence was not legible. Please send a clearer copy."
            if en
            else "お送りいただいた運転免許証の写しが不鮮明で判読できませんでした。"
            "鮮明な写しを改めてお送りください。"
        )
        if kind == LetterKind.MORE_DOCUMENTS
        else "",
        "company": company_context(language),
        "staff": {"name": "Makoto Takahashi" if en else "高橋 誠"},
        "recipient": {
            "name": request["requester_name"],
            "postal_code": "5300001",
            "address_lines": ["大阪府大阪市北区梅田1-2-3", "サンプルマンション101号室"],
            "is_agent": False,
            "agent_role": "",
            "principal_name": request["requester_name"],
        },
        "request": request,
        "customer": {
            "number": "C-00012345",
            "name": request["requester_name"],
            "name_kana": "ヤマダ ハナコ",
            "is_erased": rtype == RequestType.ERASURE,
            "erased_at": timezone.now() if rtype == RequestType.ERASURE else None,
        },
        "corrections": [
            {
                "kind": "amend",
                "kind_text": _text(CORRECTION_KIND_TEXT, "amend", language),
                "field": _text(CUSTOMER_FIELD_TEXT, "address", language),
                "current_value": "大阪府大阪市北区梅田9-9-9",
                "requested_value": "大阪府大阪市北区梅田1-2-3 サンプルマンション101号室",
                "accepted": True,
                "applied": True,
            },
            {
                "kind": "amend",
                "kind_text": _text(CORRECTION_KIND_TEXT, "amend", language),
                "field": _text(CUSTOMER_FIELD_TEXT, "date_of_birth", language),
                "current_value": "1980-04-01",
                "requested_value": "1980-04-11",
                "accepted": outcome != Outcome.PARTLY_FULFILLED,
                "applied": outcome != Outcome.PARTLY_FULFILLED,
            },
        ]
        if rtype == RequestType.CORRECTION
        else [],
        "extension": {
            "previous_due_date": docs_on + dt.timedelta(days=14),
            "new_due_date": docs_on + dt.timedelta(days=28),
            "reason": (
                "We need to retrieve records from our archive held by a franchised dealer."
                if en
                else "販売会社で保管している記録の取り寄せに時間を要するため。"
            ),
        }
        if kind == LetterKind.EXTENSION_NOTICE
        else None,
        "purposes": [
            {
                "title": title_en if en else title_ja,
                "description": "",
                "is_third_party_provision": third,
            }
            for title_ja, title_en, third in _SAMPLE_PURPOSES
        ]
        if rtype == RequestType.PURPOSE_NOTICE
        else [],
        "compilation": normalise_compilation(compilation, language),
        "case": {
            "reference": SAMPLE_REFERENCE,
            "due_date": request["due_date"],
            "rights": [request],
            "answered": answered,
            "not_in_full": not_in_full(answered),
            "types": [rtype],
        },
        "request_types": request_types_context(rtype, language),
    }
    kind_sample = _SAMPLE_LETTER_CONTEXTS.get(kind)
    if kind_sample is not None:
        context.update(kind_sample(language, today))
    return context


_SAMPLE_PURPOSES = [
    (
        "商品・サービス、各種イベント・キャンペーンのご案内（郵送、電話、電子メール等）",
        "Information on products, services, events and campaigns (mail, telephone, e-mail)",
        False,
    ),
    (
        "商品開発・顧客満足度向上のためのアンケート調査",
        "Questionnaire surveys for product development and customer satisfaction",
        False,
    ),
    (
        "子会社・関連会社、販売会社及び情報提供契約を締結した者への提供",
        "Provision to subsidiaries, affiliates, franchised dealers and parties with an "
        "information supply agreement",
        True,
    ),
]


def sample_compilation(*, language: str, request_type: str) -> dict[str, Any]:
    """A compilation shaped like `requests_app.selectors.disclosure_compilation`'s result."""
    en = language == "en"
    customer_rows = [
        ["顧客番号" if not en else "Customer number", "C-00012345"],
        ["氏名" if not en else "Name", "山田 花子"],
        ["フリガナ" if not en else "Name (kana)", "ヤマダ ハナコ"],
        ["郵便番号" if not en else "Postal code", "530-0001"],
        ["住所" if not en else "Address", "大阪府大阪市北区梅田1-2-3 サンプルマンション101号室"],
        ["電話番号" if not en else "Telephone", "06-0000-0000"],
        ["メールアドレス" if not en else "E-mail", "hanako@example.jp"],
        ["生年月日" if not en else "Date of birth", "1980-04-11"],
    ]
    consent_rows = [
        [f"{title_en if en else title_ja}", channel, state, "2025-06-01"]
        for (title_ja, title_en, _third), channel, state in zip(
            _SAMPLE_PURPOSES * 4,
            ["郵送", "電話", "電子メール", "—"] * 3,
            ["同意", "撤回", "同意", "同意"] * 3,
            strict=False,
        )
    ]
    provision_rows = [
        [f"2025-{month:02d}-01", "サンプル販売株式会社", "氏名、住所、電話番号", "本人の同意"]
        for month in range(1, 13)
    ]
    sections = [
        {
            "key": "customer",
            "title": "お客様情報" if not en else "Customer details",
            "columns": ["項目", "内容"] if not en else ["Item", "Value"],
            "rows": customer_rows,
        },
        {
            "key": "consents",
            "title": "同意の状況" if not en else "Consents",
            "columns": ["利用目的", "手段", "状態", "更新日"]
            if not en
            else ["Purpose", "Channel", "State", "Updated"],
            "rows": consent_rows,
        },
        {
            "key": "provisions",
            "title": "第三者提供記録" if not en else "Third-party provision records",
            "columns": ["提供日", "提供先", "データ項目", "根拠"]
            if not en
            else ["Date", "Recipient", "Data items", "Basis"],
            "rows": provision_rows,
        },
    ]
    if REQUEST_TYPES[request_type].compilation_sections is not None:
        sections = sections[2:]  # a type that discloses some sections: the sample's records
    return {"sections": sections, "generated_at": timezone.now()}
