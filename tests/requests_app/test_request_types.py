"""The registry of request types: one entry per type, and the system check that guards it."""

from __future__ import annotations

import dataclasses

import pytest
from django.core import checks

from requests_app import request_types
from requests_app.letters import seed
from requests_app.models import DeadlineRule, LetterTemplate, RefusalGround, RequestType
from requests_app.request_types import REQUEST_TYPES, check_request_types, check_request_types_data


def test_every_type_has_exactly_one_entry():
    assert set(REQUEST_TYPES) == set(RequestType.values)


def test_an_entry_cannot_be_changed_at_run_time():
    with pytest.raises(dataclasses.FrozenInstanceError):
        REQUEST_TYPES[RequestType.DISCLOSURE].fee_bearing = False  # type: ignore[misc]


def test_the_law_as_the_registry_states_it():
    # Art. 38: a fee only for purpose notice and the two disclosures.
    assert RequestType.fee_bearing() == {
        RequestType.PURPOSE_NOTICE,
        RequestType.DISCLOSURE,
        RequestType.RECORD_DISCLOSURE,
    }
    # Art. 35: only "none of the grounds is met"; Art. 34: only "the content is true".
    assert RefusalGround.for_type(RequestType.PROVISION_STOP) == [
        RefusalGround.ART35_GROUNDS_NOT_MET
    ]
    assert RefusalGround.for_type(RequestType.CORRECTION) == [RefusalGround.CONTENT_TRUE]
    assert RefusalGround.for_type("nonsense") == []


def test_the_seed_has_a_response_per_type_and_language_with_the_registry_subject():
    responses = {
        (t, lang): subject for k, t, lang, subject, _f in seed.SEED_TEMPLATES if k == "response"
    }
    assert set(responses) == {(t, lang) for t in RequestType.values for lang in ("ja", "en")}
    assert responses[(RequestType.PROVISION_STOP, "ja")] == (
        "保有個人データの第三者提供の停止について（ご通知）"
    )


def test_the_check_passes_for_the_shipped_registry():
    assert check_request_types() == []


def test_the_check_names_a_type_without_its_response_template(monkeypatch):
    shorter = [row for row in seed.SEED_TEMPLATES if row[:3] != ("response", "erasure", "en")]
    monkeypatch.setattr(seed, "SEED_TEMPLATES", shorter)
    errors = check_request_types()
    assert [(e.id, "'erasure'" in e.msg, "en" in e.msg) for e in errors] == [
        ("requests_app.E102", True, True)
    ]


def test_the_check_names_a_type_without_an_entry_or_a_deadline_or_a_handler(monkeypatch):
    broken = dict(REQUEST_TYPES)
    del broken[RequestType.CORRECTION]
    broken[RequestType.ERASURE] = dataclasses.replace(
        REQUEST_TYPES[RequestType.ERASURE],
        default_deadline=request_types.DeadlineDefault(days=0),
        fulfilment_handler="requests_app.services.fulfilment.no_such_handler",
    )
    monkeypatch.setattr(request_types, "REQUEST_TYPES", broken)
    ids = sorted(e.id for e in check_request_types())
    assert ids == ["requests_app.E101", "requests_app.E103", "requests_app.E104"]


@pytest.mark.django_db
def test_the_database_check_names_a_deleted_deadline_rule_and_template():
    assert check_request_types_data(databases=["default"]) == []
    DeadlineRule.objects.filter(request_type=RequestType.CORRECTION).delete()
    LetterTemplate.objects.filter(
        kind="response", request_type=RequestType.DISCLOSURE, language="ja"
    ).update(is_current=False)
    found = {(e.id, e.msg.split("'")[1]) for e in check_request_types_data(databases=["default"])}
    assert found == {
        ("requests_app.W105", RequestType.CORRECTION),
        ("requests_app.E106", RequestType.DISCLOSURE),
    }


def test_the_checks_are_registered_with_django():
    registered = checks.registry.registry.get_checks(include_deployment_checks=False)
    assert check_request_types in registered
