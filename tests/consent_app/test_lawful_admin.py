"""Issue 16 through the admin pages (test client): hostile and incomplete input is refused with
a message and changes nothing; the import asks where its data comes from."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent_app import lawful, services
from consent_app.models import (
    ConsentEvent,
    Customer,
    DataReceipt,
    ForeignTransferInfo,
    PrivacyNotice,
    ProvisionBatch,
)
from tests.factories import AgreementRecipientFactory, CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db
CRM = "number,family_name,given_name\nK0001,山田,太郎\n".encode()


def url(model, view="changelist"):
    return reverse(f"admin:consent_app_{model}_{view}")


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


def test_an_entrustment_batch_is_refused_on_the_page_with_the_register_pointer(
    as_staff, provision_purpose
):
    recipient = RecipientFactory()
    response = as_staff.post(
        url("provisionbatch", "add"),
        {"recipient": recipient.pk, "purpose": provision_purpose.pk, "basis": "entrustment"},
    )
    assert response.status_code == 200
    assert str(lawful.BASIS_ENTRUSTMENT) in response.content.decode()
    assert not ProvisionBatch.objects.exists()


@pytest.mark.parametrize("basis", ["law", "made_up", "' OR 1=1 --"])
def test_a_basis_the_form_does_not_offer_is_refused_and_nothing_is_queued(
    as_staff, provision_purpose, basis
):
    response = as_staff.post(
        url("provisionbatch", "add"),
        {"recipient": RecipientFactory().pk, "purpose": provision_purpose.pk, "basis": basis},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["basis"]
    assert not ProvisionBatch.objects.exists()


def test_an_import_without_its_source_is_refused_on_the_page(as_staff):
    response = as_staff.post(
        url("customer", "import"),
        {"file": SimpleUploadedFile("crm.csv", CRM), "encoding": "auto"},
    )
    assert response.status_code == 200
    assert "source" in response.context["source_form"].errors
    assert not Customer.objects.exists()


def test_an_import_from_a_third_party_without_its_art30_details_names_them(as_staff):
    response = as_staff.post(
        url("customer", "import"),
        {
            "file": SimpleUploadedFile("crm.csv", CRM),
            "encoding": "auto",
            "source-source": "third_party",
            "source-provider_name": "東京販売株式会社",
        },
    )
    errors = response.context["source_form"].errors
    assert {"provider_address", "provider_representative", "acquisition", "data_items"} <= set(
        errors
    )
    assert not Customer.objects.exists() and not DataReceipt.objects.exists()


def test_an_import_from_a_known_dealer_takes_its_recorded_details(as_staff, staff):
    dealer = RecipientFactory(address="東京都港区芝1-1-1", representative="代表取締役 鈴木一郎")
    response = as_staff.post(
        url("customer", "import"),
        {
            "file": SimpleUploadedFile("crm.csv", CRM),
            "encoding": "auto",
            "source-source": "third_party",
            "source-provider": dealer.pk,
            "source-acquisition": "consent",
            "source-data_items": ["name"],
        },
    )
    assert response.status_code == 302
    receipt = DataReceipt.objects.get()
    assert (receipt.provider_name, receipt.provider_address, receipt.provider_representative) == (
        dealer.name,
        "東京都港区芝1-1-1",
        "代表取締役 鈴木一郎",
    )
    assert receipt.created_by == staff and receipt.person_count == 1


def test_a_privacy_notice_without_its_security_measures_cannot_be_published(client, manager):
    client.force_login(manager)
    response = client.post(
        url("privacynotice", "add"),
        {
            "version": 9,
            "effective_from": "2026-12-01",
            "company": "株式会社サンプル",
            "purposes": "…",
            "procedures": "…",
            "contacts": "…",
            "fee_yen": 1000,
        },
    )
    assert response.status_code == 200
    assert "security_measures" in response.context["adminform"].form.errors
    assert not PrivacyNotice.objects.filter(version=9).exists()


def foreign_info():
    recipient = AgreementRecipientFactory(country="US", foreign_basis="consent")
    return ForeignTransferInfo.objects.create(
        recipient=recipient,
        country="US",
        version=1,
        country_name="アメリカ合衆国",
        country_system="…",
        recipient_measures="…",
        effective_from=timezone.localdate() - timedelta(days=3),
    )


def test_staff_record_a_consent_to_foreign_provision_naming_the_information_given(
    as_staff, provision_purpose
):
    info = foreign_info()
    customer = CustomerFactory()
    response = as_staff.post(
        url("consentevent", "add"),
        {
            "customer": customer.pk,
            "purpose": provision_purpose.pk,
            "channel": "any",
            "new_state": "granted",
            "actor": "customer",
            "source": "letter",
            "foreign_transfer_info": info.pk,
        },
    )
    assert response.status_code == 302
    assert ConsentEvent.objects.get().foreign_transfer_info == info


def test_a_foreign_consent_on_another_purpose_is_refused_on_the_page(as_staff, marketing):
    response = as_staff.post(
        url("consentevent", "add"),
        {
            "customer": CustomerFactory().pk,
            "purpose": marketing.pk,
            "channel": "email",
            "new_state": "granted",
            "actor": "customer",
            "source": "letter",
            "foreign_transfer_info": foreign_info().pk,
        },
    )
    assert response.status_code == 200
    assert str(services.FOREIGN_CONSENT_NOT_PROVISION) in response.content.decode()
    assert not ConsentEvent.objects.exists()
