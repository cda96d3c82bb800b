"""Eligibility, provision batches and their Art. 29 records, retention and the purge."""

import csv
import datetime
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from consent_app import eligibility, provision, services, tasks
from consent_app.models import (
    Channel,
    ConsentEvent,
    ProvisionBatch,
    ProvisionRecord,
)
from tests.consent_app.conftest import grant, withdraw
from tests.factories import AgreementRecipientFactory, CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db


def provided_customers(purpose, recipient=None, basis="consent"):
    return set(eligibility.eligible_customers(purpose=purpose, recipient=recipient, basis=basis))


def run_batch(recipient, purpose, by=None, **extra) -> ProvisionBatch:
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=purpose, by=by, enqueue=False, **extra
    )
    return provision.provision_batch_execute(batch_id=batch.pk)


# --- Eligibility -------------------------------------------------------------------------------
def test_only_customers_with_consent_in_force_are_eligible(staff, provision_purpose):
    consenting, withdrawn, _silent = CustomerFactory.create_batch(3)
    grant(consenting, provision_purpose)
    grant(withdrawn, provision_purpose)
    withdraw(withdrawn, provision_purpose)
    assert provided_customers(provision_purpose) == {consenting}


def test_an_erased_customer_is_never_eligible(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000030")
    assert provided_customers(provision_purpose) == set()


def test_a_suppression_for_all_recipients_excludes_the_customer(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    services.suppression_create(customer=customer, by=staff)
    assert provided_customers(provision_purpose, RecipientFactory()) == set()


def test_a_suppression_for_one_recipient_excludes_only_that_one(staff, provision_purpose, customer):
    stopped, other = RecipientFactory.create_batch(2)
    grant(customer, provision_purpose)
    services.suppression_create(customer=customer, recipient=stopped, by=staff)
    assert provided_customers(provision_purpose, stopped) == set()
    assert provided_customers(provision_purpose, other) == {customer}


def test_a_lifted_suppression_no_longer_excludes(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    suppression = services.suppression_create(customer=customer, by=staff)
    services.suppression_lift(suppression=suppression, by=staff)
    assert provided_customers(provision_purpose, RecipientFactory()) == {customer}


def test_opt_out_provision_includes_everyone_who_has_not_opted_out(staff, provision_purpose):
    silent, opted_out = CustomerFactory.create_batch(2)
    grant(opted_out, provision_purpose)
    withdraw(opted_out, provision_purpose)
    assert provided_customers(provision_purpose, basis="opt_out") == {silent}


def test_eligibility_is_one_query_whatever_the_number_of_customers(
    provision_purpose, django_assert_num_queries
):
    for customer in CustomerFactory.create_batch(30):
        grant(customer, provision_purpose)
    recipient = RecipientFactory()
    with django_assert_num_queries(1):
        assert (
            len(
                list(eligibility.eligible_customers(purpose=provision_purpose, recipient=recipient))
            )
            == 30
        )


def test_a_marketing_list_needs_consent_for_that_channel_and_the_contact_data(marketing, staff):
    by_mail, by_email_only, no_email = CustomerFactory.create_batch(3)
    grant(by_mail, marketing, Channel.POST)
    grant(by_email_only, marketing, Channel.EMAIL)
    grant(no_email, marketing, Channel.EMAIL)
    services.customer_update(customer=no_email, changes={"email": ""}, by=staff)
    assert list(eligibility.marketing_list(purpose=marketing, channel=Channel.EMAIL)) == [
        by_email_only
    ]
    assert list(eligibility.marketing_list(purpose=marketing, channel=Channel.POST)) == [by_mail]


def test_suppressions_do_not_stop_marketing_only_provision(marketing, staff, customer):
    grant(customer, marketing, Channel.POST)
    services.suppression_create(customer=customer, by=staff)
    assert list(eligibility.marketing_list(purpose=marketing, channel=Channel.POST)) == [customer]


# --- Batches -----------------------------------------------------------------------------------
def test_a_batch_writes_one_record_per_eligible_customer_and_the_recipients_file(
    staff, provision_purpose
):
    first, second, _without_consent = CustomerFactory.create_batch(3)
    grant(first, provision_purpose)
    grant(second, provision_purpose)
    recipient = RecipientFactory(data_items=["name", "phone"])
    batch = run_batch(recipient, provision_purpose, by=staff)

    assert batch.status == ProvisionBatch.Status.COMPLETED
    assert batch.customer_count == 2
    records = ProvisionRecord.objects.filter(batch=batch)
    assert set(records.values_list("customer", flat=True)) == {first.pk, second.pk}
    assert all(r.data_items == ["name", "phone"] and r.basis == "consent" for r in records)
    rows = list(csv.reader(io.StringIO(default_storage.open(batch.file.name).read().decode())))
    assert rows[0] == ["number", "family_name", "given_name", "phone"]
    assert [r[0] for r in rows[1:]] == sorted([first.number, second.number])
    assert len(batch.sha256) == 64


def test_a_batch_to_an_inactive_recipient_is_refused_and_creates_nothing(staff, provision_purpose):
    recipient = RecipientFactory(active=False)
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(recipient=recipient, purpose=provision_purpose, by=staff)
    assert exc.value.messages == [str(provision.BATCH_RECIPIENT_INACTIVE)]
    assert not ProvisionBatch.objects.exists()


def test_a_batch_to_a_recipient_whose_agreement_ended_is_refused(staff, provision_purpose):
    ended = timezone.localdate() - timedelta(days=1)
    recipient = AgreementRecipientFactory(agreement_end=ended)
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(recipient=recipient, purpose=provision_purpose, by=staff)
    assert exc.value.messages == [str(provision.BATCH_AGREEMENT_EXPIRED) % {"end": ended}]
    assert not ProvisionBatch.objects.exists()


def test_an_agreement_party_without_agreement_dates_is_refused(staff, provision_purpose):
    recipient = AgreementRecipientFactory(agreement_start=None)
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(recipient=recipient, purpose=provision_purpose, by=staff)
    assert exc.value.messages == [str(provision.BATCH_AGREEMENT_MISSING)]


def test_a_batch_for_a_purpose_that_is_not_provision_is_refused(staff, marketing):
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(recipient=RecipientFactory(), purpose=marketing, by=staff)
    assert exc.value.messages == [str(provision.BATCH_PURPOSE_NOT_PROVISION)]


def test_unknown_data_items_are_refused(staff, provision_purpose):
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(
            recipient=RecipientFactory(), purpose=provision_purpose, by=staff, data_items=["iris"]
        )
    assert exc.value.messages == [str(provision.BATCH_UNKNOWN_DATA_ITEMS) % {"items": "iris"}]


def test_an_agreement_that_ended_after_the_batch_was_queued_fails_the_batch_and_provides_nothing(
    staff, provision_purpose, customer
):
    grant(customer, provision_purpose)
    recipient = AgreementRecipientFactory()
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=provision_purpose, by=staff, enqueue=False
    )
    recipient.agreement_end = timezone.localdate() - timedelta(days=1)
    recipient.save()
    batch = provision.provision_batch_execute(batch_id=batch.pk)
    assert batch.status == ProvisionBatch.Status.FAILED
    assert batch.error == str(provision.BATCH_AGREEMENT_EXPIRED) % {"end": recipient.agreement_end}
    assert not ProvisionRecord.objects.exists()


def test_a_failure_while_writing_the_file_leaves_no_record_and_no_file(
    staff, provision_purpose, customer
):
    """GIVEN an eligible customer WHEN storage fails mid-batch THEN nothing of the batch is kept."""
    grant(customer, provision_purpose)
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=provision_purpose, by=staff, enqueue=False
    )
    with (
        mock.patch.object(default_storage, "save", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        provision.provision_batch_execute(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ProvisionBatch.Status.PENDING  # the task's retry runs it again
    assert not ProvisionRecord.objects.exists()
    assert batch.file.name in ("", None)


def test_running_a_completed_batch_again_adds_nothing(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    batch = run_batch(RecipientFactory(), provision_purpose, by=staff)
    again = provision.provision_batch_execute(batch_id=batch.pk)
    assert again.status == ProvisionBatch.Status.COMPLETED
    assert ProvisionRecord.objects.count() == 1


def test_creating_a_batch_queues_its_task_after_commit(
    staff, provision_purpose, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.run_provision_batch, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch = provision.provision_batch_create(
            recipient=RecipientFactory(), purpose=provision_purpose, by=staff
        )
    delay.assert_called_once_with(batch.pk)


def test_the_task_marks_the_batch_failed_once_it_gives_up(staff, provision_purpose):
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=provision_purpose, by=staff, enqueue=False
    )
    tasks.ProvisionBatchTask().on_failure(OSError("x"), "id", (batch.pk,), {}, None)
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (ProvisionBatch.Status.FAILED, "OSError")


def test_a_failed_batch_can_be_queued_again(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=provision_purpose, by=staff, enqueue=False
    )
    provision.provision_batch_mark_failed(batch_id=batch.pk, error="OSError")
    with mock.patch.object(tasks.run_provision_batch, "delay"):
        provision.provision_batch_requeue(batch=batch, by=staff)
    assert provision.provision_batch_execute(batch_id=batch.pk).customer_count == 1


def test_the_sweep_queues_batches_left_pending(staff, provision_purpose):
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=provision_purpose, by=staff, enqueue=False
    )
    ProvisionBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    with mock.patch.object(tasks.run_provision_batch, "delay") as delay:
        assert tasks.sweep_pending_provision_batches() == 1
    delay.assert_called_once_with(batch.pk)


# --- Retention (Art. 29) -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("provided", "contract", "until"),
    [
        (datetime.date(2026, 4, 10), False, datetime.date(2029, 4, 10)),
        (datetime.date(2026, 4, 10), True, datetime.date(2027, 4, 10)),
        # Provided on 28 Feb 2028: the period starts on 29 Feb, which 2031 lacks (Civil Code 143).
        (datetime.date(2028, 2, 28), False, datetime.date(2031, 2, 28)),
        (datetime.date(2028, 2, 29), False, datetime.date(2031, 2, 28)),
        (datetime.date(2026, 12, 31), False, datetime.date(2029, 12, 31)),
    ],
)
def test_records_are_kept_for_three_years_or_one_where_a_contract_is_the_record(
    provided, contract, until
):
    assert provision.retain_until(provided_on=provided, contract_serves_as_record=contract) == until


def _old_record(batch, customer, *, years_ago: int, retained_years: int = 3) -> ProvisionRecord:
    """A record of a provision made years ago (records cannot be back-dated once written)."""
    provided = timezone.localdate().replace(year=timezone.localdate().year - years_ago)
    return ProvisionRecord.objects.create(
        batch=batch,
        recipient=batch.recipient,
        customer=customer,
        provided_on=provided,
        data_items=batch.data_items,
        basis=batch.basis,
        retain_until=provided.replace(year=provided.year + retained_years),
    )


def test_the_purge_deletes_only_records_past_their_retention(staff, provision_purpose, customer):
    grant(customer, provision_purpose)
    batch = run_batch(RecipientFactory(), provision_purpose)
    current = ProvisionRecord.objects.get(batch=batch)
    expired = _old_record(batch, customer, years_ago=4)
    assert provision.provision_records_purge() == 1
    assert list(ProvisionRecord.objects.all()) == [current]
    assert not ProvisionRecord.objects.filter(pk=expired.pk).exists()
    assert provision.provision_records_purge() == 0


def test_the_purge_task_is_scheduled_daily_by_the_data_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="consent_app.purge_expired_provision_records")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("3", "30")


def test_the_purge_also_removes_a_batch_file_once_its_records_are_gone(
    staff, provision_purpose, customer
):
    batch = run_batch(RecipientFactory(), provision_purpose)  # nobody consents: no records
    name = batch.file.name
    ProvisionBatch.objects.filter(pk=batch.pk).update(
        provided_on=timezone.localdate() - timedelta(days=4 * 365)
    )
    _old_record(batch, customer, years_ago=4)
    provision.provision_records_purge()
    batch.refresh_from_db()
    assert batch.file_purged_at is not None
    assert not default_storage.exists(name)


# --- The database refuses to rewrite the ledger and the records (PostgreSQL) --------------------
@pytest.mark.postgres
@pytest.mark.security
def test_the_database_refuses_to_update_a_consent_event(customer, marketing):
    event = grant(customer, marketing, Channel.EMAIL)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).update(new_state="withdrawn")
    event.refresh_from_db()
    assert event.new_state == "granted"


@pytest.mark.postgres
@pytest.mark.security
def test_the_database_refuses_to_delete_a_consent_event_even_by_raw_sql(customer, marketing):
    event = grant(customer, marketing, Channel.EMAIL)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_app_consentevent WHERE id = %s", [event.pk])
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@pytest.mark.security
def test_the_database_refuses_to_update_or_delete_a_provision_record(
    staff, provision_purpose, customer
):
    grant(customer, provision_purpose)
    batch = run_batch(RecipientFactory(), provision_purpose)
    records = ProvisionRecord.objects.filter(batch=batch)
    with pytest.raises(DatabaseError), transaction.atomic():
        records.update(basis="law")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_app_provisionrecord WHERE batch_id = %s", [batch.pk])
    assert records.get().basis == "consent"
