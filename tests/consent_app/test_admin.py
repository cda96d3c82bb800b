"""The staff screens: thin pages over the services, read-only ledgers, constant query counts."""

import csv
import io
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent_app import provision, services, tasks
from consent_app.models import (
    Channel,
    ConsentEvent,
    ConsentFlag,
    Customer,
    ProvisionBatch,
    ProvisionRecord,
)
from tests.consent_app.conftest import grant
from tests.consent_app.test_importing import csv_bytes, row
from tests.factories import AgreementRecipientFactory, CustomerFactory, RecipientFactory

pytestmark = pytest.mark.django_db

# The most queries any consent_app list page may take, whatever the number of rows on it.
MAX_LIST_QUERIES = 12


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:consent_app_{model}_{view}", args=args)


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def as_auditor(client, auditor):
    client.force_login(auditor)
    return client


def provide(count, provision_purpose):
    customers = [CustomerFactory() for _ in range(count)]
    for customer in customers:
        grant(customer, provision_purpose)
    batch = provision.provision_batch_create(
        recipient=RecipientFactory(), purpose=provision_purpose, by=None, enqueue=False
    )
    provision.provision_batch_execute(batch_id=batch.pk)
    return customers


# --- Constant query counts ---------------------------------------------------------------------
@pytest.mark.parametrize("rows", [10, 100])
@pytest.mark.parametrize(
    "model",
    [
        "customer",
        "consentflag",
        "consentevent",
        "provisionrecord",
        "provisionsuppression",
        "provisionbatch",
        "recipient",
    ],
)
def test_list_pages_take_the_same_queries_for_10_or_100_rows(
    as_auditor, provision_purpose, staff, rows, model, django_assert_max_num_queries
):
    customers = provide(rows, provision_purpose)
    for customer in customers:
        services.suppression_create(customer=customer, by=staff)
    for _ in range(rows):
        provision.provision_batch_create(
            recipient=RecipientFactory(), purpose=provision_purpose, by=staff, enqueue=False
        )
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = as_auditor.get(admin_url(model), {"all": ""})
    assert response.status_code == 200


@pytest.mark.parametrize("events", [10, 100])
def test_the_customer_page_takes_the_same_queries_for_10_or_100_ledger_events(
    as_staff, customer, marketing, events, django_assert_max_num_queries
):
    channels = [Channel.POST, Channel.PHONE, Channel.EMAIL]
    clock = timezone.now() - timezone.timedelta(days=1)
    for i in range(events):
        clock += timezone.timedelta(seconds=1)
        services.consent_change(
            customer=customer,
            purpose=marketing,
            channel=channels[i % 3],
            new_state="granted" if i % 2 else "withdrawn",
            actor="customer",
            source="web",
            occurred_at=clock,
        )
    with django_assert_max_num_queries(25):
        response = as_staff.get(admin_url("customer", "change", customer.pk))
    assert response.status_code == 200
    assert response.content.count(b"field-new_state") >= events


# --- Customers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("term", ["03-1234-5678", "0312345678", "やまだ", "ﾔﾏﾀﾞ", "山田", "c0001"])
def test_the_customer_list_searches_the_normalised_columns(as_staff, staff, term):
    CustomerFactory(
        number="C0001",
        family_name="山田",
        family_name_kana="ヤマダ",
        phone="03-1234-5678",
    )
    CustomerFactory(number="C0002", family_name="佐藤", family_name_kana="サトウ")
    response = as_staff.get(admin_url("customer"), {"q": term})
    assert [c.number for c in response.context["cl"].result_list] == ["C0001"]


