"""The personal-data inventory: every field classified, and disclosures read it."""

from __future__ import annotations

import dataclasses

import pytest
from django.core import checks

from common import inventory
from common.inventory.checks import check_personal_data_inventory
from requests_app import selectors
from tests.factories import DisclosureRequestFactory


def errors_of(result):
    return [m for m in result if m.level >= checks.ERROR]


def test_every_field_of_every_model_is_classified():
    assert errors_of(check_personal_data_inventory()) == []


def test_the_check_runs_with_the_system_checks():
    messages = checks.run_checks(tags=[checks.Tags.models])

    assert not [m for m in messages if m.id and m.id.startswith("requests_app.E")]


def test_an_unclassified_field_fails_the_check(monkeypatch):
    """GIVEN someone adds a field without classifying it THEN the system check names it."""
    entry = inventory.INVENTORY["consent_app.Customer"]
    fields = {k: v for k, v in entry.fields.items() if k != "phone"}
    monkeypatch.setitem(
        inventory.INVENTORY, "consent_app.Customer", dataclasses.replace(entry, fields=fields)
    )

    errors = errors_of(check_personal_data_inventory())

    assert [e.id for e in errors] == ["inventory.E002"]
    assert "consent_app.Customer.phone" in errors[0].msg


def test_a_model_missing_from_the_inventory_fails_the_check(monkeypatch):
    monkeypatch.delitem(inventory.INVENTORY, "requests_app.RequestComment")

    errors = errors_of(check_personal_data_inventory())

    assert [e.id for e in errors] == ["inventory.E001"]


def test_personal_data_with_no_way_to_the_customer_fails_the_check(monkeypatch):
    entry = inventory.INVENTORY["requests_app.DocumentViewing"]
    fields = {**entry.fields, "viewed_at": inventory.Category.IDENTITY}
    monkeypatch.setitem(
        inventory.INVENTORY,
        "requests_app.DocumentViewing",
        dataclasses.replace(entry, fields=fields),
    )

    assert [e.id for e in errors_of(check_personal_data_inventory())] == ["inventory.E005"]


@pytest.mark.django_db
def test_a_field_classified_as_the_persons_data_appears_in_the_next_disclosure(
    monkeypatch, customer
):
    """The compilation reads the inventory: reclassify a field and it is disclosed."""
    request = DisclosureRequestFactory(customer=customer)
    entry = inventory.INVENTORY["consent_app.Customer"]

    def profile_items():
        compilation = selectors.disclosure_compilation(request=request, language="en")
        profile = next(s for s in compilation["sections"] if s["key"] == "profile")
        return [item for item, _value in profile["rows"]]

    assert "search phone" not in profile_items()
    monkeypatch.setitem(
        inventory.INVENTORY,
        "consent_app.Customer",
        dataclasses.replace(
            entry, fields={**entry.fields, "search_phone": inventory.Category.CONTACT}
        ),
    )
    assert "search phone" in profile_items()


def test_correctable_fields_are_the_persons_own_but_not_the_number():
    fields = inventory.customer_correctable_fields()

    assert {"family_name", "address", "phone", "email", "date_of_birth"} <= set(fields)
    assert "number" not in fields
    assert "search_name" not in fields
