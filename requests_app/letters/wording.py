"""The legal wording of the letters in both languages: refusal grounds with the provisions they
rest on, outcomes, disclosure methods, correction kinds, customer fields, agents, fee payment
methods. Here rather than in the UI translation catalogue: a letter is a legal document and its
text must not depend on whether a UI string is translated."""

from __future__ import annotations

from requests_app.models import (
    AgentType,
    DisclosureMethod,
    FeePaymentMethod,
    Outcome,
    RefusalGround,
)

FEE_METHOD_TEXT: dict[str, dict[str, str]] = {
    FeePaymentMethod.POSTAL_MONEY_ORDER: {"ja": "定額小為替", "en": "postal money order"},
    FeePaymentMethod.CASH_REGISTERED_MAIL: {"ja": "現金書留", "en": "cash by registered mail"},
    FeePaymentMethod.BANK_TRANSFER: {"ja": "銀行振込", "en": "bank transfer"},
}


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
