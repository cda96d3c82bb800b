"""The registry of request types (APPI Arts. 32–35): every per-type fact in one place.

One frozen `RequestTypeSpec` per `RequestType`: its labels, the article it rests on, the fields its
request asks for, the refusal grounds the law allows, whether it bears a fee (Art. 38), the
function that fulfils it, the letters it uses and its default deadline. Adding a type is one
choice in `RequestType`, one entry here, its response templates and its deadline-rule row; the
system check `check_request_types` (requests_app.E101–E104) says what is missing.

The legal wording the letters print (titles, articles) is kept here in both languages rather than
in the UI catalogue: a letter is a legal document and must not depend on a UI translation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import checks
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import DayKind, LetterKind, RefusalGround, RequestType

# The letters every request can receive; `response` has one template per type, the others one
# template for any type (LetterTemplate.request_type "").
COMMON_LETTER_KINDS = (
    LetterKind.REQUEST_FORM,
    LetterKind.MORE_DOCUMENTS,
    LetterKind.EXTENSION_NOTICE,
    LetterKind.REFUSAL,
    LetterKind.NO_DATA_HELD,
    LetterKind.CASE_RESPONSE,
)
PER_TYPE_LETTER_KINDS = (LetterKind.RESPONSE,)
LETTER_LANGUAGE_CODES = ("ja", "en")


@dataclass(frozen=True)
class DeadlineDefault:
    """The rule used for a type whose DeadlineRule row managers have deleted (and the seed)."""

    days: int = 14
    day_kind: str = DayKind.CALENDAR


@dataclass(frozen=True)
class RequestTypeSpec:
    code: str
    # The admin list column's short name (the full label, with its article, is the tooltip).
    short_label: Promise
    # The letter's wording: {"ja": …, "en": …}.
    title: dict[str, str]
    article: dict[str, str]
    # The article under which a decision not to act (in whole or part) is notified (Art. 36
    # then asks the company to endeavour to explain its reasons).
    notice_article: dict[str, str]
    # The "what is asked" fields of the request page (the others are hidden for this type).
    fields: tuple[str, ...]
    refusal_grounds: tuple[str, ...]
    # The ground a template preview shows for a refusal of this type.
    sample_refusal_ground: str
    # APPI Art. 38: a fee only for purpose notice and the two disclosures.
    fee_bearing: bool
    # Dotted path of fulfil(request, by), run inside the approve-and-send transaction.
    fulfilment_handler: str
    # Art. 33: the person receives their data (method requested/used, electronic copy, compiled
    # sections, withholding parts).
    discloses_data: bool = False
    # Art. 35: the person gives a legal ground; an alternative measure is a lawful outcome.
    art35: bool = False
    # The compilation's sections for a disclosure (None: every section).
    compilation_sections: tuple[str, ...] | None = None
    letter_kinds: tuple[str, ...] = COMMON_LETTER_KINDS + PER_TYPE_LETTER_KINDS
    response_subject: dict[str, str] = field(default_factory=dict)
    default_deadline: DeadlineDefault = DeadlineDefault()

    @property
    def label(self) -> str:
        return str(RequestType(self.code).label)

    def asks(self, field_name: str) -> bool:
        return field_name in self.fields

    def text(self, language: str) -> str:
        return self.title.get(language) or self.title["ja"]

    def article_text(self, language: str) -> str:
        return self.article.get(language, "")

    def notice_article_text(self, language: str) -> str:
        return self.notice_article.get(language) or self.notice_article["ja"]

    def fulfil(self, request: Any, by: Any) -> None:
        import_string(self.fulfilment_handler)(request, by)


_FULFIL = "requests_app.services.fulfilment."
_ART35_FIELDS = ("legal_ground", "incident_reference", "request_grounds")
_ART33_2 = (
    RefusalGround.HARM_TO_PERSON,
    RefusalGround.BUSINESS_HINDRANCE,
    RefusalGround.OTHER_LAW,
)

REQUEST_TYPES: dict[str, RequestTypeSpec] = {
    spec.code: spec
    for spec in (
        RequestTypeSpec(
            code=RequestType.PURPOSE_NOTICE,
            short_label=_("Purpose notice"),
            title={
                "ja": "保有個人データの利用目的の通知",
                "en": "notification of the purposes of use of your retained personal data",
            },
            article={
                "ja": "個人情報保護法第32条第2項",
                "en": "Article 32(2) of the Act on the Protection of Personal Information (APPI)",
            },
            notice_article={"ja": "個人情報保護法第32条第3項", "en": "Article 32(3) of the APPI"},
            fields=(),
            refusal_grounds=(
                RefusalGround.PURPOSE_ALREADY_CLEAR,
                RefusalGround.PURPOSE_ART21_EXCEPTION,
            ),
            sample_refusal_ground=RefusalGround.PURPOSE_ALREADY_CLEAR,
            fee_bearing=True,
            fulfilment_handler=_FULFIL + "fulfil_nothing",
            response_subject={
                "ja": "保有個人データの利用目的のご通知",
                "en": "Notification of the purposes of use of your personal data",
            },
        ),
        RequestTypeSpec(
            code=RequestType.DISCLOSURE,
            short_label=_("Disclosure"),
            title={"ja": "保有個人データの開示", "en": "disclosure of your retained personal data"},
            article={
                "ja": "個人情報保護法第33条第1項",
                "en": "Article 33(1) of the Act on the Protection of Personal Information (APPI)",
            },
            notice_article={"ja": "個人情報保護法第33条第3項", "en": "Article 33(3) of the APPI"},
            fields=("disclosure_method_requested",),
            refusal_grounds=_ART33_2,
            sample_refusal_ground=RefusalGround.BUSINESS_HINDRANCE,
            fee_bearing=True,
            fulfilment_handler=_FULFIL + "fulfil_disclosure",
            discloses_data=True,
            response_subject={
                "ja": "保有個人データの開示について（ご回答）",
                "en": "Disclosure of your retained personal data",
            },
        ),
        RequestTypeSpec(
            code=RequestType.RECORD_DISCLOSURE,
            short_label=_("Record disclosure"),
            title={
                "ja": "第三者提供記録の開示",
                "en": "disclosure of the records of provision of your personal data to third "
                "parties",
            },
            article={
                "ja": "個人情報保護法第33条第5項",
                "en": "Article 33(5) of the Act on the Protection of Personal Information (APPI)",
            },
            notice_article={
                "ja": "個人情報保護法第33条第5項において準用する同条第3項",
                "en": "Article 33(3) of the APPI as applied by Article 33(5)",
            },
            fields=("disclosure_method_requested",),
            refusal_grounds=_ART33_2,
            sample_refusal_ground=RefusalGround.BUSINESS_HINDRANCE,
            fee_bearing=True,
            fulfilment_handler=_FULFIL + "fulfil_disclosure",
            discloses_data=True,
            # Art. 33(5) covers the Art. 29 provision records and the Art. 30 receipt records,
            # with the identity kept with them after an erasure (Rule 20).
            compilation_sections=("provision_records", "receipt_records", "retained_identity"),
            response_subject={
                "ja": "第三者提供記録の開示について（ご回答）",
                "en": "Disclosure of the records of provision to third parties",
            },
        ),
        RequestTypeSpec(
            code=RequestType.CORRECTION,
            short_label=_("Correction"),
            title={
                "ja": "保有個人データの内容の訂正、追加又は削除",
                "en": "correction, addition or deletion of the content of your retained "
                "personal data",
            },
            article={
                "ja": "個人情報保護法第34条第1項",
                "en": "Article 34(1) of the Act on the Protection of Personal Information (APPI)",
            },
            notice_article={"ja": "個人情報保護法第34条第3項", "en": "Article 34(3) of the APPI"},
            fields=("request_grounds",),
            refusal_grounds=(RefusalGround.CONTENT_TRUE,),
            sample_refusal_ground=RefusalGround.CONTENT_TRUE,
            fee_bearing=False,
            fulfilment_handler=_FULFIL + "fulfil_correction",
            response_subject={
                "ja": "保有個人データの内容の訂正等について（ご通知）",
                "en": "Your request for correction of your personal data",
            },
        ),
        RequestTypeSpec(
            code=RequestType.ERASURE,
            short_label=_("Suspension of use / erasure"),
            title={
                "ja": "保有個人データの利用停止又は消去",
                "en": "suspension of use or erasure of your retained personal data",
            },
            article={
                "ja": "個人情報保護法第35条第1項及び第5項",
                "en": "Article 35(1) and (5) of the Act on the Protection of Personal "
                "Information (APPI)",
            },
            notice_article={"ja": "個人情報保護法第35条第7項", "en": "Article 35(7) of the APPI"},
            fields=("use_measure", "suspension_purpose_codes", *_ART35_FIELDS),
            refusal_grounds=(RefusalGround.ART35_GROUNDS_NOT_MET,),
            sample_refusal_ground=RefusalGround.ART35_GROUNDS_NOT_MET,
            fee_bearing=False,
            fulfilment_handler=_FULFIL + "fulfil_erasure",
            art35=True,
            response_subject={
                "ja": "保有個人データの利用停止等について（ご通知）",
                "en": "Your request for suspension of use or erasure of your personal data",
            },
        ),
        RequestTypeSpec(
            code=RequestType.PROVISION_STOP,
            short_label=_("Stop of provision"),
            title={
                "ja": "保有個人データの第三者への提供の停止",
                "en": "suspension of the provision of your retained personal data to third parties",
            },
            article={
                "ja": "個人情報保護法第35条第3項及び第5項",
                "en": "Article 35(3) and (5) of the Act on the Protection of Personal "
                "Information (APPI)",
            },
            notice_article={"ja": "個人情報保護法第35条第7項", "en": "Article 35(7) of the APPI"},
            fields=("suspension_recipient", *_ART35_FIELDS),
            refusal_grounds=(RefusalGround.ART35_GROUNDS_NOT_MET,),
            sample_refusal_ground=RefusalGround.ART35_GROUNDS_NOT_MET,
            fee_bearing=False,
            fulfilment_handler=_FULFIL + "fulfil_provision_stop",
            art35=True,
            response_subject={
                "ja": "保有個人データの第三者提供の停止について（ご通知）",
                "en": "Your request to stop the provision of your personal data to third parties",
            },
        ),
    )
}


def spec_for(request_type: str) -> RequestTypeSpec:
    """The registry entry of `request_type` (KeyError for an unknown code)."""
    return REQUEST_TYPES[request_type]


def fee_bearing_types() -> set[str]:
    return {code for code, spec in REQUEST_TYPES.items() if spec.fee_bearing}


def disclosure_types() -> set[str]:
    return {code for code, spec in REQUEST_TYPES.items() if spec.discloses_data}


def art35_types() -> set[str]:
    return {code for code, spec in REQUEST_TYPES.items() if spec.art35}


def types_asking(field_name: str) -> set[str]:
    return {code for code, spec in REQUEST_TYPES.items() if spec.asks(field_name)}


# --- the system check --------------------------------------------------------------------------
@checks.register()
def check_request_types(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every type has its registry entry, its letter templates, its handler and deadline rule."""
    from .letters.seed import SEED_DIR, SEED_TEMPLATES

    errors: list[checks.CheckMessage] = []
    seeded = {(kind, rtype, lang): filename for kind, rtype, lang, _s, filename in SEED_TEMPLATES}
    for code in map(str, RequestType.values):
        spec = REQUEST_TYPES.get(code)
        if spec is None:
            errors.append(
                checks.Error(
                    f"Request type {code!r} has no entry in requests_app.request_types.",
                    id="requests_app.E101",
                )
            )
            continue
        for kind in spec.letter_kinds:
            for lang in LETTER_LANGUAGE_CODES:
                filename = seeded.get((kind, code, lang)) or seeded.get((kind, "", lang))
                if filename is None or not (SEED_DIR / filename).is_file():
                    errors.append(
                        checks.Error(
                            f"Request type {code!r} has no {lang} template for {kind!r} letters.",
                            hint=f"Add templates/letters/seed/{kind}.{code}.{lang}.html.",
                            id="requests_app.E102",
                        )
                    )
        deadline = spec.default_deadline
        if deadline.days < 1 or deadline.day_kind not in DayKind.values:
            errors.append(
                checks.Error(
                    f"Request type {code!r} has no valid default deadline rule.",
                    id="requests_app.E103",
                )
            )
        try:
            import_string(spec.fulfilment_handler)
        except ImportError:
            errors.append(
                checks.Error(
                    f"Request type {code!r}: fulfilment handler {spec.fulfilment_handler!r} "
                    "cannot be imported.",
                    id="requests_app.E104",
                )
            )
    for code in map(str, set(REQUEST_TYPES) - set(RequestType.values)):
        errors.append(
            checks.Error(
                f"The registry names {code!r}, which is not a RequestType choice.",
                id="requests_app.E101",
            )
        )
    return errors