def test_staff_adding_a_customer_may_type_the_postal_mark(as_staff):
    # GIVEN "〒100-0005" typed in the add form (nine characters; the field stores eight) WHEN
    # saved THEN it is normalised before its length is checked, and the customer is created.
    response = as_staff.post(
        admin_url("customer", "add"),
        {
            "number": "C-0042",
            "family_name": "山田",
            "given_name": "花子",
            "postal_code": "〒100-0005",
            "preferred_language": "ja",
            "dealer": "",
            "change_reason": "",
            **inline_management_forms(None),
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Customer.objects.get(number="C-0042").postal_code == "100-0005"


def test_the_add_form_refuses_a_postal_code_without_seven_digits(as_staff):
    response = as_staff.post(
        admin_url("customer", "add"),
        {
            "number": "C-0043",
            "family_name": "山田",
            "postal_code": "〒100-00",
            "preferred_language": "ja",
            **inline_management_forms(None),
        },
    )
    assert response.status_code == 200
    assert not Customer.objects.filter(number="C-0043").exists()
    assert str(services.POSTAL_CODE_INVALID) in response.content.decode()


def test_staff_editing_a_customer_goes_through_the_service_and_keeps_the_reason(
    as_staff, staff, customer
):
    response = as_staff.post(
        admin_url("customer", "change", customer.pk),
        {
            "family_name": customer.family_name,
            "given_name": customer.given_name,
            "family_name_kana": "やまだ",
            "given_name_kana": customer.given_name_kana,
            "postal_code": "1050011",
            "prefecture": "東京都",
            "address": "港区芝公園4-2-8",
            "phone": customer.phone,
            "email": customer.email,
            "date_of_birth": customer.date_of_birth.isoformat(),
            "preferred_language": "ja",
            "dealer": "",
            "change_reason": "PR-2026-000050",
            **inline_management_forms(customer),
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    customer.refresh_from_db()
    assert (customer.address, customer.postal_code) == ("港区芝公園4-2-8", "105-0011")
    assert customer.family_name_kana == "ヤマダ"
    latest = customer.history.first()
    assert (latest.history_user, latest.history_change_reason) == (staff, "PR-2026-000050")


def test_erasing_a_customer_leaves_their_name_nowhere_in_the_admin_log(as_staff, staff, customer):
    """
    GIVEN staff changed the customer's name on the admin page (the admin logs the change)
    WHEN  the customer is erased
    THEN  the admin log's entries for the customer read as the tombstone and name no one
    """
    old_name = customer.family_name + " " + customer.given_name
    response = as_staff.post(
        admin_url("customer", "change", customer.pk),
        {
            "family_name": "改姓",
            "given_name": customer.given_name,
            "family_name_kana": "カイセイ",
            "given_name_kana": customer.given_name_kana,
            "postal_code": customer.postal_code,
            "prefecture": customer.prefecture,
            "address": customer.address,
            "phone": customer.phone,
            "email": customer.email,
            "date_of_birth": customer.date_of_birth.isoformat(),
            "preferred_language": "ja",
            "dealer": "",
            "change_reason": "PR-2026-000051",
            **inline_management_forms(customer),
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    )
    assert "改姓" in entries.get().object_repr

    erased = services.customer_erase(
        customer=customer, by=staff, request_reference="PR-2026-000051"
    )

    entry = entries.get()
    assert entry.object_repr == str(erased)
    for name in ("改姓", customer.given_name, old_name):
        assert name not in entry.object_repr + entry.change_message


def inline_management_forms(customer):
    data = {}
    for prefix, count in (
        ("consent_flags", customer.consent_flags.count() if customer else 0),
        ("consent_events", customer.consent_events.count() if customer else 0),
        ("suppressions", customer.suppressions.count() if customer else 0),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": count,
                f"{prefix}-INITIAL_FORMS": count,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    return data


def test_a_reading_in_kanji_is_refused_on_the_form_without_a_server_error(as_staff, customer):
    response = as_staff.post(
        admin_url("customer", "change", customer.pk),
        {"family_name": "山田", "family_name_kana": "山田", "preferred_language": "ja"},
    )
    assert response.status_code == 200
    assert str(services.KANA_INVALID) in response.content.decode()


def test_an_erased_customer_is_shown_read_only(as_staff, staff, customer):
    services.customer_erase(customer=customer, by=staff, request_reference="PR-2026-000051")
    url = admin_url("customer", "change", customer.pk)
    page = as_staff.get(url)
    assert page.status_code == 200
    assert b'name="family_name"' not in page.content
    assert as_staff.post(url, {"family_name": "復活"}).status_code == 403


def test_nobody_can_delete_a_customer_not_even_a_superuser(client, superuser, customer):
    client.force_login(superuser)
    assert client.get(admin_url("customer", "delete", customer.pk)).status_code == 403


def test_the_history_page_shows_changes_and_offers_no_revert(as_staff, staff, customer):
    services.customer_update(customer=customer, changes={"address": "新住所1-1"}, by=staff)
    page = as_staff.get(admin_url("customer", "history", customer.pk))
    assert page.status_code == 200
    assert "新住所1-1" in page.content.decode()
    entry = customer.history.last()
    revert = reverse(
        "admin:consent_app_customer_simple_history", args=[customer.pk, entry.history_id]
    )
    assert as_staff.post(revert, {"address": "旧住所に戻す"}).status_code == 403
    customer.refresh_from_db()
    assert customer.address == "新住所1-1"


# --- The consent ledger ------------------------------------------------------------------------
def test_staff_record_a_consent_change_through_the_page(as_staff, staff, customer, marketing):
    response = as_staff.post(
        admin_url("consentevent", "add"),
        {
            "customer": customer.pk,
            "purpose": marketing.pk,
            "channel": "email",
            "new_state": "withdrawn",
            "actor": "customer",
            "source": "letter",
            "note": "メール停止の手紙",
            "evidence": SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan"),
        },
    )
    assert response.status_code == 302
    event = ConsentEvent.objects.get()
    assert (event.new_state, event.recorded_by, event.source) == ("withdrawn", staff, "letter")
    assert ConsentFlag.objects.get().state == "withdrawn"


def test_a_refused_consent_change_shows_the_reason_and_writes_nothing(as_staff, customer, survey):
    response = as_staff.post(
        admin_url("consentevent", "add"),
        {
            "customer": customer.pk,
            "purpose": survey.pk,
            "channel": "email",
            "new_state": "granted",
            "actor": "customer",
            "source": "phone",
        },
    )
    assert response.status_code == 200
    expected = str(services.CONSENT_CHANNEL_NOT_OFFERED) % {"purpose": "survey", "channel": "email"}
    assert expected in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("view", ["change", "delete"])
def test_consent_events_cannot_be_changed_or_deleted_even_by_a_superuser(
    client, superuser, customer, marketing, view
):
    event = grant(customer, marketing, Channel.EMAIL)
    client.force_login(superuser)
    url = admin_url("consentevent", view, event.pk)
    assert client.post(url, {"new_state": "withdrawn", "post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.new_state == "granted"


def test_auditors_cannot_record_consent(as_auditor):
    assert as_auditor.get(admin_url("consentevent", "add")).status_code == 403


def test_the_signed_form_downloads_as_an_attachment_for_staff_only(
    client, staff, auditor, customer, marketing
):
    event = grant(
        customer, marketing, Channel.POST, evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")
    )
    url = reverse("admin:consent_app_consentevent_evidence", args=[event.pk])
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Suppressions ------------------------------------------------------------------------------
def test_staff_stop_provision_for_a_customer_and_lift_it_again(as_staff, staff, customer):
    response = as_staff.post(
        admin_url("provisionsuppression", "add"),
        {"customer": customer.pk, "recipient": "", "request_reference": "PR-2026-000060"},
    )
    assert response.status_code == 302
    suppression = customer.suppressions.get()
    assert (suppression.created_by, suppression.recipient) == (staff, None)
    as_staff.post(
        admin_url("provisionsuppression"),
        {"action": "lift", "_selected_action": [suppression.pk]},
    )
    suppression.refresh_from_db()
    assert suppression.lifted_by == staff


# --- Provision batches and records -------------------------------------------------------------
def test_staff_create_a_batch_which_is_queued_for_the_worker(
    as_staff, staff, provision_purpose, django_capture_on_commit_callbacks
):
    recipient = AgreementRecipientFactory()
    with (
        mock.patch.object(tasks.run_provision_batch, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = as_staff.post(
            admin_url("provisionbatch", "add"),
            {"recipient": recipient.pk, "purpose": provision_purpose.pk},
        )
    assert response.status_code == 302
    batch = ProvisionBatch.objects.get()
    assert (batch.status, batch.created_by, batch.data_items) == (
        "pending",
        staff,
        recipient.data_items,
    )
    delay.assert_called_once_with(batch.pk)


def test_a_batch_for_an_expired_agreement_shows_the_reason_and_creates_nothing(
    as_staff, provision_purpose
):
    ended = timezone.localdate() - timezone.timedelta(days=3)
    recipient = AgreementRecipientFactory(agreement_end=ended)
    response = as_staff.post(
        admin_url("provisionbatch", "add"),
        {"recipient": recipient.pk, "purpose": provision_purpose.pk},
    )
    assert response.status_code == 200
    assert (str(provision.BATCH_AGREEMENT_EXPIRED) % {"end": ended}) in response.content.decode()
    assert not ProvisionBatch.objects.exists()


def test_an_inactive_recipient_is_not_offered_for_a_batch(as_staff, provision_purpose):
    recipient = RecipientFactory(active=False)
    response = as_staff.post(
        admin_url("provisionbatch", "add"),
        {"recipient": recipient.pk, "purpose": provision_purpose.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["recipient"]
    assert not ProvisionBatch.objects.exists()


def test_the_batch_file_downloads_for_staff_but_not_for_auditors(
    client, staff, auditor, provision_purpose
):
    provide(2, provision_purpose)
    batch = ProvisionBatch.objects.get()
    url = reverse("admin:consent_app_provisionbatch_download", args=[batch.pk])
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="provision-{batch.pk}.csv"'


@pytest.mark.parametrize("view", ["add", "change", "delete"])
def test_provision_records_cannot_be_added_changed_or_deleted_in_the_admin(
    client, superuser, provision_purpose, view
):
    provide(1, provision_purpose)
    record = ProvisionRecord.objects.get()
    client.force_login(superuser)
    url = admin_url("provisionrecord", view, *([] if view == "add" else [record.pk]))
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ProvisionRecord.objects.filter(pk=record.pk).exists()


# --- Import ------------------------------------------------------------------------------------
def test_staff_import_a_crm_file_from_the_customer_list(as_staff, staff):
    upload = SimpleUploadedFile("crm.csv", csv_bytes([row("C1"), row("C2")], encoding="cp932"))
    response = as_staff.post(
        admin_url("customer", "import"),
        {"file": upload, "encoding": "auto", "source-source": "own"},
    )
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_a_bad_file_lists_each_problem_by_line_and_imports_nothing(as_staff):
    upload = SimpleUploadedFile("crm.csv", csv_bytes([row("C1"), row("C2", phone="1")]))
    response = as_staff.post(
        admin_url("customer", "import"),
        {"file": upload, "encoding": "auto", "source-source": "own"},
    )
    assert response.status_code == 200
    assert [(e.line, e.column) for e in response.context["import_errors"]] == [(3, "phone")]
    assert not Customer.objects.exists()


def test_a_binary_upload_gets_a_message_not_a_server_error(as_staff):
    upload = SimpleUploadedFile("crm.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff\x00")
    response = as_staff.post(admin_url("customer", "import"), {"file": upload, "encoding": "auto"})
    assert response.status_code == 200
    assert not Customer.objects.exists()


def test_auditors_cannot_import(as_auditor):
    assert as_auditor.get(admin_url("customer", "import")).status_code == 403


# --- Marketing lists ---------------------------------------------------------------------------
def test_managers_download_a_marketing_list_safe_against_formula_injection(as_manager, marketing):
    formula, plain = CustomerFactory(family_name="=HYPERLINK(1)"), CustomerFactory()
    grant(formula, marketing, Channel.EMAIL)
    grant(plain, marketing, Channel.EMAIL)
    response = as_manager.post(
        reverse("admin:privacyoffice_marketing_list", args=[marketing.pk, "email"]),
        {"encoding": "utf-8-sig", "header": "codes"},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-1] == "email"
    assert {r[0] for r in rows[1:]} == {formula.number, plain.number}
    assert "'=HYPERLINK(1)" in {r[1] for r in rows[1:]}


def test_staff_cannot_download_marketing_lists(as_staff, marketing):
    url = reverse("admin:privacyoffice_marketing_list", args=[marketing.pk, "email"])
    assert as_staff.get(url).status_code == 403
