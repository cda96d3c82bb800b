"""Fixtures of the consent_app tests: the seeded purposes, and a customer with consent."""

import pytest

from consent_app.models import Channel, ConsentEvent, ConsentState, PurposeOfUse
from consent_app.services import consent_change
from tests.factories import CustomerFactory


@pytest.fixture
def marketing(db) -> PurposeOfUse:
    return PurposeOfUse.objects.get(code="marketing")


@pytest.fixture
def survey(db) -> PurposeOfUse:
    return PurposeOfUse.objects.get(code="survey")


@pytest.fixture
def provision_purpose(db) -> PurposeOfUse:
    return PurposeOfUse.objects.get(code="third_party_provision")


@pytest.fixture
def customer(db, staff):
    return CustomerFactory(by=staff)


def grant(customer, purpose, channel=Channel.ANY, **extra) -> ConsentEvent:
    """Record the customer's consent (by web form, unless told otherwise)."""
    options = {"actor": ConsentEvent.Actor.CUSTOMER, "source": ConsentEvent.Source.WEB}
    options.update(extra)
    return consent_change(
        customer=customer,
        purpose=purpose,
        channel=channel,
        new_state=ConsentState.GRANTED,
        **options,
    )


def withdraw(customer, purpose, channel=Channel.ANY, **extra) -> ConsentEvent:
    options = {"actor": ConsentEvent.Actor.CUSTOMER, "source": ConsentEvent.Source.WEB}
    options.update(extra)
    return consent_change(
        customer=customer,
        purpose=purpose,
        channel=channel,
        new_state=ConsentState.WITHDRAWN,
        **options,
    )
