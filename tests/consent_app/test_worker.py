"""A provision batch run by a real Celery worker over Redis (the third way tasks are tested)."""

from importlib import import_module

import pytest

from consent_app import provision
from consent_app.models import ConsentEvent, ProvisionBatch, PurposeOfUse
from consent_app.services import consent_change
from tests.conftest import wait_for
from tests.factories import RecipientFactory

pytestmark = pytest.mark.services


def test_a_batch_created_by_staff_is_completed_by_a_real_worker(live_worker, staff):
    from tests.factories import CustomerFactory

    # A transactional test earlier in the run may have flushed the migration's seed rows:
    # seed the purpose as the data migration does (its own data), if it is gone.
    seeded = import_module(
        "consent_app.migrations.0003_seed_purposes_notice_search_index_purge_schedule"
    )
    [row] = [p for p in seeded.PURPOSES if p["code"] == "third_party_provision"]
    purpose, _created = PurposeOfUse.objects.get_or_create(
        code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
    )
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
