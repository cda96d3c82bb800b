"""Export jobs and options of issue 19: states and the sweep, retry, the creator-only status
page, the calendar's ends, file names, Japanese display values, the suppressions report,
marketing lists through the export service, and unambiguous CP932 references."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from common import dates
from common.csv_safety import csv_safe, neutralise
from common.csv_stream import TextEncoder, cp932_unescape
from consent_app.models import Channel, PurposeOfUse
from privacyoffice.models import ExportLog
from privacyoffice.reports.definitions import REPORTS
from privacyoffice.reports.services import (
    DATE_OUT_OF_RANGE,
    EXPORT_NEVER_STARTED,
    EXPORT_WORKER_LOST,
    RETRY_NOT_ENDED,
    export_filename,
    export_retry,
    export_run,
    export_start,
    exports_sweep,
)
from privacyoffice.reports.stream import CsvExport
from privacyoffice.views_reports import EXPORT_NOT_YOURS
from requests_app.models import RequestState, RequestType
from tests.consent_app.conftest import grant
from tests.factories import (
    CustomerFactory,
    DisclosureRequestFactory,
    ExportLogFactory,
    PoConsentEventFactory,
    PoRecipientFactory,
    PoSuppressionFactory,
)
from tests.live_http import Browser

LEDGER = "/admin/reports/consent-ledger/"


def rows_of(export: CsvExport) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(export).decode("utf-8"))))


# --- CP932: every reference is one ---------------------------------------------------------------
def test_a_typed_reference_and_the_character_it_names_export_differently_in_cp932():
    encoder = TextEncoder("cp932")
    typed, kanji = encoder.encode("&#x20BB7;"), encoder.encode("𠮷")
    assert typed != kanji
    assert kanji == b"&#x20BB7;"
    assert cp932_unescape(typed.decode("cp932")) == "&#x20BB7;"
    assert cp932_unescape(kanji.decode("cp932")) == "𠮷"
    assert encoder.encode("AT&T") == b"AT&T"  # an ordinary ampersand stays as it is


def test_the_formula_guard_is_one_definition():
    assert neutralise("=1+1") == "'=1+1" and csv_safe(None) == "" and csv_safe("-3") == "'-3"


# --- states, sweep, retry ----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_sweep_interrupts_a_silent_job_and_one_never_taken_up_but_not_a_beating_one(auditor):
    now = timezone.now()
    silent = ExportLogFactory(
        exported_by=auditor, is_background=True, heartbeat_at=now - timedelta(minutes=5)
    )
    beating = ExportLogFactory(exported_by=auditor, is_background=True, heartbeat_at=now)
    with time_machine.travel(now - timedelta(hours=2)):
        never = ExportLogFactory(exported_by=auditor, is_background=True)
    queued = ExportLogFactory(exported_by=auditor, is_background=True)

    assert exports_sweep(now=now) == 2

    for export in (silent, beating, never, queued):
        export.refresh_from_db()
    assert (silent.status, silent.error) == ("interrupted", str(EXPORT_WORKER_LOST))
    assert (never.status, never.error) == ("interrupted", str(EXPORT_NEVER_STARTED))
    assert beating.status == queued.status == "running"


@pytest.mark.django_db
def test_an_interrupted_job_left_in_the_queue_does_nothing_when_it_runs_late(auditor):
    export = ExportLogFactory(exported_by=auditor, is_background=True, status="interrupted")
    assert export_run(export_id=export.pk) is None
    export.refresh_from_db()
    assert export.status == "interrupted" and not export.file


@pytest.mark.django_db
def test_a_retry_is_a_new_export_with_the_same_filters_and_options(auditor, settings):
    settings.EXPORT_ASYNC_THRESHOLD = 1
    PoConsentEventFactory.create_batch(2)
    first = ExportLogFactory(
        exported_by=auditor,
        status="interrupted",
        is_background=True,
        filters={"date_from": "2020-01-01", "date_to": None},
        encoding="cp932",
        header="ja",
        values="labels",
    )
    again = export_retry(export=first, user=auditor)
    assert again.pk != first.pk and again.retry_of == first and again.status == "running"
    assert (again.filters, again.encoding, again.header, again.values) == (
        first.filters,
        "cp932",
        "ja",
        "labels",
    )


@pytest.mark.django_db
def test_only_an_ended_export_of_ones_own_is_retried(auditor, manager):
    done = ExportLogFactory(exported_by=auditor, status="done")
    with pytest.raises(ValidationError) as error:
        export_retry(export=done, user=auditor)
    assert error.value.messages == [str(RETRY_NOT_ENDED)]
    failed = ExportLogFactory(exported_by=auditor, status="failed")
    with pytest.raises(PermissionDenied):
        export_retry(export=failed, user=manager)


# --- the status page belongs to its creator ----------------------------------------------------
@pytest.mark.django_db
def test_another_auditor_cannot_open_an_exports_status_page(client, auditor, django_user_model):
    from tests.conftest import make_user

    other = make_user(django_user_model, "otto", "auditor")
    export = ExportLogFactory(exported_by=auditor, is_background=True)
    client.force_login(other)
    response = client.get(reverse("admin:privacyoffice_export", args=[export.pk]))
    assert response.status_code == 403
    assert auditor.username.encode() not in response.content
    client.force_login(auditor)
    assert client.get(reverse("admin:privacyoffice_export", args=[export.pk])).status_code == 200
    assert str(EXPORT_NOT_YOURS)


# --- bad input through raw HTTP ----------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize(
    "field, value", [("date_to", "9999-12-31"), ("date_from", "0001-01-01")], ids=str
)
def test_a_date_at_the_calendars_end_gets_a_form_error_and_logs_nothing(
    live_server, transactional_db, auditor, field, value
):
    browser = Browser(live_server.url)
    browser.log_in(auditor.username)
    data = {"date_from": "", "date_to": "", "encoding": "utf-8", "header": "codes", field: value}
    response = browser.post(LEDGER, data)
    assert response.status == 200
    # The plausible range (common.dates), written as the auditor's language writes dates.
    assert "1900年1月1日" in response.text and "2100年12月31日" in response.text
    assert not ExportLog.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_the_calendars_end_too(auditor):
    with pytest.raises(ValidationError) as error:
        export_start(user=auditor, report_slug="consent-ledger", date_to=date.max)
    assert error.value.messages == [str(DATE_OUT_OF_RANGE % dates._range_params())]


@pytest.mark.postgres
def test_another_users_status_page_is_refused_over_raw_http(live_server, transactional_db):
    from django.contrib.auth import get_user_model

    from tests.conftest import make_user

    owner = make_user(get_user_model(), "audrey", "auditor")
    make_user(get_user_model(), "otto", "auditor")
    export = ExportLogFactory(exported_by=owner, is_background=True)
    browser = Browser(live_server.url)
    browser.log_in("otto")
    for suffix in ("", "download/"):
        response = browser.get(f"/admin/reports/exports/{export.pk}/{suffix}")
        assert response.status == 403
        assert "audrey" not in response.text


# --- file names --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_file_is_named_after_its_report_and_the_days_it_covers(auditor):
    closed = ExportLogFactory(filters={"date_from": "2026-04-01", "date_to": "2026-11-30"})
    assert export_filename(closed) == "consent-ledger_2026-04-01_2026-11-30.csv"
    first = PoConsentEventFactory(occurred_at=timezone.make_aware(timezone.datetime(2025, 6, 3)))
    assert first.pk
    open_ended = ExportLogFactory(filters={"date_from": None, "date_to": None})
    today = timezone.localtime(open_ended.created_at).date().isoformat()
    assert export_filename(open_ended) == f"consent-ledger_2025-06-03_{today}.csv"


# --- options -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("use_copy", [True, False], ids=["copy", "orm"])
def test_japanese_display_values_write_labels_instead_of_codes(use_copy, settings):
    if use_copy and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("COPY is PostgreSQL's")
    request = DisclosureRequestFactory()
    codes = rows_of(
        CsvExport(REPORTS["request-register"], date_from=None, date_to=None, use_copy=use_copy)
    )
    labels = rows_of(
        CsvExport(
            REPORTS["request-register"],
            date_from=None,
            date_to=None,
            display_values=True,
            use_copy=use_copy,
        )
    )
    header = codes[0]
    state = header.index("state")
    assert codes[1][state] == request.state
    assert labels[1][state] != request.state
    with translation.override("ja"):
        assert labels[1][state] == str(RequestState(request.state).label)
        assert labels[1][header.index("request_type")] == str(
            RequestType(request.request_type).label
        )
    assert labels[1][header.index("reference")] == request.reference  # not a choice: as is


@pytest.mark.django_db
def test_the_suppressions_report_lists_each_stop_with_its_recipient_request_and_recorder(staff):
    recipient = PoRecipientFactory(name="=販売会社")
    one = PoSuppressionFactory(recipient=recipient, created_by=staff, request_reference="PR-1")
    everyone = PoSuppressionFactory(recipient=None, created_by=staff)
    rows = rows_of(CsvExport(REPORTS["suppressions"], date_from=None, date_to=None))
    header, body = rows[0], {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:4] == ["suppression_id", "recorded_at", "customer_number", "all_recipients"]
    assert body[one.pk]["recipient_name"] == "'=販売会社"  # formula guard
    assert body[one.pk]["request_reference"] == "PR-1"
    assert body[one.pk]["recorded_by"] == staff.username
    assert (body[one.pk]["all_recipients"], body[everyone.pk]["all_recipients"]) == ("0", "1")


@pytest.mark.django_db
def test_a_marketing_list_is_logged_with_purpose_channel_and_row_count(client, manager):
    purpose = PurposeOfUse.objects.get(code="marketing")
    for customer in CustomerFactory.create_batch(3):
        grant(customer, purpose, Channel.EMAIL)
    client.force_login(manager)
    response = client.post(
        reverse("admin:privacyoffice_marketing_list", args=[purpose.pk, "email"]),
        {"encoding": "cp932", "header": "ja", "values": "codes"},
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("cp932")
    assert text.splitlines()[0].endswith("メールアドレス")
    assert "marketing-list_marketing_email_" in response["Content-Disposition"]
    log = ExportLog.objects.get()
    assert log.report == "marketing-list" and log.exported_by == manager
    assert log.filters["purpose"] == "marketing" and log.filters["channel"] == "email"
    assert log.row_count == 3 and log.status == "done" and log.encoding == "cp932"


@pytest.mark.django_db
def test_retrying_a_small_interrupted_export_streams_the_file_at_once(client, auditor):
    """GIVEN an interrupted export whose rows now fit under the threshold
    WHEN its creator presses Retry
    THEN the file streams at once and a new log entry names the first as retried."""
    PoConsentEventFactory.create_batch(2)
    first = ExportLogFactory(exported_by=auditor, status="interrupted", is_background=True)
    client.force_login(auditor)
    response = client.post(reverse("admin:privacyoffice_export_retry", args=[first.pk]))
    assert response.status_code == 200 and response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3  # header + two events
    again = ExportLog.objects.exclude(pk=first.pk).get()
    assert again.retry_of == first and again.status == "done" and again.row_count == 2


@pytest.mark.django_db
def test_a_retry_is_a_post_only(client, auditor):
    first = ExportLogFactory(exported_by=auditor, status="interrupted", is_background=True)
    client.force_login(auditor)
    assert (
        client.get(reverse("admin:privacyoffice_export_retry", args=[first.pk])).status_code == 405
    )
    assert ExportLog.objects.count() == 1
