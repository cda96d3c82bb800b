"""The people affected come from our own data and are frozen as a snapshot."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents_app.models import AffectedCategory, AffectedPerson
from incidents_app.selectors import affected_by_category
from incidents_app.services import affected as svc
from tests import factories as f

pytestmark = pytest.mark.django_db


def _numbers(incident) -> set[str]:
    return set(
        AffectedPerson.objects.filter(incident=incident).values_list("customer__number", flat=True)
    )


def test_provision_records_of_a_recipient_over_a_period_scope_the_people(logged_incident, staff):
    recipient, other = f.PoRecipientFactory(), f.PoRecipientFactory()
    batch = f.PoProvisionBatchFactory(recipient=recipient)
    inside = f.PoProvisionRecordFactory(
        batch=batch, recipient=recipient, provided_on=dt.date(2026, 10, 5)
    )
    f.PoProvisionRecordFactory(batch=batch, recipient=recipient, provided_on=dt.date(2026, 8, 1))
    f.PoProvisionRecordFactory(batch=batch, recipient=other, provided_on=dt.date(2026, 10, 5))
    result = svc.affected_add_from_provisions(
        incident=logged_incident,
        by=staff,
        recipient=recipient,
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 10, 31),
    )
    assert result.added == 1
    assert _numbers(logged_incident) == {inside.customer.number}


def test_an_entrustees_scope_takes_the_customers_of_its_dealers(logged_incident, staff):
    dealer, other_dealer = f.RecipientFactory(), f.RecipientFactory()
    served = f.PoCustomerFactory(dealer=dealer)
    f.PoCustomerFactory(dealer=other_dealer)
    entrustee = f.EntrusteeFactory(all_customers=False)
    entrustee.dealers.set([dealer])
    result = svc.affected_add_from_entrustee(
        incident=logged_incident, by=staff, entrustee=entrustee
    )
    assert result.total == 1
    assert _numbers(logged_incident) == {served.number}


def test_an_entrustee_without_a_segment_is_refused(logged_incident, staff):
    entrustee = f.EntrusteeFactory(all_customers=False)
    with pytest.raises(ValidationError) as exc:
        svc.affected_add_from_entrustee(incident=logged_incident, by=staff, entrustee=entrustee)
    assert exc.value.messages == [str(svc.ENTRUSTEE_NO_SCOPE)]


def test_erased_customers_are_left_out(logged_incident, staff):
    f.PoCustomerFactory()
    f.PoCustomerFactory(erased_at=timezone.now(), family_name="", given_name="")
    result = svc.affected_add_from_entrustee(
        incident=logged_incident, by=staff, entrustee=f.EntrusteeFactory(all_customers=True)
    )
    assert result.total == 1


def test_an_import_adds_only_our_customers_and_counts_the_unknown(logged_incident, staff):
    known = f.PoCustomerFactory()
    upload = SimpleUploadedFile(
        "numbers.csv", f"customer_number\n{known.number}\nX9999999\n{known.number}\n".encode()
    )
    result = svc.affected_add_from_import(incident=logged_incident, by=staff, upload=upload)
    assert (result.added, result.total, result.unknown) == (1, 1, 1)


def test_an_import_in_cp932_is_read(logged_incident, staff):
    known = f.PoCustomerFactory()
    upload = SimpleUploadedFile("n.csv", f"顧客番号\n{known.number}\n".encode("cp932"))
    assert (
        svc.affected_add_from_import(incident=logged_incident, by=staff, upload=upload).added == 1
    )


def test_a_binary_import_is_refused_with_a_message(logged_incident, staff):
    upload = SimpleUploadedFile("n.csv", b"\x89PNG\x00\x00")
    with pytest.raises(ValidationError) as exc:
        svc.affected_add_from_import(incident=logged_incident, by=staff, upload=upload)
    assert exc.value.messages == [str(svc.IMPORT_NOT_TEXT)]


def test_a_query_needs_a_condition(logged_incident, staff):
    with pytest.raises(ValidationError) as exc:
        svc.affected_add_from_query(incident=logged_incident, by=staff)
    assert exc.value.messages == [str(svc.EMPTY_QUERY)]


def test_a_query_by_prefecture_and_dealer(logged_incident, staff):
    dealer = f.RecipientFactory()
    match = f.PoCustomerFactory(dealer=dealer, prefecture="愛知県")
    f.PoCustomerFactory(dealer=dealer, prefecture="東京都")
    f.PoCustomerFactory(prefecture="愛知県")
    svc.affected_add_from_query(
        incident=logged_incident, by=staff, dealer=dealer, prefecture="愛知県"
    )
    assert _numbers(logged_incident) == {match.number}


def test_a_person_found_twice_counts_once_under_the_first_category(logged_incident, staff):
    customer = f.PoCustomerFactory(prefecture="愛知県")
    svc.affected_add_from_query(incident=logged_incident, by=staff, prefecture="愛知県")
    upload = SimpleUploadedFile("n.csv", f"{customer.number}\n".encode())
    result = svc.affected_add_from_import(incident=logged_incident, by=staff, upload=upload)
    assert result.added == 0
    assert [(c, n) for c, _label, n in affected_by_category(incident=logged_incident)] == [
        (AffectedCategory.QUERY, 1)
    ]


def test_a_frozen_snapshot_cannot_change(logged_incident, staff):
    f.PoCustomerFactory(prefecture="愛知県")
    svc.affected_add_from_query(incident=logged_incident, by=staff, prefecture="愛知県")
    incident = svc.affected_freeze(incident=logged_incident, by=staff)
    assert incident.affected_count == 1 and incident.affected_frozen_by == staff
    f.PoCustomerFactory(prefecture="愛知県")
    with pytest.raises(ValidationError):
        svc.affected_add_from_query(incident=incident, by=staff, prefecture="愛知県")
    assert AffectedPerson.objects.filter(incident=incident).count() == 1


def test_auditors_cannot_scope(logged_incident, auditor):
    with pytest.raises(PermissionDenied):
        svc.affected_add_from_query(incident=logged_incident, by=auditor, prefecture="東京都")


def test_the_snapshot_is_disclosed_to_the_person(logged_incident, staff):
    from requests_app.selectors import disclosure_compilation

    customer = f.PoCustomerFactory(prefecture="愛知県")
    svc.affected_add_from_query(incident=logged_incident, by=staff, prefecture="愛知県")
    request = f.DisclosureRequestFactory(customer=customer, request_type="disclosure")
    data = disclosure_compilation(request=request, language="ja")
    section = next(s for s in data["sections"] if s["key"] == "incidents")
    assert len(section["rows"]) == 1


def test_the_import_stream_is_read_once(logged_incident, staff):
    # A file object without .size (streamed upload) is read up to the limit, not past it.
    customer = f.PoCustomerFactory()
    upload = io.BytesIO(f"{customer.number}\n".encode())
    assert (
        svc.affected_add_from_import(incident=logged_incident, by=staff, upload=upload).added == 1
    )
