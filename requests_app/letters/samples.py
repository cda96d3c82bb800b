"""Demo data shaped exactly like `letter_context`, for the template preview (and the tests):
no real person in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from requests_app.models import DisclosureMethod, FeePaymentMethod, LetterKind, Outcome, RequestType
from requests_app.request_types import REQUEST_TYPES

from .context import (
    _SAMPLE_LETTER_CONTEXTS,
    _refusal,
    _type_texts,
    company_context,
    fee_context,
    normalise_compilation,
    published_fee,
    request_types_context,
    withheld_parts,
    withheld_titles,
)
from .wording import CORRECTION_KIND_TEXT, CUSTOMER_FIELD_TEXT, METHOD_TEXT, OUTCOME_TEXT, _text

SAMPLE_REFERENCE = "PR-2026-000123"
# The outcome a sample of each kind shows when the preview names none.
SAMPLE_OUTCOMES: dict[str, str] = {
    LetterKind.REFUSAL: Outcome.REFUSED,
    LetterKind.NO_DATA_HELD: Outcome.NO_DATA_HELD,
    LetterKind.RESPONSE: Outcome.FULFILLED,
    LetterKind.CASE_RESPONSE: Outcome.PARTLY_FULFILLED,
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
        outcome = SAMPLE_OUTCOMES.get(kind, "")
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
