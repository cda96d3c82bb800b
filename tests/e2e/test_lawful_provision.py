"""Issue 16 in the browser: a manager's opt-out batch is refused until the PPC filing is recorded.

Debian's Chromium on the live server (PostgreSQL), a real Celery worker over Redis running the
batch, the manager logged in through the login form. The UI is Japanese: expected texts come
from the catalogue. Each step saves a screenshot to var/e2e/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from consent_app import lawful
from consent_app.models import (
    OptOutFiling,
    ProvisionBatch,
    ProvisionRecord,
    PurposeOfUse,
    Recipient,
)
from consent_app.services import customer_create
from tests.conftest import wait_for

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.postgres]
TIMEOUT_MS = 45_000


def ja(message, **params) -> str:
    with translation.override("ja"):
        text = str(message)
        return text % params if params else text


def _provision_purpose() -> PurposeOfUse:
    # A transactional test before this one may have flushed the migrations' seed rows.
    purpose, _created = PurposeOfUse.objects.get_or_create(
        code="third_party_provision",
        defaults={
            "title_ja": "第三者への提供",
            "title_en": "Provision to third parties",
            "channels": ["any"],
            "is_third_party_provision": True,
        },
    )
    return purpose


def test_a_manager_s_opt_out_batch_is_refused_without_a_filing_then_runs_under_one(
    live_worker, open_page, shot, manager
):
    """GIVEN a telematics partner receiving by opt-out, and three customers (one opted out)
    WHEN a manager provides data to it with no PPC filing recorded
    THEN the batch is refused with the message naming the missing filing, and nothing is queued;
    WHEN the manager records the filing (published by the PPC and the company) and tries again
    THEN the worker runs the batch: the two who did not opt out are provided and recorded."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    purpose = _provision_purpose()
    recipient = Recipient.objects.create(
        name="株式会社テレマティクス試験",
        code="E2E-TEL",
        category="dealer",
        data_items=["name", "address"],
        basis="opt_out",
    )
    customers = [
        customer_create(by=None, number=f"E2E{n}", family_name="山田", given_name=f"{n}郎")
        for n in (1, 2, 3)
    ]
    from consent_app.services import consent_change

    consent_change(
        customer=customers[2],
        purpose=purpose,
        channel="any",
        new_state="withdrawn",
        actor="customer",
        source="phone",
        by=manager,
    )
    page = open_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in(page, "maria")

    # 1. Refused: no filing.
    page.goto("/admin/consent_app/provisionbatch/add/")
    page.select_option("#id_recipient", label=recipient.name)
    page.select_option("#id_purpose", value=str(purpose.pk))
    page.click("input[type=submit]")
    refusal = ja(lawful.OPT_OUT_NO_FILING, recipient=recipient.name)
    expect(page.locator(".errornote, .errorlist").first).to_contain_text(refusal)
    shot("refused-without-filing", page=page)
    assert not ProvisionBatch.objects.exists()

    # 2. The manager records the filing, as published by the PPC and by the company.
    today = timezone.localdate()
    page.goto("/admin/consent_app/optoutfiling/add/")
    page.fill("#id_reference", "PPC-E2E-0001")
    page.fill("#id_title", "テレマティクス統計用顧客リスト")
    page.select_option("#id_recipients_from", label=recipient.name)
    page.click("#id_recipients_add")
    page.check("#id_data_items input[value=name]")
    page.check("#id_data_items input[value=address]")
    page.fill("#id_acquisition_method", "申込書")
    page.fill("#id_provision_method", "暗号化した電子ファイル")
    page.fill("#id_opt_out_method", "お客様相談室への電話")
    for field, day in (
        ("filed_on", today - timedelta(days=20)),
        ("ppc_published_on", today - timedelta(days=10)),
        ("company_published_on", today - timedelta(days=10)),
    ):
        page.fill(f"#id_{field}", day.strftime("%Y/%m/%d"))
    shot("filing-form", page=page)
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist li.success").first).to_be_visible()
    filing = OptOutFiling.objects.get(reference="PPC-E2E-0001")
    assert list(filing.recipients.all()) == [recipient]

    # 3. Allowed: queued, then run by the worker.
    page.goto("/admin/consent_app/provisionbatch/add/")
    page.select_option("#id_recipient", label=recipient.name)
    page.select_option("#id_purpose", value=str(purpose.pk))
    page.click("input[type=submit]")
    expect(page.locator("ul.messagelist li.success").first).to_be_visible()
    batch = ProvisionBatch.objects.get()
    assert batch.opt_out_filing == filing
    wait_for(
        lambda: ProvisionBatch.objects.filter(pk=batch.pk, status="completed").exists(),
        timeout=120,
    )
    page.goto("/admin/consent_app/provisionbatch/")
    expect(page.locator("#result_list")).to_contain_text(recipient.name)
    shot("batch-completed", page=page)
    provided = set(
        ProvisionRecord.objects.filter(batch=batch).values_list("customer__number", flat=True)
    )
    assert provided == {"E2E1", "E2E2"}
