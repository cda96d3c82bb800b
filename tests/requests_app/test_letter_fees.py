"""Only facts on record (issue 12, item 2): a letter states a fee only as recorded and received —
amount, how it was paid, when — and the request form asks for the published amount."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from requests_app import services
from requests_app.letters.context import DEFAULT_FEE_YEN
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter, RequestState
from requests_app.services import intake
from tests.factories import DisclosureRequestFactory, LetterFactory

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


def letter_text(request, kind: str, language: str = "ja") -> str:
    letter = LetterFactory(request=request, kind=kind, language=language)
    letter_render.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    with letter.file.open("rb") as handle:
        return flat(pdf_text(handle.read()))


def purpose_notice(**fee) -> object:
    return DisclosureRequestFactory(
        request_type="purpose_notice", state="responded", outcome="fulfilled", **fee
    )


def test_a_response_states_no_fee_when_none_was_recorded():
    text = letter_text(purpose_notice(), "response")

    assert "手数料" not in text
    assert "1,000円" not in text


def test_a_response_states_no_fee_that_was_asked_but_never_received():
    text = letter_text(purpose_notice(fee_amount=1000), "response")

    assert "手数料" not in text


def test_a_response_states_the_received_fee_with_its_form_and_date():
    request = purpose_notice(
        fee_amount=800,
        fee_payment_method="cash_registered_mail",
        fee_received_on=dt.date(2026, 11, 30),
    )

    text = letter_text(request, "response")

    assert "手数料800円（現金書留により、2026年11月30日受領）" in text.replace(" ", "")


def test_an_english_response_states_the_received_fee_in_english():
    request = purpose_notice(
        fee_amount=1000,
        fee_payment_method="postal_money_order",
        fee_received_on=dt.date(2026, 11, 30),
    )

    text = letter_text(request, "response", language="en")

    assert "by postal money order" in text and "30 November 2026" in text


def test_the_request_form_asks_for_the_published_fee_of_a_fee_bearing_type():
    text = letter_text(DisclosureRequestFactory(request_type="disclosure"), "request_form")

    assert f"{DEFAULT_FEE_YEN:,}円分の定額小為替" in text


def test_the_request_form_of_a_type_without_a_fee_asks_for_none():
    text = letter_text(DisclosureRequestFactory(request_type="correction"), "request_form")

    assert "手数料" not in text


# --- the receipt step records the fee ------------------------------------------------------------
def test_receiving_the_documents_records_the_fee_that_came_with_them(staff):
    request = DisclosureRequestFactory(request_type="disclosure", state=RequestState.FORM_SENT)
    today = timezone.localdate()

    services.request_receive_documents(
        request=request,
        by=staff,
        fee_amount=1000,
        fee_payment_method="postal_money_order",
        fee_received_on=today,
    )

    request.refresh_from_db()
    assert (request.fee_amount, request.fee_payment_method, request.fee_received_on) == (
        1000,
        "postal_money_order",
        today,
    )
    assert request.fee_settled


def test_a_fee_received_without_its_payment_method_is_refused_and_nothing_changes(staff):
    request = DisclosureRequestFactory(request_type="disclosure", state=RequestState.FORM_SENT)

    with pytest.raises(ValidationError) as exc:
        services.request_receive_documents(
            request=request, by=staff, fee_amount=1000, fee_received_on=timezone.localdate()
        )

    assert exc.value.message_dict["fee_payment_method"] == [str(intake.FEE_RECEIPT_WITHOUT_METHOD)]
    request.refresh_from_db()
    assert request.state == RequestState.FORM_SENT and request.fee_amount is None


def test_a_fee_received_in_the_future_is_refused(staff):
    request = DisclosureRequestFactory(request_type="disclosure", state=RequestState.FORM_SENT)

    with pytest.raises(ValidationError) as exc:
        services.request_receive_documents(
            request=request,
            by=staff,
            fee_amount=1000,
            fee_payment_method="bank_transfer",
            fee_received_on=timezone.localdate() + dt.timedelta(days=1),
        )

    assert exc.value.message_dict["fee_received_on"] == [str(intake.FEE_RECEIVED_IN_FUTURE)]


def test_a_fee_on_a_type_that_bears_none_is_refused_at_receipt(staff):
    request = DisclosureRequestFactory(request_type="correction", state=RequestState.FORM_SENT)

    with pytest.raises(ValidationError) as exc:
        services.request_receive_documents(request=request, by=staff, fee_amount=1000)

    assert "fee_amount" in exc.value.message_dict


def test_the_receipt_page_asks_for_the_fee_only_for_a_fee_bearing_type(client, staff):
    client.force_login(staff)
    disclosure = DisclosureRequestFactory(request_type="disclosure", state=RequestState.FORM_SENT)
    correction = DisclosureRequestFactory(request_type="correction", state=RequestState.FORM_SENT)

    def page(request) -> str:
        url = reverse(
            "admin:requests_app_disclosurerequest_transition",
            args=[request.pk, "receive_documents"],
        )
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert 'name="fee_payment_method"' in page(disclosure)
    assert 'name="fee_payment_method"' not in page(correction)
