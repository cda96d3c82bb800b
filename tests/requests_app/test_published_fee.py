"""Issue 16: the fee that letters and the request form state comes from the notice in force."""

import datetime as dt

import pytest
from django.utils import timezone

from consent_app.models import PrivacyNotice
from requests_app.letters.context import request_context
from requests_app.letters.tasks import letter_render
from requests_app.models import Letter
from tests.factories import DisclosureRequestFactory, LetterFactory
from tests.requests_app.letters_helpers import flat, pdf_text, write_sample

pytestmark = pytest.mark.django_db


def publish(version: int, fee: int, effective_from: dt.date) -> PrivacyNotice:
    return PrivacyNotice.objects.create(
        version=version,
        effective_from=effective_from,
        company="株式会社サンプル",
        purposes="…",
        procedures="…",
        security_measures="組織的・人的・物理的・技術的安全管理措置",
        contacts="お客様相談室",
        fee_yen=fee,
    )


def test_the_request_form_states_the_fee_of_the_notice_in_force_when_the_request_came():
    received = timezone.now() - dt.timedelta(days=3)
    publish(90, 700, timezone.localdate(received) - dt.timedelta(days=30))
    publish(91, 800, timezone.localdate() + dt.timedelta(days=30))  # not yet in force
    request = DisclosureRequestFactory(request_type="disclosure", received_at=received)
    assert request_context(request, "ja", kind="request_form")["fee_amount"] == 700


def test_a_fee_recorded_on_the_request_wins_and_no_fee_for_a_free_right():
    request = DisclosureRequestFactory(request_type="disclosure", fee_amount=500)
    assert request_context(request, "ja", kind="request_form")["fee_amount"] == 500
    correction = DisclosureRequestFactory(request_type="correction")
    assert request_context(correction, "ja", kind="request_form")["fee_amount"] is None


def test_the_request_form_letter_pdf_states_the_published_fee(settings, tmp_path):
    """The rendered letter, read back from its PDF."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    received = timezone.now() - dt.timedelta(days=1)
    publish(92, 700, timezone.localdate(received) - dt.timedelta(days=10))
    letter = LetterFactory(
        request=DisclosureRequestFactory(request_type="disclosure", received_at=received)
    )
    letter_render(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.GENERATED, letter.error
    pdf = letter.file.open("rb").read()
    assert "700円" in flat(pdf_text(pdf))
    write_sample("request-form-published-fee", pdf)


# --- the intake form: the fee field pre-filled from the notice in force -------------------------
ADD = "admin:requests_app_disclosurerequest_add"


def add_form(**values) -> dict:
    return {
        "channel": "post",
        "received_at_0": timezone.localdate().isoformat(),
        "received_at_1": "10:00:00",
        "requester_name": "山田 花子",
        "language": "ja",
        "agent_type": "",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        **values,
    }


def test_the_intake_form_offers_the_fee_the_notice_in_force_publishes(client, staff):
    from django.urls import reverse

    from tests.conftest import client_for

    publish(90, 700, timezone.localdate() - dt.timedelta(days=30))
    publish(91, 800, timezone.localdate() + dt.timedelta(days=30))  # not yet in force

    page = client_for(client, staff).get(reverse(ADD))

    field = page.context["adminform"].form["fee_amount"]
    assert field.value() == 700
    assert 'name="fee_amount" value="700"' in page.content.decode()


def test_the_published_fee_left_as_it_is_is_charged_for_a_disclosure_and_dropped_for_a_correction(
    client, staff
):
    from django.urls import reverse

    from requests_app.models import DisclosureRequest
    from tests.conftest import client_for

    publish(90, 700, timezone.localdate() - dt.timedelta(days=30))
    browser = client_for(client, staff)

    for request_type in ("disclosure", "correction"):
        response = browser.post(
            reverse(ADD),
            add_form(
                request_type=request_type,
                fee_amount="700",  # what the browser sends back: the pre-filled value
                disclosure_method_requested="paper" if request_type == "disclosure" else "",
            ),
        )
        assert response.status_code == 302, response.context["adminform"].form.errors

    disclosure = DisclosureRequest.objects.get(request_type="disclosure")
    correction = DisclosureRequest.objects.get(request_type="correction")
    assert disclosure.fee_amount == 700 and disclosure.fee_received_on is None
    assert disclosure.fee_due  # the response waits for the fee's receipt
    assert correction.fee_amount is None and not correction.fee_due
