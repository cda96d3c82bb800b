"""A provision batch run by a real Celery worker over Redis (the third way tasks are tested)."""

import pytest

from consent_app import provision
from consent_app.models import ConsentEvent, ProvisionBatch, PurposeOfUse
from consent_app.services import consent_change
from tests.conftest import wait_for
from tests.factories import RecipientFactory

pytestmark = pytest.mark.services


def test_a_batch_created_by_staff_is_completed_by_a_real_worker(live_worker, staff):
    from tests.factories import CustomerFactory

    purpose = PurposeOfUse.objects.get(code="third_party_provision")
    for customer in CustomerFactory.create_batch(3):
        consent_change(
            customer=customer,
            purpose=purpose,
            channel="any",
            new_state="granted",
            actor=ConsentEvent.Actor.CUSTOMER,
            source=ConsentEvent.Source.WEB,
        )
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=purpose, by=staff
    )

    def completed():
        batch.refresh_from_db()
        return batch.status == ProvisionBatch.Status.COMPLETED

    wait_for(completed, timeout=60)
    assert batch.customer_count == 3
    assert batch.records.count() == 3
