"""Every letter read back as the person will read it (issue 12, item 6).

Each kind and outcome, in Japanese and English, rendered from real rows (a customer with data, a
hostile and a rare name), the PDF's text extracted and checked: no code value of the models'
choices and no JSON in a Japanese letter, the fee line only when a fee was received, no internal
note, and every character drawn (a box would have failed the render). With LETTER_SAMPLE_DIR set,
the PDFs are kept there (`pdftoppm -r 80 -png` turns them into pictures to look at).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from requests_app.letters.tasks import letter_render
from requests_app.models import DeadlineExtension, Letter, LetterKind, RequestState
from tests.factories import DisclosureRequestFactory, LetterFactory, RequestCommentFactory

from .letters_helpers import flat, pdf_text, write_sample

pytestmark = pytest.mark.django_db

# A hostile name (markup, a template tag, a formula, a literal character reference) and a rare
# one (outside JIS X 0208, a supplementary-plane kanji among them).
HOSTILE = '<b>𠮷田</b> {{ request }} =HYPERLINK("x") &#x20BB7; O\'Brien'
RARE = "髙橋 𩸽子"
NOTE = "社内メモ：折り返し電話は不要"

# (kind, request type, outcome, extra request fields)
CASES = [
    (LetterKind.REQUEST_FORM, "disclosure", "", {}),
    (LetterKind.MORE_DOCUMENTS, "correction", "", {}),
    (LetterKind.EXTENSION_NOTICE, "erasure", "", {}),
    (LetterKind.RESPONSE, "purpose_notice", "fulfilled", {}),
    (LetterKind.RESPONSE, "disclosure", "fulfilled", {"disclosure_method_used": "paper"}),
    (
        LetterKind.RESPONSE,
        "disclosure",
        "partly_fulfilled",
        {
            "disclosure_method_used": "paper",
            "refusal_ground": "business_hindrance",
            "outcome_explanation": "社内の検討記録のためです。",
            "withheld_sections": ["comments"],
        },
    ),
    (LetterKind.RESPONSE, "record_disclosure", "fulfilled", {"disclosure_method_used": "paper"}),
    (LetterKind.RESPONSE, "correction", "fulfilled", {}),
    (LetterKind.RESPONSE, "erasure", "fulfilled", {"use_measure": "suspend_use"}),
    (LetterKind.RESPONSE, "provision_stop", "fulfilled", {}),
    (
        LetterKind.REFUSAL,
        "disclosure",
        "refused",
        {"refusal_ground": "other_law", "outcome_explanation": "法令により開示できません。"},
    ),
    (LetterKind.NO_DATA_HELD, "disclosure", "no_data_held", {"no_data_held": True}),
]


def choice_codes() -> set[str]:
    """Every stored code of every choice field of the project's models that a reader would
    recognise as a code (lower-case, underscores, four characters or more)."""
    codes: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith(("requests_app", "consent_app", "privacyoffice")):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]{3,}", value):
                    codes.add(value)
    return codes


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def rendered_text(kind, rtype, outcome, extra, language, name, customer) -> str:
    request = DisclosureRequestFactory(
        request_type=rtype,
        requester_name=name,
        customer=None if extra.get("no_data_held") else customer,
        state=RequestState.RESPONDED if outcome else RequestState.FORM_SENT,
        outcome=outcome,
        **extra,
    )
    RequestCommentFactory(request=request, body=NOTE)
    if kind == LetterKind.EXTENSION_NOTICE:
        DeadlineExtension.objects.create(
            request=request,
            previous_due_date=dt.date(2026, 12, 16),
            new_due_date=dt.date(2026, 12, 28),
            reason="記録の取り寄せに時間を要するため",
            extended_by=get_user_model().objects.create_user(username=f"ext-{request.pk}"),
        )
    letter = LetterFactory(request=request, kind=kind, language=language)
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        pdf = handle.read()
    write_sample(f"{kind}-{rtype}-{outcome or 'none'}-{language}-{letter.pk}", pdf)
    return flat(pdf_text(pdf))


@pytest.mark.parametrize("name", [HOSTILE, RARE], ids=["hostile", "rare"])
@pytest.mark.parametrize(("kind", "rtype", "outcome", "extra"), CASES)
def test_a_japanese_letter_reads_without_codes_json_fees_or_notes(
    kind, rtype, outcome, extra, name, customer
):
    text = rendered_text(kind, rtype, outcome, extra, "ja", name, customer)

    # Words of the person's own name and e-mail are theirs, not codes.
    own = set(re.findall(r"[a-z][a-z0-9_]{3,}", name + " " + customer.email))
    words = set(re.findall(r"[a-z][a-z0-9_]{3,}", text)) - own
    assert not words & choice_codes(), sorted(words & choice_codes())
    assert '["' not in text and '{"' not in text
    # The internal note appears only where staff chose to disclose the notes (a full disclosure).
    disclosed_notes = rtype == "disclosure" and outcome == "fulfilled"
    assert (NOTE in text) == disclosed_notes
    if kind != LetterKind.REQUEST_FORM:
        assert "手数料" not in text  # no fee was received on these requests
    # The name is printed as given: escaped markup, no template evaluated, every glyph drawn.
    if name == RARE:
        assert "𩸽子" in text.replace(" ", "")
    else:
        assert "<b>𠮷田</b>" in text.replace("\n", "") and "{{ request }}" in text


@pytest.mark.parametrize(("kind", "rtype", "outcome", "extra"), CASES)
def test_an_english_letter_reads_without_japanese_codes_or_notes(
    kind, rtype, outcome, extra, customer
):
    text = rendered_text(kind, rtype, outcome, extra, "en", "Mary O'Brien", customer)

    words = set(re.findall(r"[a-z][a-z0-9_]{3,}", text))
    underscored = {w for w in words & choice_codes() if "_" in w}
    assert not underscored, sorted(underscored)
    assert (NOTE in text) == (rtype == "disclosure" and outcome == "fulfilled")
