"""The data migrations (purposes, notice v1, schedules) and the demo loader."""

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from consent_app import demo
from consent_app.models import (
    ConsentEvent,
    ConsentFlag,
    Customer,
    DataReceipt,
    PrivacyNotice,
    ProvisionBatch,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
    RecipientCategory,
)
from consent_app.selectors import consent_replay
from consent_app.services import customer_search_columns

pytestmark = pytest.mark.django_db


def test_the_purposes_of_the_privacy_policy_are_seeded_with_their_channels():
    purposes = {p.code: p for p in PurposeOfUse.objects.all()}
    assert purposes["marketing"].channels == ["post", "phone", "email"]
    assert purposes["survey"].channels == ["any"]
    assert purposes["third_party_provision"].is_third_party_provision
    for purpose in purposes.values():
        assert purpose.title_ja and purpose.title_en


def test_privacy_notice_v1_holds_the_items_of_art_32_1():
    notice = PrivacyNotice.objects.get(version=1)
    for item in (notice.company, notice.purposes, notice.procedures, notice.contacts):
        assert item.strip()
    assert "privacy_policy@mail.nissan.co.jp" in notice.contacts
    assert "2週間" in notice.procedures


def test_the_pending_batch_sweep_is_scheduled():
    assert PeriodicTask.objects.get(task="consent_app.sweep_pending_provision_batches").enabled


@pytest.fixture
def demo_users(staff, manager):
    return {"staff": staff, "manager": manager}


def test_the_demo_has_every_kind_of_recipient_and_an_agreement_ending_soon(demo_users):
    demo.seed(customers=40, seed=7, users=demo_users)
    categories = set(Recipient.objects.values_list("category", flat=True))
    assert categories == set(RecipientCategory.values)
    assert Recipient.objects.filter(country="US").exists()
    soon = timezone.localdate() + timezone.timedelta(days=60)
    assert Recipient.objects.filter(agreement_end__gt=timezone.localdate(), agreement_end__lte=soon)


def test_the_demo_customers_are_realistic_and_their_flags_match_their_ledger(demo_users):
    demo.seed(customers=40, seed=7, users=demo_users)
    customers = Customer.objects.filter(number__startswith="C")
    assert customers.count() == 40
    for customer in customers:
        assert customer.search_name and customer.postal_code[3] == "-"
        assert customer_search_columns(customer)["search_name"] == customer.search_name
        flags = {(f.purpose_id, f.channel): f.state for f in customer.consent_flags.all()}
        assert consent_replay(customer=customer) == flags
    assert ConsentFlag.objects.exists() and customers.filter(suppressions__isnull=False).exists()
    batch = ProvisionBatch.objects.get(recipient__code="AGR-RESEARCH")
    assert batch.status == "completed" and batch.customer_count > 0


def test_the_demo_tells_a_lawful_story_every_batch_with_what_makes_it_lawful(demo_users):
    """Issue 16: a filing, a notice or the Art. 28 information behind each demo batch."""
    demo.seed(customers=40, seed=7, users=demo_users)
    batches = {b.recipient.code: b for b in ProvisionBatch.objects.select_related("recipient")}
    assert {b.status for b in batches.values()} == {"completed"}
    assert all(b.customer_count > 0 for b in batches.values())
    assert batches["AGR-TELEMATICS"].basis == "opt_out" and batches["AGR-TELEMATICS"].opt_out_filing
    assert batches["AFF-INS"].basis == "joint_use" and batches["AFF-INS"].joint_use_notice
    foreign = batches["AGR-GLOBAL"]
    assert foreign.foreign_basis == "consent"
    # Only the customers who consented after the Art. 28 information, not the generic consent.
    informed = ConsentEvent.objects.filter(
        foreign_transfer_info__recipient=foreign.recipient
    ).exclude(  # nor one who asked us to stop provision
        customer__in=ProvisionSuppression.objects.filter(lifted_at__isnull=True).values("customer")
    )
    assert foreign.customer_count == informed.values("customer").distinct().count()
    assert foreign.customer_count < batches["AGR-RESEARCH"].customer_count
    receipt = DataReceipt.objects.get(provider__code="D-TOKYO")
    assert receipt.person_count == Customer.objects.filter(dealer__code="D-TOKYO").count()
    assert all(r.address and r.representative for r in Recipient.objects.all())


def test_the_demo_is_deterministic_from_its_seed(demo_users):
    demo.seed(customers=15, seed=99, users=demo_users)
    loaded = list(Customer.objects.order_by("number").values_list("number", "family_name", "phone"))
    generated = [
        (fields["number"], fields["family_name"], fields["phone"])
        for fields, _dealer, _draws in demo.demo_customers(count=15, seed=99)
    ]
    assert loaded == generated
    assert list(demo.demo_customers(count=15, seed=99)) == list(
        demo.demo_customers(count=15, seed=99)
    )
    assert list(demo.demo_customers(count=15, seed=99)) != list(
        demo.demo_customers(count=15, seed=100)
    )


def test_a_second_demo_run_adds_nothing(demo_users):
    first = demo.seed(customers=30, seed=7, users=demo_users)
    events = ConsentEvent.objects.count()
    second = demo.seed(customers=30, seed=7, users=demo_users)
    assert first == second
    assert ConsentEvent.objects.count() == events
