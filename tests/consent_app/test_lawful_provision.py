"""Issue 16: each lawful-basis rule refuses the unlawful batch and allows the lawful one.

On PostgreSQL, through the services the admin calls, with the set-based eligibility query
(one INSERT … SELECT per batch). Tests are named after the rule they hold.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from common.countries import country_name
from consent_app import importing, lawful, provision, receipts, services, tasks
from consent_app.models import (
    AcquisitionMethod,
    ConsentEvent,
    Customer,
    DataReceipt,
    DataReceiptPerson,
    EquivalentMeasuresCheck,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    ProvisionBatch,
    ProvisionRecord,
    RecordMethod,
    RetainedIdentity,
)
from tests.consent_app.conftest import grant, withdraw
from tests.factories import AgreementRecipientFactory, CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def run(recipient, purpose, **extra) -> ProvisionBatch:
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=purpose, by=None, enqueue=False, **extra
    )
    return provision.provision_batch_execute(batch_id=batch.pk)


def refused(recipient, purpose, **extra) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        provision.provision_batch_create(
            recipient=recipient, purpose=purpose, by=None, enqueue=False, **extra
        )
    return exc.value.messages


def provided(batch) -> set[int]:
    return set(ProvisionRecord.objects.filter(batch=batch).values_list("customer_id", flat=True))


def filing(recipient, *, items=("name", "address"), published=True, **extra) -> OptOutFiling:
    today = TODAY()
    defaults = {
        "reference": "PPC-2026-0001",
        "title": "販売会社向け顧客名簿",
        "data_items": list(items),
        "acquisition_method": "販売時の申込書",
        "provision_method": "暗号化した電子ファイルの送付",
        "opt_out_method": "お客様相談室への電話または書面",
        "filed_on": today - timedelta(days=30),
        "ppc_published_on": today - timedelta(days=20) if published else None,
        "company_published_on": today - timedelta(days=20) if published else None,
    }
    defaults.update(extra)
    made = OptOutFiling.objects.create(**defaults)
    made.recipients.add(recipient)
    return made


def joint_notice(recipient, *, version=1, effective_from=None, items=("name", "address")):
    effective_from = effective_from or TODAY() - timedelta(days=10)
    notice = JointUseNotice.objects.create(
        scheme="group",
        version=version,
        users_description="当社グループ会社",
        data_items=list(items),
        purposes="アフターサービスのご案内",
        responsible_party="株式会社サンプル 東京都千代田区 代表取締役 山田太郎",
        notified_on=effective_from - timedelta(days=5),
        effective_from=effective_from,
    )
    notice.users.add(recipient)
    return notice


def foreign_info(recipient, *, effective_from=None) -> ForeignTransferInfo:
    return ForeignTransferInfo.objects.create(
        recipient=recipient,
        country=recipient.country,
        version=1,
        country_name="アメリカ合衆国",
        country_system="連邦レベルの包括的な個人情報保護法はない。",
        recipient_measures="OECD8原則に対応する措置を講じている。",
        effective_from=effective_from or TODAY() - timedelta(days=5),
    )


# --- Consent (Art. 27(1)) ----------------------------------------------------------------------
def test_consent_basis_provides_only_customers_whose_consent_is_in_force(provision_purpose):
    consenting, withdrawn, _silent = CustomerFactory.create_batch(3)
    grant(consenting, provision_purpose)
    grant(withdrawn, provision_purpose)
    withdraw(withdrawn, provision_purpose)
    batch = run(RecipientFactory(), provision_purpose, basis="consent")
    assert batch.status == ProvisionBatch.Status.COMPLETED
    assert provided(batch) == {consenting.pk}


# --- Opt-out (Art. 27(2)–(4)) ------------------------------------------------------------------
def test_opt_out_without_a_ppc_filing_is_refused(provision_purpose):
    recipient = RecipientFactory(basis="opt_out")
    CustomerFactory()
    assert refused(recipient, provision_purpose) == [
        str(lawful.OPT_OUT_NO_FILING % {"recipient": recipient.name})
    ]
    assert not ProvisionBatch.objects.exists()


def test_opt_out_under_a_published_filing_provides_everyone_who_has_not_opted_out(
    provision_purpose,
):
    recipient = RecipientFactory(basis="opt_out")
    made = filing(recipient)
    silent, opted_out = CustomerFactory.create_batch(2)
    grant(opted_out, provision_purpose)
    withdraw(opted_out, provision_purpose)
    batch = run(recipient, provision_purpose)
    assert batch.opt_out_filing == made
    assert provided(batch) == {silent.pk}


def test_opt_out_before_the_ppc_and_company_publication_is_refused(provision_purpose):
    recipient = RecipientFactory(basis="opt_out")
    filing(recipient, published=False)
    message = refused(recipient, provision_purpose)[0]
    assert "PPC-2026-0001" in message
    assert str(lawful.PUBLISHED_BY_PPC) in message
    assert str(lawful.PUBLISHED_BY_COMPANY) in message


def test_opt_out_of_items_not_filed_is_refused_until_the_change_filing_is_published(
    provision_purpose,
):
    recipient = RecipientFactory(basis="opt_out", data_items=["name", "address", "phone"])
    first = filing(recipient, items=("name", "address"))
    CustomerFactory()
    assert refused(recipient, provision_purpose) == [
        str(lawful.OPT_OUT_ITEMS_NOT_FILED % {"reference": first.reference, "items": "phone"})
    ]
    change = filing(
        recipient,
        items=("name", "address", "phone"),
        reference="PPC-2026-0002",
        supersedes=first,
        published=False,
    )
    # Filed but not yet published: the first filing still governs, and still lacks "phone".
    assert "phone" in refused(recipient, provision_purpose)[0]
    OptOutFiling.objects.filter(pk=change.pk).update(
        ppc_published_on=TODAY(), company_published_on=TODAY()
    )
    assert run(recipient, provision_purpose).opt_out_filing_id == change.pk


def test_opt_out_never_provides_data_itself_obtained_by_opt_out_or_special_care(
    provision_purpose,
):
    recipient = RecipientFactory(basis="opt_out")
    filing(recipient)
    own, by_opt_out, special = CustomerFactory.create_batch(3)
    for customer, acquisition, special_care in (
        (by_opt_out, AcquisitionMethod.OPT_OUT, False),
        (special, AcquisitionMethod.CONSENT, True),
    ):
        receipts.receipt_record(
            details=receipts.ReceiptDetails(
                provider_name="名簿業者株式会社",
                provider_address="東京都港区1-1",
                provider_representative="代表取締役 佐藤一郎",
                acquisition=acquisition,
                data_items=["name", "address"],
                includes_special_care=special_care,
            ),
            numbers=[customer.number],
            by=None,
        )
    assert provided(run(recipient, provision_purpose)) == {own.pk}


# --- Joint use (Art. 27(5)(iii)) ---------------------------------------------------------------
def test_joint_use_without_a_notice_in_force_is_refused(provision_purpose):
    recipient = RecipientFactory(category="affiliate", basis="joint_use")
    joint_notice(recipient, effective_from=TODAY() + timedelta(days=3))  # not yet in force
    assert refused(recipient, provision_purpose) == [
        str(
            lawful.JOINT_USE_NO_NOTICE % {"recipient": recipient.name, "date": lawful._day(TODAY())}
        )
    ]


def test_joint_use_under_a_notice_in_force_provides_without_art29_records(provision_purpose):
    recipient = RecipientFactory(category="affiliate", basis="joint_use")
    notice = joint_notice(recipient)
    customers = CustomerFactory.create_batch(2)
    batch = run(recipient, provision_purpose)
    assert batch.status == ProvisionBatch.Status.COMPLETED
    assert batch.joint_use_notice == notice  # the notice is what proves it
    assert batch.customer_count == len(customers)
    assert not ProvisionRecord.objects.filter(batch=batch).exists()


def test_joint_use_of_items_the_notice_does_not_name_is_refused(provision_purpose):
    recipient = RecipientFactory(
        category="affiliate", basis="joint_use", data_items=["name", "email"]
    )
    joint_notice(recipient, items=("name",))
    assert "email" in refused(recipient, provision_purpose)[0]


# --- Entrustment -------------------------------------------------------------------------------
def test_entrustment_is_not_a_provision_and_is_refused_towards_the_entrustee_register(
    provision_purpose,
):
    assert refused(RecipientFactory(), provision_purpose, basis="entrustment") == [
        str(lawful.BASIS_ENTRUSTMENT)
    ]


# --- Foreign transfer (Art. 28) ----------------------------------------------------------------
def test_a_foreign_recipient_without_an_art28_basis_is_refused(provision_purpose):
    recipient = AgreementRecipientFactory(country="US")
    assert refused(recipient, provision_purpose) == [
        str(lawful.FOREIGN_NO_BASIS % {"recipient": recipient.name, "country": country_name("US")})
    ]


def test_foreign_consent_needs_the_art28_information_recorded(provision_purpose):
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent")
    assert refused(recipient, provision_purpose) == [
        str(lawful.FOREIGN_NO_INFO % {"recipient": recipient.name, "country": country_name("US")})
    ]


def test_foreign_provision_on_consent_reaches_only_consents_naming_the_art28_information(
    provision_purpose,
):
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent")
    info = foreign_info(recipient)
    generic, informed, informed_then_withdrawn = CustomerFactory.create_batch(3)
    grant(generic, provision_purpose)  # the generic third-party consent is not enough
    grant(informed, provision_purpose, foreign_transfer_info=info)
    grant(informed_then_withdrawn, provision_purpose, foreign_transfer_info=info)
    withdraw(informed_then_withdrawn, provision_purpose)
    batch = run(recipient, provision_purpose)
    assert batch.foreign_basis == "consent"
    assert provided(batch) == {informed.pk}


def test_a_foreign_consent_cannot_predate_the_information_it_names(provision_purpose):
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent")
    info = foreign_info(recipient, effective_from=TODAY())
    with pytest.raises(ValidationError) as exc:
        grant(
            CustomerFactory(),
            provision_purpose,
            foreign_transfer_info=info,
            occurred_at=timezone.now() - timedelta(days=2),
        )
    assert exc.value.code == "foreign_before_info"


def test_opt_out_to_a_foreign_recipient_on_consent_basis_is_refused(provision_purpose):
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent", basis="opt_out")
    foreign_info(recipient)
    filing(recipient)
    assert refused(recipient, provision_purpose) == [str(lawful.FOREIGN_CONSENT_NO_OPT_OUT)]


def test_a_recipient_in_the_eea_or_the_uk_is_treated_as_japan(provision_purpose):
    customer = CustomerFactory()
    grant(customer, provision_purpose)
    for country in ("DE", "GB"):
        batch = run(AgreementRecipientFactory(country=country), provision_purpose)
        assert batch.foreign_basis == ""
        assert provided(batch) == {customer.pk}


def test_equivalent_measures_need_a_recent_passed_check_recorded_by_the_beat_task(
    provision_purpose,
):
    recipient = AgreementRecipientFactory(
        country="US",
        foreign_basis="equivalent_measures",
        equivalent_measures="契約第12条: APPI同等の安全管理措置",
        equivalent_measures_reviewed_on=TODAY() - timedelta(days=400),
    )
    customer = CustomerFactory()
    grant(customer, provision_purpose)
    assert refused(recipient, provision_purpose) == [
        str(
            lawful.EQUIVALENT_NO_CHECK
            % {"recipient": recipient.name, "days": 7, "latest": str(lawful.NO_CHECK_YET)}
        )
    ]
    tasks.check_equivalent_measures()  # the review is too old: a failed result is recorded
    check = EquivalentMeasuresCheck.objects.get(recipient=recipient)
    assert check.result == "failed" and check.checked_by is None
    assert "365" in check.findings
    assert refused(recipient, provision_purpose)
    recipient.equivalent_measures_reviewed_on = TODAY() - timedelta(days=30)
    recipient.save()
    assert tasks.check_equivalent_measures() == 0  # one result per recipient per day
    EquivalentMeasuresCheck.objects.create(
        recipient=recipient,
        checked_at=timezone.now(),
        result="ok",
        findings="",
    )
    batch = run(recipient, provision_purpose)
    assert batch.foreign_basis == "equivalent_measures"
    assert provided(batch) == {customer.pk}


def test_the_equivalent_measures_check_is_scheduled_daily_by_the_data_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="consent_app.check_equivalent_measures")
    assert task.enabled and task.crontab.hour == "4"


def test_the_check_passes_a_recipient_with_measures_a_recent_review_and_an_agreement():
    recipient = AgreementRecipientFactory(
        country="US",
        foreign_basis="equivalent_measures",
        equivalent_measures="契約第12条",
        equivalent_measures_reviewed_on=TODAY() - timedelta(days=10),
    )
    assert lawful.equivalent_measures_check_run() == 1
    assert EquivalentMeasuresCheck.objects.get(recipient=recipient).result == "ok"


def test_the_basis_is_checked_again_when_the_worker_runs_the_batch(provision_purpose):
    recipient = RecipientFactory(basis="opt_out")
    made = filing(recipient)
    CustomerFactory()
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=provision_purpose, by=None, enqueue=False
    )
    made.recipients.remove(recipient)  # the filing no longer names the recipient
    batch = provision.provision_batch_execute(batch_id=batch.pk)
    assert batch.status == ProvisionBatch.Status.FAILED
    assert batch.error == str(lawful.OPT_OUT_NO_FILING % {"recipient": recipient.name})
    assert not ProvisionRecord.objects.filter(batch=batch).exists()


def test_a_batch_runs_in_a_constant_number_of_queries_whatever_the_customers(
    provision_purpose, django_assert_max_num_queries
):
    recipient = RecipientFactory(basis="opt_out")
    filing(recipient)
    CustomerFactory.create_batch(12)
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=provision_purpose, by=None, enqueue=False
    )
    with django_assert_max_num_queries(14):
        batch = provision.provision_batch_execute(batch_id=batch.pk)
    assert batch.customer_count == 12


# --- Retention (Rules 19–21, 25) ---------------------------------------------------------------
def test_contract_as_record_applies_only_to_provision_to_the_dealer_serving_the_customer(
    provision_purpose,
):
    dealer = RecipientFactory(contract_serves_as_record=True)
    served, other = CustomerFactory(dealer=dealer), CustomerFactory()
    grant(served, provision_purpose)
    grant(other, provision_purpose)
    batch = run(dealer, provision_purpose)
    records = {r.customer_id: r for r in ProvisionRecord.objects.filter(batch=batch)}
    today = batch.provided_on
    assert records[served.pk].record_method == RecordMethod.CONTRACT
    assert records[served.pk].retain_until == provision.retain_until(
        provided_on=today, contract_serves_as_record=True
    )
    # Not in connection with supplying goods or services to that person: a 3-year record.
    assert records[other.pk].record_method == RecordMethod.PER_PROVISION
    assert records[other.pk].retain_until == provision.retain_until(
        provided_on=today, contract_serves_as_record=False
    )


def _contract_record(batch, customer, *, provided_days_ago: int) -> ProvisionRecord:
    """A contract-method record of a provision made that long ago (records are written once:
    the past is written as it was, never back-dated by an UPDATE)."""
    today = timezone.localdate()
    provided = today - timedelta(days=provided_days_ago)
    return ProvisionRecord.objects.create(
        batch=batch,
        recipient=batch.recipient,
        customer=customer,
        provided_on=provided,
        data_items=batch.data_items,
        basis=batch.basis,
        record_method=RecordMethod.CONTRACT,
        retain_until=provided + timedelta(days=365),
    )


def test_a_contract_record_is_kept_one_year_from_the_last_provision_it_covers(
    provision_purpose,
):
    dealer = RecipientFactory(contract_serves_as_record=True)
    kept_customer, gone_customer = (CustomerFactory(dealer=dealer) for _ in range(2))
    grant(kept_customer, provision_purpose)
    batch = run(dealer, provision_purpose)
    # Its own year has passed, but a later provision it covers is 100 days old: kept.
    covered = _contract_record(batch, kept_customer, provided_days_ago=400)
    _contract_record(batch, kept_customer, provided_days_ago=100)
    # Both provisions more than a year ago: both go.
    old = _contract_record(batch, gone_customer, provided_days_ago=800)
    last = _contract_record(batch, gone_customer, provided_days_ago=400)

    provision.provision_records_purge()

    assert ProvisionRecord.objects.filter(pk=covered.pk).exists()
    assert not ProvisionRecord.objects.filter(pk__in=[old.pk, last.pk]).exists()


def receipt_details(**extra) -> receipts.ReceiptDetails:
    values = {
        "provider_name": "東京販売株式会社",
        "provider_address": "東京都港区芝1-1-1",
        "provider_representative": "代表取締役 鈴木一郎",
        "acquisition": AcquisitionMethod.CONSENT,
        "data_items": ["name", "address", "phone"],
    }
    values.update(extra)
    return receipts.ReceiptDetails(**values)


def test_receipt_records_are_kept_three_years_from_the_record_then_purged():
    customer = CustomerFactory()
    receipt = receipts.receipt_record(details=receipt_details(), numbers=[customer.number], by=None)
    assert receipt.retain_until == provision.retain_until(
        provided_on=receipt.received_on, contract_serves_as_record=False
    )
    # A receipt of three years and a day ago, written as it was then.
    old_day = timezone.localdate() - timedelta(days=3 * 365 + 2)
    old = DataReceipt.objects.create(
        provider_name="東京販売株式会社",
        provider_address="東京都港区芝1-1-1",
        provider_representative="代表取締役 鈴木一郎",
        acquisition=AcquisitionMethod.CONSENT,
        received_on=old_day,
        retain_until=timezone.localdate() - timedelta(days=1),
    )
    DataReceiptPerson.objects.create(receipt=old, customer=customer, retain_until=old.retain_until)

    assert receipts.receipts_purge() == 2  # the old entry and its receipt

    assert not DataReceipt.objects.filter(pk=old.pk).exists()
    assert DataReceipt.objects.filter(pk=receipt.pk).exists()
    assert DataReceiptPerson.objects.filter(receipt=receipt).count() == 1


def test_receipt_records_are_append_only_in_the_database():
    receipt = receipts.receipt_record(
        details=receipt_details(), numbers=[CustomerFactory().number], by=None
    )
    for sql in (
        "UPDATE consent_app_datareceipt SET provider_name = 'x' WHERE id = %s",
        "DELETE FROM consent_app_datareceipt WHERE id = %s",
        "DELETE FROM consent_app_datareceiptperson WHERE receipt_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [receipt.pk])
    assert DataReceipt.objects.get(pk=receipt.pk).provider_name == "東京販売株式会社"


def test_after_erasure_a_retained_record_still_identifies_the_person_until_its_retention_ends(
    staff, provision_purpose
):
    customer = CustomerFactory(family_name="田中", given_name="次郎")
    grant(customer, provision_purpose)
    record = ProvisionRecord.objects.get(batch=run(RecipientFactory(), provision_purpose))
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000001")
    customer.refresh_from_db()
    assert customer.family_name == ""  # the profile is anonymised
    kept = RetainedIdentity.objects.get(customer=customer)
    assert (kept.family_name, kept.given_name, kept.number) == ("田中", "次郎", customer.number)
    assert kept.retain_until == record.retain_until
    receipts.receipts_purge(today=record.retain_until)
    assert RetainedIdentity.objects.filter(pk=kept.pk).exists()
    receipts.receipts_purge(today=record.retain_until + timedelta(days=1))
    assert not RetainedIdentity.objects.exists()


def test_an_erasure_without_retained_records_keeps_no_identity(staff):
    customer = CustomerFactory()
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000002")
    assert not RetainedIdentity.objects.exists()


def test_the_receipt_needs_every_art30_item_and_names_the_missing_ones():
    with pytest.raises(ValidationError) as exc:
        receipts.receipt_details_validate(
            receipt_details(provider_representative="", acquisition="")
        )
    message = exc.value.messages[0]
    assert str(receipts._LABELS["provider_representative"]) in message
    assert str(receipts._LABELS["acquisition"]) in message


def test_consent_events_record_the_foreign_information_they_name(provision_purpose):
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent")
    info = foreign_info(recipient)
    event = grant(CustomerFactory(), provision_purpose, foreign_transfer_info=info)
    assert ConsentEvent.objects.get(pk=event.pk).foreign_transfer_info == info


def test_retain_until_counts_from_the_day_the_record_was_made():
    assert provision.retain_until(
        provided_on=date(2026, 4, 10), contract_serves_as_record=False
    ) == date(2029, 4, 10)


# --- Receiving side (Art. 30): the CRM import ---------------------------------------------------
CRM_FILE = "number,family_name,given_name\nD0001,山田,太郎\nD0002,佐藤,花子\n".encode()


def test_an_import_that_does_not_say_where_its_data_comes_from_cannot_run():
    result = importing.customer_import(data=CRM_FILE, by=None)
    assert [e.message for e in result.errors] == [str(importing.IMPORT_SOURCE_REQUIRED)]
    assert not Customer.objects.exists()


def test_an_import_from_a_dealer_cannot_run_without_a_complete_receipt_record():
    result = importing.customer_import(
        data=CRM_FILE, by=None, received_from=receipt_details(provider_address="")
    )
    assert not result.ok
    assert str(receipts._LABELS["provider_address"]) in result.errors[0].message
    assert not Customer.objects.exists() and not DataReceipt.objects.exists()


def test_an_import_from_a_dealer_records_its_receipt_with_every_person_in_the_file(staff):
    dealer = RecipientFactory()
    result = importing.customer_import(
        data=CRM_FILE, by=staff, received_from=receipt_details(provider=dealer)
    )
    assert result.ok, result.errors
    receipt = DataReceipt.objects.get(pk=result.receipt_id)
    assert (receipt.provider, receipt.person_count, receipt.created_by) == (dealer, 2, staff)
    people = set(receipt.persons.values_list("customer__number", flat=True))
    assert people == {"D0001", "D0002"}
    # The same file again: nobody changes, but the data set was received again: a new record.
    again = importing.customer_import(data=CRM_FILE, by=staff, received_from=receipt_details())
    assert again.unchanged == 2 and DataReceipt.objects.get(pk=again.receipt_id).person_count == 2


def test_an_import_of_data_collected_by_the_company_itself_needs_no_receipt():
    result = importing.customer_import(data=CRM_FILE, by=None, collected_by_us=True)
    assert result.ok and result.receipt_id is None
    assert not DataReceipt.objects.exists()
