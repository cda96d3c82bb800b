"""Customer imports of any size (issue 19): above CUSTOMER_IMPORT_ASYNC_BYTES a background job
with a status page, all rows or none; files that are neither UTF-8 nor Shift_JIS refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent_app import importing
from consent_app.import_jobs import (
    IMPORT_JOB_NEVER_STARTED,
    IMPORT_JOB_WORKER_LOST,
    customer_import_job_run,
    customer_import_job_start,
    customer_import_jobs_sweep,
)
from consent_app.models import Customer, CustomerImportJob
from tests.conftest import wait_for
from tests.consent_app.test_importing import csv_bytes, row
from tests.live_http import Browser

IMPORT = "/admin/consent_app/customer/import/"
HOSTILE = b"number,family_name,given_name\n\xff\xfe\x81bad,x,y\n"


def rows(n: int, **overrides) -> list[dict]:
    return [row(f"C{i:06d}", **overrides) for i in range(n)]


# --- refusal of what is not text ---------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"\xff\xfe\x81bad", HOSTILE], ids=["bare", "in-a-row"])
def test_a_file_cp932_decodes_only_into_private_use_characters_is_refused(data):
    result = importing.customer_import(data=data, by=None, collected_by_us=True)
    assert [e.message for e in result.errors] == [str(importing.IMPORT_ENCODING)]
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_real_shift_jis_text_is_still_imported():
    result = importing.customer_import(
        data=csv_bytes([row("C1")], encoding="cp932"), by=None, collected_by_us=True
    )
    assert result.ok and result.encoding == "cp932"
    assert Customer.objects.get(number="C1").family_name == "山田"


# --- the job, called directly ------------------------------------------------------------------
@pytest.mark.django_db
def test_a_job_imports_every_row_and_reports_its_counts(staff, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("crm.csv", csv_bytes(rows(30)))
    with django_capture_on_commit_callbacks() as queued:
        job = customer_import_job_start(upload=upload, by=staff, collected_by_us=True)
    assert len(queued) == 1  # enqueued after the commit, once
    assert job.status == CustomerImportJob.Status.QUEUED and job.estimated_rows == 30
    name = job.file.name

    job = customer_import_job_run(job_id=job.pk)

    assert job.status == CustomerImportJob.Status.DONE
    assert (job.rows, job.created, job.updated) == (30, 30, 0)
    assert Customer.objects.count() == 30
    assert job.file.name == "" and not default_storage.exists(name)  # the file is not kept


@pytest.mark.django_db
def test_a_job_with_one_bad_row_imports_nothing_and_lists_the_line(staff):
    bad = [*rows(5), row("C999999", phone="1")]
    job = customer_import_job_start(
        upload=SimpleUploadedFile("crm.csv", csv_bytes(bad)), by=staff, collected_by_us=True
    )
    job = customer_import_job_run(job_id=job.pk)
    assert job.status == CustomerImportJob.Status.FAILED
    assert job.error_count == 1 and job.errors[0][:2] == [7, "phone"]
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_a_job_runs_once_even_if_its_task_is_delivered_twice(staff):
    job = customer_import_job_start(
        upload=SimpleUploadedFile("crm.csv", csv_bytes(rows(3))), by=staff, collected_by_us=True
    )
    customer_import_job_run(job_id=job.pk)
    assert customer_import_job_run(job_id=job.pk) is None
    assert Customer.objects.count() == 3


@pytest.mark.django_db
def test_the_sweep_interrupts_silent_and_never_started_jobs_only(staff):
    now = timezone.now()
    silent = CustomerImportJob.objects.create(
        uploaded_by=staff, status="running", heartbeat_at=now - timedelta(minutes=5)
    )
    beating = CustomerImportJob.objects.create(
        uploaded_by=staff, status="running", heartbeat_at=now
    )
    never = CustomerImportJob.objects.create(uploaded_by=staff)
    CustomerImportJob.objects.filter(pk=never.pk).update(created_at=now - timedelta(hours=2))
    fresh = CustomerImportJob.objects.create(uploaded_by=staff)

    assert customer_import_jobs_sweep(now=now) == 2

    def state(job):
        job.refresh_from_db()
        return job.status, job.message

    assert state(silent) == ("interrupted", str(IMPORT_JOB_WORKER_LOST))
    assert state(never) == ("interrupted", str(IMPORT_JOB_NEVER_STARTED))
    assert state(beating)[0] == "running" and state(fresh)[0] == "queued"


@pytest.mark.django_db
def test_only_the_uploader_opens_an_import_jobs_page(client, staff, other_staff):
    job = CustomerImportJob.objects.create(uploaded_by=staff, status="done", rows=0)
    url = reverse("admin:consent_app_customer_import_job", args=[job.pk])
    client.force_login(other_staff)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200


# --- through the live server, as staff, with a real worker -------------------------------------
@pytest.fixture
def small_import_chunks(monkeypatch, settings):
    """The worker (started after this) reads 30 rows at a time: 200 rows are seven chunks."""
    monkeypatch.setenv("CUSTOMER_IMPORT_CHUNK_ROWS", "30")
    settings.CUSTOMER_IMPORT_CHUNK_ROWS = 30


@pytest.mark.postgres
@pytest.mark.services
def test_staff_upload_a_large_file_and_follow_its_import_to_the_end(
    small_import_chunks, live_server, live_worker, staff, settings
):
    """GIVEN a file above the (lowered) background threshold, of several (lowered) chunks
    WHEN staff log in and upload it through the import form
    THEN the page answers at once with the job's page, which ends with every customer created."""
    settings.CUSTOMER_IMPORT_ASYNC_BYTES = 1000
    data = csv_bytes(rows(200))
    assert len(data) > 1000
    browser = Browser(live_server.url)
    browser.log_in(staff.username)

    response = browser.post(
        IMPORT,
        {"encoding": "auto", "source-source": "own"},
        files={"file": ("crm.csv", data)},
        follow=False,
    )
    assert response.status == 302, response.text[:300]
    job_url = response.headers["Location"]
    assert "/import/jobs/" in job_url

    def ended():
        page = browser.get(job_url).text
        return page if 'data-status="done"' in page or 'data-status="failed"' in page else None

    page = wait_for(ended, timeout=120)
    assert 'data-status="done"' in page and 'id="po-import-result"' in page
    assert Customer.objects.count() == 200
    job = CustomerImportJob.objects.get()
    assert (job.rows, job.created, job.progress_rows) == (200, 200, 200)
    assert Customer.history.filter(history_user=staff).count() == 200


