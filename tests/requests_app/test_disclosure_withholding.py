"""Anything withheld from a disclosure is a partial refusal stated in the letter (issue 12,
item 3): never a silent omission; internal notes are withheld unless staff choose otherwise."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_app import selectors, services
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, RequestState
from requests_app.services import fulfilment
from tests.factories import DisclosureRequestFactory, LetterFactory, RequestCommentFactory

from .letters_helpers import flat, pdf_text

pytestmark = pytest.mark.django_db

NOTE = "電話で本人確認書類の再送を依頼（社内メモ）"


@pytest.fixture(autouse=True)
def letter_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def verified(customer):
    request = DisclosureRequestFactory(customer=customer, state=RequestState.VERIFIED)
    RequestCommentFactory(request=request, body=NOTE)
    return request


def draft(request, by, **kwargs):
    return services.request_draft_response(request=request, by=by, method_used="paper", **kwargs)


def test_withholding_the_notes_with_a_full_fulfilment_is_refused_and_changes_nothing(
    verified, staff
):
    with pytest.raises(ValidationError) as exc:
        draft(verified, staff, outcome="fulfilled", withheld_sections=["comments"])

    assert exc.value.message_dict["withheld_sections"] == [str(fulfilment.WITHHOLDING_IS_PARTIAL)]
    verified.refresh_from_db()
    assert verified.state == RequestState.VERIFIED and verified.withheld_sections == []


def test_an_unknown_section_cannot_be_withheld(verified, staff):
    with pytest.raises(ValidationError) as exc:
        draft(
            verified,
            staff,
            outcome="partly_fulfilled",
            refusal_ground="business_hindrance",
            explanation="社内の検討記録のため",
            withheld_sections=["nonsense"],
        )

    assert "withheld_sections" in exc.value.message_dict


def test_the_letter_names_what_is_withheld_with_its_ground_and_leaves_it_out(verified, staff):
    draft(
        verified,
        staff,
        outcome="partly_fulfilled",
        refusal_ground="business_hindrance",
        explanation="当社内部の検討の記録であり、開示により業務に著しい支障が生じるためです。",
        withheld_sections=["comments"],
    )
    verified.refresh_from_db()
    letter = LetterFactory(request=verified, kind="response")

    letter_render.apply(args=[letter.pk])

    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        text = flat(pdf_text(handle.read())).replace(" ", "")
    assert "開示しない部分請求に関するメモ" in text
    assert "第33条第2項第2号" in text  # the ground, with its provision
    assert "業務に著しい支障" in text  # the explanation (Art. 36)
    assert NOTE not in text


def test_a_disclosure_that_chooses_to_disclose_the_notes_prints_them(verified, staff):
    draft(verified, staff, outcome="fulfilled")
    verified.refresh_from_db()

    compilation = selectors.disclosure_compilation(
        request=verified, withheld=verified.withheld_sections
    )

    assert any(s["key"] == "comments" for s in compilation["sections"])


def test_the_draft_page_ticks_the_internal_notes_by_default(client, staff, verified):
    client.force_login(staff)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[verified.pk, "draft_response"]
    )

    page = client.get(url).content.decode()

    box = re.search(r'<input[^>]*name="withheld_sections"[^>]*value="comments"[^>]*>', page)
    assert box is not None and "checked" in box.group(0)


def test_the_approval_page_shows_what_is_withheld(client, other_manager, manager, verified):
    draft(
        verified,
        manager,
        outcome="partly_fulfilled",
        refusal_ground="business_hindrance",
        explanation="社内の検討記録のためです。",
        withheld_sections=["comments"],
    )
    client.force_login(other_manager)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[verified.pk, "approve_and_send"]
    )

    page = client.get(url).content.decode()

    assert "請求に関するメモ" in page
