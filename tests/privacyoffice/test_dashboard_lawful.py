"""Issue 16: the dashboard's lawful-provision panels (from the beat-refreshed summary)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent_app import provision, receipts
from consent_app.models import AcquisitionMethod, JointUseNotice, OptOutFiling
from privacyoffice.tasks import refresh_dashboard_summary
from tests.consent_app.conftest import grant
from tests.factories import AgreementRecipientFactory, CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


def run(recipient, purpose):
    batch = provision.provision_batch_create(
        recipient=recipient, purpose=purpose, by=None, enqueue=False
    )
    return provision.provision_batch_execute(batch_id=batch.pk)


def test_the_dashboard_shows_provision_by_basis_filings_notices_foreign_and_receipts(
    client, manager
):
    from consent_app.models import PurposeOfUse

    purpose = PurposeOfUse.objects.get(code="third_party_provision")
    today = timezone.localdate()
    customer = CustomerFactory()
    grant(customer, purpose)
    run(RecipientFactory(), purpose)
    run(AgreementRecipientFactory(country="DE"), purpose)
    opt_out = RecipientFactory(basis="opt_out")
    filing = OptOutFiling.objects.create(
        reference="PPC-2026-0042",
        title="販売会社向け名簿",
        data_items=["name", "address"],
        acquisition_method="申込書",
        provision_method="電子ファイル",
        opt_out_method="電話",
        filed_on=today - timedelta(days=30),
        ppc_published_on=today - timedelta(days=20),
        company_published_on=today - timedelta(days=20),
    )
    filing.recipients.add(opt_out)
    run(opt_out, purpose)
    notice = JointUseNotice.objects.create(
        scheme="group",
        version=3,
        users_description="グループ会社",
        data_items=["name"],
        purposes="アフターサービス",
        responsible_party="株式会社サンプル",
        notified_on=today - timedelta(days=9),
        effective_from=today - timedelta(days=2),
    )
    receipts.receipt_record(
        details=receipts.ReceiptDetails(
            provider_name="東京販売株式会社",
            provider_address="東京都港区",
            provider_representative="代表取締役 鈴木一郎",
            acquisition=AcquisitionMethod.CONSENT,
            data_items=["name"],
        ),
        numbers=[customer.number],
        by=None,
    )
    refresh_dashboard_summary()
    client.force_login(manager)
    page = client.get(URL).content.decode()
    section = page[page.index('id="lawful-provision"') :]
    assert "本人の同意" in section and "オプトアウト" in section  # labels, not codes
    assert "PPC-2026-0042" in section
    assert str(notice) in section
    assert "ドイツ" in section[section.index('id="foreign-by-country"') :]
    receipts_table = section[section.index('id="receipts-by-provider"') :]
    assert "東京販売株式会社" in receipts_table
    assert f"{today.year}年{today.month}月{today.day}日" in receipts_table