@pytest.mark.postgres
def test_a_hostile_file_posted_raw_is_refused_with_the_message_and_stores_nothing(
    live_server, transactional_db, staff
):
    browser = Browser(live_server.url)
    browser.log_in(staff.username)
    response = browser.post(
        IMPORT, {"encoding": "auto", "source-source": "own"}, files={"file": ("x.csv", HOSTILE)}
    )
    assert response.status == 200
    assert "UTF-8" in response.text and "Shift_JIS" in response.text
    assert not Customer.objects.exists()
    assert not CustomerImportJob.objects.exists()


@pytest.mark.django_db
def test_a_background_import_that_does_not_say_where_its_data_comes_from_is_refused(staff):
    upload = SimpleUploadedFile("crm.csv", csv_bytes(rows(3)))

    with pytest.raises(ValidationError):
        customer_import_job_start(upload=upload, by=staff)

    assert not CustomerImportJob.objects.exists()


@pytest.mark.django_db
def test_a_background_import_from_a_dealer_records_its_receipt_when_the_worker_runs_it(staff):
    from consent_app.models import DataReceipt
    from consent_app.receipts import ReceiptDetails

    details = ReceiptDetails(
        provider_name="東京販売株式会社",
        provider_address="東京都港区芝1-1-1",
        provider_representative="代表取締役 鈴木一郎",
        acquisition="consent",
        data_items=["name", "address"],
    )
    job = customer_import_job_start(
        upload=SimpleUploadedFile("crm.csv", csv_bytes(rows(3))), by=staff, received_from=details
    )

    customer_import_job_run(job_id=job.pk)

    receipt = DataReceipt.objects.get()
    assert receipt.provider_name == "東京販売株式会社" and receipt.persons.count() == 3
