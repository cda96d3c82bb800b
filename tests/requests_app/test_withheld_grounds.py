"""Each withheld section of a disclosure carries its own Art. 33(2) ground (issue 12, item 2):
the letter states every section with its ground; a ground the law does not allow is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_app import services
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, RefusalGround, RequestState
from requests_app.services import fulfilment
from tests.factories import DisclosureRequestFactory, LetterFactory

from .helpers import message
from .letters_helpers import flat, pdf_text

pytestmark = pytest.mark.django_db


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
    return DisclosureRequestFactory(customer=customer, state=RequestState.VERIFIED)


def draft(request, by, **kwargs):
    return services.request_draft_response(
        request=request,
        by=by,
        method_used="paper",
        outcome="partly_fulfilled",
        refusal_ground="business_hindrance",
        explanation="社内の検討記録及び他の方の情報が含まれるためです。",
        **kwargs,
    )


def test_each_withheld_section_is_stated_with_its_own_ground(verified, staff):
    draft(
        verified,
        staff,
        withheld_sections=["comments", "incidents"],
        withheld_grounds={"incidents": "harm_to_person"},
    )
    verified.refresh_from_db()
    # A section without a ground of its own is withheld on the refusal ground, recorded as such.
    assert verified.withheld_grounds == {
        "comments": "business_hindrance",
        "incidents": "harm_to_person",
    }
    letter = LetterFactory(request=verified, kind="response")
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        text = flat(pdf_text(handle.read())).replace(" ", "")
    assert "開示しない部分請求に関するメモ理由：" in text
    assert "開示しない部分本人のデータに係る漏えい等事案理由：" in text
    assert "第33条第2項第1号" in text  # harm to the person or a third party
    assert "第33条第2項第2号" in text  # serious hindrance to the business


def test_a_ground_the_law_does_not_allow_for_a_section_is_refused(verified, staff):
    with pytest.raises(ValidationError) as exc:
        draft(
            verified,
            staff,
            withheld_sections=["comments"],
            withheld_grounds={"comments": "content_true"},
        )
    assert exc.value.message_dict["withheld_grounds"] == [
        message(
            fulfilment.WITHHOLDING_GROUND_INVALID,
            ground=RefusalGround.CONTENT_TRUE.label,
            section="請求に関するメモ",
        )
    ]
    verified.refresh_from_db()
    assert verified.state == RequestState.VERIFIED and verified.withheld_grounds == {}


def test_the_draft_page_asks_a_ground_per_section_and_records_it(client, staff, verified):
    client.force_login(staff)
    url = reverse(
        "admin:requests_app_disclosurerequest_transition", args=[verified.pk, "draft_response"]
    )
    page = client.get(url).content.decode()
    assert 'name="withheld_ground__comments"' in page

    response = client.post(
        url,
        {
            "expected_state": verified.state,
            "outcome": "partly_fulfilled",
            "refusal_ground": "business_hindrance",
            "outcome_explanation": "社内の検討記録のためです。",
            "disclosure_method_used": "paper",
            "withheld_sections": ["comments", "letters"],
            "withheld_ground__letters": "other_law",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    verified.refresh_from_db()
    assert verified.state == RequestState.RESPONSE_DRAFTED
    assert verified.withheld_grounds == {"comments": "business_hindrance", "letters": "other_law"}
