"""Customer services: creation, updates with history, erasure (APPI Art. 35) in place."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError

from consent_app import services
from consent_app.models import Channel, ConsentState, Customer
from tests.consent_app.conftest import grant
from tests.factories import CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db


def test_creating_a_customer_fills_the_normalised_search_columns(staff):
    customer = services.customer_create(
        by=staff,
        number="c-100",
        family_name="山田",
        given_name="太郎",
        family_name_kana="やまだ",
        given_name_kana="ﾀﾛｳ",
        phone="03-1234-5678",
        email="Taro@Example.JP",
    )
    assert customer.number == "C-100"
    assert customer.search_name == "山田太郎|ヤマダタロウ"
    assert customer.search_phone == "+81312345678"
    assert customer.search_email == "taro@example.jp"


def test_the_kana_reading_is_stored_in_full_width_katakana(staff):
    customer = CustomerFactory(by=staff, family_name_kana="やまだ", given_name_kana="ﾀﾛｳ")
    assert (customer.family_name_kana, customer.given_name_kana) == ("ヤマダ", "タロウ")


def test_the_first_history_entry_names_who_created_the_customer(staff):
    customer = CustomerFactory(by=staff)
    entry = customer.history.get()
    assert entry.history_type == "+"
    assert entry.history_user == staff


def test_a_duplicate_customer_number_is_refused_and_nothing_is_written(staff):
    CustomerFactory(by=staff, number="DUP1")
    with pytest.raises(ValidationError) as exc:
        CustomerFactory(by=staff, number="dup1")
    assert "number" in exc.value.message_dict
    assert Customer.objects.filter(number="DUP1").count() == 1


def test_an_unknown_field_is_refused_with_its_name(staff):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=staff, number="X1", family_name="山田", shoe_size=27)
    assert exc.value.messages == [str(services.CUSTOMER_UNKNOWN_FIELDS) % {"fields": "shoe_size"}]


def test_a_reading_that_is_not_kana_is_refused(staff):
    with pytest.raises(ValidationError) as exc:
        CustomerFactory(by=staff, family_name_kana="山田")
    assert exc.value.message_dict["family_name_kana"] == [str(services.KANA_INVALID)]


def test_a_date_of_birth_in_the_future_is_refused(staff, customer):
    with pytest.raises(ValidationError) as exc:
        services.customer_update(
            customer=customer, changes={"date_of_birth": "2999-01-01"}, by=staff
        )
    assert exc.value.message_dict["date_of_birth"] == [str(services.DATE_OF_BIRTH_IN_FUTURE)]


def test_a_serving_dealer_must_be_a_dealer(staff, customer):
    agreement_party = RecipientFactory(category="agreement")
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer, changes={"dealer": agreement_party}, by=staff)
    assert "dealer" in exc.value.message_dict


def test_an_update_keeps_a_history_entry_with_who_why_and_the_values_before_and_after(
    staff, other_staff, customer
):
    old_address = customer.address
    services.customer_update(
        customer=customer,
        changes={"address": "港区芝公園4-2-8"},
        by=other_staff,
        reason="PR-2026-000001",
    )
    latest, previous = customer.history.all()[:2]
    assert latest.history_user == other_staff
    assert latest.history_change_reason == "PR-2026-000001"
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("address", old_address, "港区芝公園4-2-8")
    ]


def test_an_update_refreshes_the_search_columns(staff, customer):
    services.customer_update(
        customer=customer, changes={"phone": "045-111-2222", "family_name": "佐藤"}, by=staff
    )
    customer.refresh_from_db()
    assert customer.search_phone == "+81451112222"
    assert customer.search_name.startswith("佐藤")


def test_the_customer_number_cannot_be_changed(staff, customer):
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer, changes={"number": "NEW"}, by=staff)
    assert exc.value.messages == [str(services.CUSTOMER_FIELD_NOT_CHANGEABLE) % {"field": "number"}]


def test_an_erased_customer_cannot_be_updated(staff, customer):
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000002")
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer, changes={"address": "x"}, by=staff)
    assert exc.value.messages == [str(services.CUSTOMER_ERASED)]


def test_erasure_blanks_the_personal_fields_and_keeps_the_number_as_a_tombstone(staff, customer):
    number = customer.number
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000003")
    customer.refresh_from_db()
    assert customer.number == number
    assert customer.erased_at is not None
    for name in services.CUSTOMER_PERSONAL_FIELDS:
        assert getattr(customer, name) == "", name
    assert customer.date_of_birth is None
    assert (customer.search_name, customer.search_phone, customer.search_email) == ("", "", "")


def test_erasure_also_blanks_the_values_kept_in_the_history(staff, customer):
    services.customer_update(customer=customer, changes={"address": "旧住所1-1"}, by=staff)
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000004")
    for entry in customer.history.all():
        assert (entry.family_name, entry.address, entry.email) == ("", "", "")
        assert entry.date_of_birth is None
    # Who changed the record and when is still there.
    assert customer.history.count() == 3


def test_erasure_leaves_the_admin_log_of_other_customers_alone(staff, customer):
    other = CustomerFactory(by=staff)
    LogEntry.objects.log_actions(
        user_id=staff.pk, queryset=[customer, other], action_flag=CHANGE, change_message=""
    )
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000007")
    kept = LogEntry.objects.get(object_id=str(other.pk))
    assert kept.object_repr == str(other)
    assert other.family_name in kept.object_repr


def test_erasure_withdraws_every_consent_in_force_through_the_ledger(
    staff, customer, marketing, survey
):
    grant(customer, marketing, Channel.EMAIL)
    grant(customer, survey)
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000005")
    assert set(customer.consent_flags.values_list("state", flat=True)) == {ConsentState.WITHDRAWN}
    withdrawals = customer.consent_events.filter(new_state=ConsentState.WITHDRAWN)
    assert withdrawals.count() == 2
    assert set(withdrawals.values_list("request_reference", flat=True)) == {"PR-2026-000005"}


def test_erasure_needs_the_request_reference(staff, customer):
    with pytest.raises(ValidationError) as exc:
        services.customer_erase(customer=customer, by=staff, request_reference="")
    assert exc.value.messages == [str(services.ERASE_REFERENCE_REQUIRED)]


def test_erasing_twice_is_refused(staff, customer):
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000006")
    with pytest.raises(ValidationError) as exc:
        services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000006")
    assert exc.value.messages == [str(services.CUSTOMER_ALREADY_ERASED)]