@checks.register(checks.Tags.database)
def check_request_types_data(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With `check --database default`: every type has its deadline-rule row and its current
    response template in each letter language (managers may have deleted or not seeded them)."""
    from django.db import DatabaseError

    from .models import DeadlineRule, LetterTemplate

    databases = kwargs.get("databases") or []
    if "default" not in databases:
        return []
    try:
        ruled = set(DeadlineRule.objects.values_list("request_type", flat=True))
        current = set(
            LetterTemplate.objects.filter(is_current=True).values_list(
                "kind", "request_type", "language"
            )
        )
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    errors: list[checks.CheckMessage] = []
    for code, spec in REQUEST_TYPES.items():
        code = str(code)
        if code not in ruled:
            errors.append(
                checks.Warning(
                    f"Request type {code!r} has no deadline rule: the default "
                    f"({spec.default_deadline.days} days) applies.",
                    hint="Add it under Deadline rules.",
                    id="requests_app.W105",
                )
            )
        for kind in spec.letter_kinds:
            for lang in LETTER_LANGUAGE_CODES:
                if (kind, code, lang) not in current and (kind, "", lang) not in current:
                    errors.append(
                        checks.Error(
                            f"Request type {code!r} has no current {lang} template for "
                            f"{kind!r} letters.",
                            id="requests_app.E106",
                        )
                    )
    return errors
