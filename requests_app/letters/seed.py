"""The seeded letter templates: one per kind (responses one per request type) and language.

The bodies live in templates/letters/seed/ as files so they can be read and reviewed as HTML;
the data migration loads them as version 1. Managers then edit them in the admin, where each save
is a new version: changing a file here later does not change a database that is already seeded.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from requests_app.request_types import REQUEST_TYPES

SEED_DIR = Path(settings.BASE_DIR) / "templates" / "letters" / "seed"

# (kind, request_type, language, subject, body file). request_type "" = any request type.
SEED_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "request_form",
        "",
        "ja",
        "保有個人データの開示等のご請求書類のご送付について",
        "request_form.ja.html",
    ),
    (
        "request_form",
        "",
        "en",
        "Your request concerning your personal information: request form and instructions",
        "request_form.en.html",
    ),
    ("more_documents", "", "ja", "追加書類のご提出のお願い", "more_documents.ja.html"),
    (
        "more_documents",
        "",
        "en",
        "Your request {{ request.reference }}: further documents needed",
        "more_documents.en.html",
    ),
    (
        "extension_notice",
        "",
        "ja",
        "ご回答期日の延長について（ご通知）",
        "extension_notice.ja.html",
    ),
    (
        "extension_notice",
        "",
        "en",
        "Your request {{ request.reference }}: new reply date",
        "extension_notice.en.html",
    ),
    (
        "refusal",
        "",
        "ja",
        "{{ request.type_title }}のご請求について（ご通知）",
        "refusal.ja.html",
    ),
    (
        "refusal",
        "",
        "en",
        "Your request {{ request.reference }}: our decision",
        "refusal.en.html",
    ),
    (
        "no_data_held",
        "",
        "ja",
        "{{ request.type_title }}のご請求について（ご通知）",
        "no_data_held.ja.html",
    ),
    (
        "no_data_held",
        "",
        "en",
        "Your request {{ request.reference }}: no personal data held",
        "no_data_held.en.html",
    ),
    # One letter answering every right of a case, each with its own outcome (issue 13).
    (
        "case_response",
        "",
        "ja",
        "保有個人データの開示等のご請求について（ご通知）",
        "case_response.ja.html",
    ),
    (
        "case_response",
        "",
        "en",
        "Your request {{ case.reference }}: our answer to each of your requests",
        "case_response.en.html",
    ),
    # Leak notices to the people affected (Art. 26(2)), queued by incidents_app (issue 15).
    (
        "incident_notice",
        "",
        "ja",
        "個人データの漏えい等に関するお知らせとお詫び",
        "incident_notice.ja.html",
    ),
    (
        "incident_notice",
        "",
        "en",
        "Notice of an incident involving your personal data",
        "incident_notice.en.html",
    ),
]


# The responses: one per request type and language, subject from the registry of request types.
SEED_TEMPLATES += [
    (
        "response",
        code,
        language,
        spec.response_subject[language],
        f"response.{code}.{language}.html",
    )
    for code, spec in REQUEST_TYPES.items()
    for language in ("ja", "en")
]


def seed_body(filename: str) -> str:
    return (SEED_DIR / filename).read_text(encoding="utf-8")


def seed_letter_templates(LetterTemplate) -> int:
    """Create version 1 of every seeded template that has no version yet; returns how many.

    Takes the model class so the data migration can pass its historical model.
    """
    created = 0
    for kind, request_type, language, subject, filename in SEED_TEMPLATES:
        exists = LetterTemplate.objects.filter(
            kind=kind, request_type=request_type, language=language
        ).exists()
        if exists:
            continue
        LetterTemplate.objects.create(
            kind=kind,
            request_type=request_type,
            language=language,
            version=1,
            subject=subject,
            body=seed_body(filename),
            is_current=True,
        )
        created += 1
    return created


# The kinds whose seeded templates declare free-text parts (issue 12).
_PART_TAG = re.compile(r"\{%\s*(?:part\s+[^%]*|endpart)\s*%\}")
DRAFTED_KINDS = ("response", "refusal", "no_data_held")


def _without_parts(body: str) -> str:
    return "".join(_PART_TAG.sub("", body).split())


def seed_letter_parts(LetterTemplate) -> int:
    """Give an existing database the seeded bodies that declare the free-text parts.

    Only a current seed version nobody edited (created_by empty) whose text is the seed's apart
    from the part tags gets a new version; a manager's own version is left as they wrote it.
    """
    updated = 0
    for kind, request_type, language, _subject, filename in SEED_TEMPLATES:
        if kind not in DRAFTED_KINDS:
            continue
        body = seed_body(filename)
        current = LetterTemplate.objects.filter(
            kind=kind, request_type=request_type, language=language, is_current=True
        ).first()
        if current is None or current.created_by_id is not None or "{% part" in current.body:
            continue
        if _without_parts(current.body) != _without_parts(body):
            continue
        LetterTemplate.objects.filter(pk=current.pk).update(is_current=False)
        LetterTemplate.objects.create(
            kind=kind,
            request_type=request_type,
            language=language,
            version=current.version + 1,
            subject=current.subject,
            body=body,
            date_style=current.date_style,
            seal_image=current.seal_image,
            is_current=True,
        )
        updated += 1
    return updated
