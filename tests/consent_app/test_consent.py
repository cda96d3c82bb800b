"""The consent ledger: one service changes consent, event and flag together, never rewritten."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_app import selectors, services
from consent_app.models import (
    Channel,
    ConsentEvent,
    ConsentFlag,
    ConsentState,
    PrivacyNotice,
    PurposeOfUse,
)
from tests.consent_app.conftest import grant, withdraw
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_change_writes_one_event_and_the_flag_it_leads_to(customer, marketing):
    event = grant(customer, marketing, Channel.EMAIL)
    flag = ConsentFlag.objects.get(customer=customer, purpose=marketing, channel=Channel.EMAIL)
    assert (event.old_state, event.new_state) == ("", ConsentState.GRANTED)
    assert flag.state == ConsentState.GRANTED
    assert flag.last_event == event


def test_the_next_event_records_the_state_it_replaced(customer, marketing):
    grant(customer, marketing, Channel.POST)
    event = withdraw(customer, marketing, Channel.POST)
    assert (event.old_state, event.new_state) == (ConsentState.GRANTED, ConsentState.WITHDRAWN)


def test_an_event_names_the_privacy_notice_in_force(customer, marketing):
    event = grant(customer, marketing, Channel.EMAIL)
    assert event.notice == PrivacyNotice.objects.get(version=1)


def test_an_event_names_a_newer_notice_once_it_is_in_force(customer, marketing):
    v1 = PrivacyNotice.objects.get(version=1)
    v2 = PrivacyNotice.objects.create(
        version=2,
        effective_from=timezone.localdate(),
        company=v1.company,
        purposes=v1.purposes,
        procedures=v1.procedures,
        contacts=v1.contacts,
    )
    old = grant(customer, marketing, Channel.EMAIL, occurred_at=timezone.now() - timedelta(days=3))
    new = withdraw(customer, marketing, Channel.EMAIL)
    assert (old.notice, new.notice) == (v1, v2)


def test_a_staff_change_records_who_made_it(customer, marketing, staff):
    event = grant(
        customer,
        marketing,
        Channel.PHONE,
        actor=ConsentEvent.Actor.STAFF,
        source=ConsentEvent.Source.PHONE,
        by=staff,
    )
    assert (event.actor, event.recorded_by) == (ConsentEvent.Actor.STAFF, staff)


def test_a_staff_change_without_the_staff_user_is_refused(customer, marketing):
    with pytest.raises(ValidationError) as exc:
        grant(customer, marketing, Channel.PHONE, actor=ConsentEvent.Actor.STAFF)
    assert exc.value.messages == [str(services.CONSENT_STAFF_USER_REQUIRED)]


def test_a_change_from_a_request_needs_its_reference(customer, marketing):
    with pytest.raises(ValidationError) as exc:
        withdraw(customer, marketing, Channel.POST, source=ConsentEvent.Source.REQUEST)
    assert exc.value.messages == [str(services.CONSENT_REQUEST_REFERENCE_REQUIRED)]


def test_a_channel_the_purpose_is_not_consented_per_is_refused(customer, survey):
    with pytest.raises(ValidationError) as exc:
        grant(customer, survey, Channel.EMAIL)
    assert exc.value.messages == [
        str(services.CONSENT_CHANNEL_NOT_OFFERED) % {"purpose": "survey", "channel": "email"}
    ]
    assert not ConsentEvent.objects.exists()


def test_an_unknown_purpose_code_is_refused(customer):
    with pytest.raises(ValidationError) as exc:
        grant(customer, "astrology", Channel.ANY)
    assert exc.value.messages == [str(services.CONSENT_UNKNOWN_PURPOSE) % {"purpose": "astrology"}]


def test_a_purpose_given_by_its_code_works_like_the_object(customer, marketing):
    event = grant(customer, "marketing", Channel.EMAIL)
    assert event.purpose == marketing


def test_consent_to_an_inactive_purpose_cannot_be_granted_but_can_be_withdrawn(customer, marketing):
    grant(customer, marketing, Channel.EMAIL)
    PurposeOfUse.objects.filter(pk=marketing.pk).update(active=False)
    marketing.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        grant(customer, marketing, Channel.POST)
    assert exc.value.messages == [str(services.CONSENT_PURPOSE_INACTIVE)]
    assert withdraw(customer, marketing, Channel.EMAIL).new_state == ConsentState.WITHDRAWN


def test_a_change_dated_in_the_future_is_refused(customer, marketing):
    with pytest.raises(ValidationError) as exc:
        grant(customer, marketing, Channel.EMAIL, occurred_at=timezone.now() + timedelta(days=1))
    assert exc.value.messages == [str(services.CONSENT_IN_FUTURE)]


def test_a_change_may_be_dated_back_to_the_customers_letter(customer, marketing):
    letter_date = timezone.now() - timedelta(days=5)
    event = withdraw(
        customer,
        marketing,
        Channel.POST,
        source=ConsentEvent.Source.LETTER,
        occurred_at=letter_date,
    )
    assert event.occurred_at == letter_date


def test_a_change_dated_before_the_latest_one_for_the_same_purpose_and_channel_is_refused(
    customer, marketing
):
    grant(customer, marketing, Channel.EMAIL)
    with pytest.raises(ValidationError) as exc:
        withdraw(customer, marketing, Channel.EMAIL, occurred_at=timezone.now() - timedelta(days=1))
    assert exc.value.code == "backdated"
    assert customer.consent_events.count() == 1


def test_a_change_for_an_erased_customer_is_refused_and_writes_nothing(customer, marketing, staff):
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000010")
    before = ConsentEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        grant(customer, marketing, Channel.EMAIL)
    assert exc.value.messages == [str(services.CUSTOMER_ERASED)]
    assert ConsentEvent.objects.count() == before


def test_a_signed_form_is_stored_under_a_random_name(customer, marketing):
    scan = SimpleUploadedFile("yamada-taro-consent.pdf", b"%PDF-1.4 signed form")
    event = grant(
        customer, marketing, Channel.POST, source=ConsentEvent.Source.LETTER, evidence=scan
    )
    assert event.evidence.name.startswith("consent-evidence/")
    assert "yamada" not in event.evidence.name
    assert event.evidence.read() == b"%PDF-1.4 signed form"


def test_a_signed_form_that_is_not_a_scan_is_refused(customer, marketing):
    script = SimpleUploadedFile("form.pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(ValidationError) as exc:
        grant(customer, marketing, Channel.POST, evidence=script)
    assert exc.value.messages == [str(services.EVIDENCE_BAD_TYPE)]


def test_withdraw_all_withdraws_only_the_consents_in_force(customer, marketing, survey, staff):
    grant(customer, marketing, Channel.EMAIL)
    grant(customer, marketing, Channel.POST)
    withdraw(customer, marketing, Channel.POST)
    grant(customer, survey)
    events = services.consent_withdraw_all(
        customer=customer, by=staff, source=ConsentEvent.Source.PHONE
    )
    assert sorted((e.purpose.code, e.channel) for e in events) == [
        ("marketing", "email"),
        ("survey", "any"),
    ]
    assert all(e.actor == ConsentEvent.Actor.CUSTOMER and e.recorded_by == staff for e in events)


def test_withdraw_all_can_be_limited_to_some_purposes(customer, marketing, survey, staff):
    grant(customer, marketing, Channel.EMAIL)
    grant(customer, survey)
    services.consent_withdraw_all(
        customer=customer,
        by=staff,
        source=ConsentEvent.Source.REQUEST,
        request_reference="PR-2026-000011",
        purpose_codes=["survey"],
    )
    states = dict(customer.consent_flags.values_list("purpose__code", "state"))
    assert states == {"marketing": ConsentState.GRANTED, "survey": ConsentState.WITHDRAWN}


def test_withdraw_all_refuses_an_unknown_purpose_code_and_changes_nothing(
    customer, marketing, staff
):
    grant(customer, marketing, Channel.EMAIL)
    with pytest.raises(ValidationError):
        services.consent_withdraw_all(
            customer=customer, by=staff, source="phone", purpose_codes=["marketing", "nope"]
        )
    assert customer.consent_flags.get().state == ConsentState.GRANTED


# --- Replay: the flags are always what the ledger says ------------------------------------------
_CHANGES = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # which customer
        st.sampled_from(
            [
                ("marketing", Channel.POST),
                ("marketing", Channel.PHONE),
                ("marketing", Channel.EMAIL),
                ("survey", Channel.ANY),
                ("third_party_provision", Channel.ANY),
            ]
        ),
        st.sampled_from(ConsentState.values),
        st.integers(min_value=0, max_value=3),  # minutes after the previous change (0: same time)
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=_CHANGES)
def test_replaying_the_ledger_reproduces_every_current_flag(changes):
    """GIVEN any sequence of grants and withdrawals for a few customers (same-instant ones too)
    WHEN the ledger of each customer is replayed in (occurred_at, id) order
    THEN the last event of every purpose × channel is exactly the flag in force.
    """
    from django.db import transaction

    # Each example runs in its own savepoint, rolled back, so examples never see each other.
    with transaction.atomic():
        customers = [CustomerFactory() for _ in range(3)]
        clock = timezone.now() - timedelta(days=1)
        for who, (code, channel), state, minutes in changes:
            clock += timedelta(minutes=minutes)
            services.consent_change(
                customer=customers[who],
                purpose=code,
                channel=channel,
                new_state=state,
                actor=ConsentEvent.Actor.CUSTOMER,
                source=ConsentEvent.Source.WEB,
                occurred_at=clock,
            )
        for customer in customers:
            flags = {
                (f.purpose_id, f.channel): f.state
                for f in ConsentFlag.objects.filter(customer=customer)
            }
            assert selectors.consent_replay(customer=customer) == flags
        transaction.set_rollback(True)
