"""Exporting from the admin: permissions, the streamed download, the export log, background
jobs over the threshold (enqueue, task, progress, download), and the log's protection."""

import csv
import hashlib
import io
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from privacyoffice.models import ExportLog
from privacyoffice.reports.services import (
    DATE_RANGE_REVERSED,
    EXPORT_INTERRUPTED,
    export_files_purge,
    export_start,
    export_stream,
)
from privacyoffice.tasks import purge_export_files, run_export
from privacyoffice.views_reports import EXPORT_NOT_YOURS
from tests.conftest import wait_for
from tests.factories import ExportLogFactory, PoConsentEventFactory

URL = "/admin/reports/consent-ledger/"


def post_export(client, user, **data):
    client.force_login(user)
    form = {"date_from": "", "date_to": "", "encoding": "utf-8", "header": "codes", **data}
    return client.post(URL, form)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- permissions --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/reports/", URL])
def test_staff_may_not_export(client, staff, path):
    client.force_login(staff)
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_staff_posting_an_export_get_403_and_nothing_is_logged(client, staff):
    assert post_export(client, staff).status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "manager"])
def test_auditors_and_managers_see_the_report_forms(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    html = client.get("/admin/reports/").content.decode()
    assert URL in html and "/admin/reports/request-register/" in html


@pytest.mark.django_db
def test_an_unknown_report_is_404(client, auditor):
    client.force_login(auditor)
    assert client.get("/admin/reports/no-such-report/").status_code == 404


# --- streamed export ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_auditor_downloads_a_streamed_csv_named_after_its_filters(client, auditor):
    PoConsentEventFactory(note="同意")
    response = post_export(client, auditor, date_from="2020-01-01", date_to="2030-12-31")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="consent-ledger_2020-01-01_2030-12-31.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [r["note"] for r in rows] == ["同意"]


@pytest.mark.django_db
def test_the_export_is_logged_with_who_what_filters_and_row_count(client, auditor):
    PoConsentEventFactory.create_batch(3)
    body(post_export(client, auditor, date_from="2020-01-01", encoding="utf-8-sig"))
    log = ExportLog.objects.get()
    assert (log.report, log.exported_by, log.status) == ("consent-ledger", auditor, "done")
    assert log.filters == {"date_from": "2020-01-01", "date_to": None}
    assert (log.encoding, log.row_count, log.is_background) == ("utf-8-sig", 3, False)
    assert log.finished_at is not None


@pytest.mark.django_db
def test_a_cp932_download_is_labelled_windows_31j_and_logs_replacements(client, auditor):
    PoConsentEventFactory(note="𠮷")
    response = post_export(client, auditor, encoding="cp932", header="ja")
    assert response["Content-Type"] == "text/csv; charset=windows-31j"
    data = body(response).decode("cp932")
    assert data.startswith("イベントID,")
    assert ExportLog.objects.get().replaced_characters == 1


@pytest.mark.django_db
def test_a_reversed_date_range_is_refused_with_a_message_and_nothing_is_logged(client, auditor):
    response = post_export(client, auditor, date_from="2026-05-01", date_to="2026-04-01")
    assert response.status_code == 200
    assert str(DATE_RANGE_REVERSED) in response.content.decode()
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
def test_an_invalid_date_is_refused_and_nothing_is_logged(client, auditor):
    response = post_export(client, auditor, date_from="2026-13-45")
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"]
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
def test_an_unknown_encoding_is_refused_and_nothing_is_logged(client, auditor):
    response = post_export(client, auditor, encoding="latin-1")
    assert response.context["form"].errors["encoding"]
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
def test_an_export_the_client_abandons_is_logged_as_interrupted(auditor):
    PoConsentEventFactory.create_batch(2)
    export = export_start(user=auditor, report_slug="consent-ledger", date_from=None, date_to=None)
    stream = export_stream(export=export)
    next(stream)  # the header arrives, then the browser goes away
    stream.close()
    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", str(EXPORT_INTERRUPTED))


@pytest.mark.django_db
def test_the_service_refuses_a_reversed_range(auditor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        export_start(
            user=auditor,
            report_slug="consent-ledger",
            date_from=date(2026, 2, 1),
            date_to=date(2026, 1, 1),
        )
    assert exc.value.messages == [str(DATE_RANGE_REVERSED)]


# --- background exports -------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_export_over_the_threshold_is_queued_after_commit_and_shows_its_progress_page(
    client, auditor, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_ASYNC_THRESHOLD = 2
    PoConsentEventFactory.create_batch(3)
    with mock.patch.object(run_export, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = post_export(client, auditor)
        delay.assert_not_called()  # not inside the open transaction
        for callback in callbacks:
            callback()
    export = ExportLog.objects.get()
    delay.assert_called_once_with(export.pk)
    assert export.is_background and export.estimated_rows >= 3
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:privacyoffice_export", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page


@pytest.mark.django_db
def test_an_export_at_the_threshold_streams_at_once(client, auditor, settings):
    settings.EXPORT_ASYNC_THRESHOLD = 3
    PoConsentEventFactory.create_batch(3)
    response = post_export(client, auditor)
    assert response.streaming
    assert len(body(response).splitlines()) == 4
    assert ExportLog.objects.get().estimated_rows == 3


@pytest.mark.django_db
def test_the_task_writes_the_file_to_storage_and_completes_the_log(auditor):
    PoConsentEventFactory.create_batch(3, note="x")
    export = ExportLogFactory(exported_by=auditor, is_background=True, estimated_rows=3)
    run_export(export.pk)
    export.refresh_from_db()
    assert (export.status, export.row_count, export.progress_percent) == ("done", 3, 100)
    with default_storage.open(export.file.name, "rb") as handle:
        data = handle.read()
    assert len(list(csv.reader(io.StringIO(data.decode())))) == 4
    assert export.size == len(data)
    assert export.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.django_db
def test_running_the_task_again_after_it_finished_changes_nothing(auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    export.refresh_from_db()
    first_file = export.file.name
    run_export(export.pk)
    export.refresh_from_db()
    assert export.file.name == first_file


@pytest.mark.django_db
def test_the_task_returns_quietly_when_the_export_is_gone(auditor):
    """GIVEN no export 999999 WHEN its task runs THEN no row is made or touched, no file written."""
    waiting = ExportLogFactory(exported_by=auditor, is_background=True)

    assert run_export(999_999) is None

    assert list(ExportLog.objects.values_list("pk", flat=True)) == [waiting.pk]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.started_at, waiting.file.name) == (
        ExportLog.Status.RUNNING,
        None,
        "",
    )


@pytest.mark.django_db
def test_a_task_that_finally_fails_marks_the_export_failed(auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export.on_failure(DatabaseError("boom"), "task-id", (export.pk,), {}, None)
    export.refresh_from_db()
    assert export.status == "failed"
    assert "DatabaseError" in export.error


@pytest.mark.django_db
def test_the_exporter_downloads_the_finished_file(client, auditor):
    PoConsentEventFactory(note="背景")
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    client.force_login(auditor)
    status_page = client.get(reverse("admin:privacyoffice_export", args=[export.pk]))
    download_url = reverse("admin:privacyoffice_export_download", args=[export.pk])
    assert download_url in status_page.content.decode()
    response = client.get(download_url)
    assert response.status_code == 200
    assert "背景" in b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_another_auditor_may_not_download_someone_elses_file(client, auditor, manager):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    client.force_login(manager)
    response = client.get(reverse("admin:privacyoffice_export_download", args=[export.pk]))
    assert response.status_code == 403
    assert str(EXPORT_NOT_YOURS)  # the reason, as a constant


@pytest.mark.django_db
def test_staff_may_not_download_an_export(client, staff, auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    client.force_login(staff)
    response = client.get(reverse("admin:privacyoffice_export_download", args=[export.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_running_export_has_nothing_to_download_yet(client, auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    client.force_login(auditor)
    response = client.get(reverse("admin:privacyoffice_export_download", args=[export.pk]))
    assert response.status_code == 302


@pytest.mark.django_db
def test_old_export_files_are_purged_and_the_log_row_stays(auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    export.refresh_from_db()
    name = export.file.name
    # A finished row cannot be back-dated (triggers): travel forward past the retention instead.
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        purge_export_files()
    export.refresh_from_db()
    assert export.file.name == "" and export.file_purged_at is not None
    assert export.row_count == 0 and export.status == "done"
    assert not default_storage.exists(name)


@pytest.mark.django_db
def test_recent_export_files_are_kept(auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    run_export(export.pk)
    assert export_files_purge() == 0


@pytest.mark.services
def test_a_background_export_runs_on_a_real_worker(live_worker, auditor, settings):
    settings.EXPORT_ASYNC_THRESHOLD = 1
    PoConsentEventFactory.create_batch(3)
    export = export_start(user=auditor, report_slug="consent-ledger", date_from=None, date_to=None)
    assert export.is_background
    done = wait_for(
        lambda: ExportLog.objects.filter(pk=export.pk, status="done").first(), timeout=90
    )
    assert done.row_count == 3 and done.file


# --- the log's protection (PostgreSQL triggers) -------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db
def test_an_export_log_row_cannot_be_deleted(auditor):
    export = ExportLogFactory(exported_by=auditor)
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportLog.objects.filter(pk=export.pk).delete()
    assert ExportLog.objects.filter(pk=export.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_what_was_exported_and_by_whom_cannot_be_rewritten(auditor):
    export = ExportLogFactory(exported_by=auditor, filters={"date_from": "2026-01-01"})
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportLog.objects.filter(pk=export.pk).update(filters={"date_from": "2025-01-01"})
    export.refresh_from_db()
    assert export.filters == {"date_from": "2026-01-01"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_finished_export_cannot_be_changed(auditor):
    export = ExportLogFactory(exported_by=auditor)
    ExportLog.objects.filter(pk=export.pk).update(status="done", row_count=5)
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportLog.objects.filter(pk=export.pk).update(row_count=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportLog.objects.filter(pk=export.pk).update(status="running")
    export.refresh_from_db()
    assert (export.status, export.row_count) == ("done", 5)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_running_export_may_record_progress_and_completion(auditor):
    export = ExportLogFactory(exported_by=auditor)
    ExportLog.objects.filter(pk=export.pk).update(progress_rows=10)
    ExportLog.objects.filter(pk=export.pk).update(status="done", row_count=12)
    export.refresh_from_db()
    assert (export.status, export.row_count) == ("done", 12)
