"""The transition log (django-fsm-log's StateLog) is append-only in PostgreSQL itself."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django_fsm_log.models import StateLog

pytestmark = [pytest.mark.security, pytest.mark.postgres]


@pytest.fixture
def log_entry(db, staff):
    return StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(staff),
        object_id=str(staff.pk),
        transition="send_form",
        source_state="inquiry",
        state="form_sent",
        by=staff,
        description="sent",
    )


def test_the_database_refuses_to_change_a_transition_log_entry(log_entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StateLog.objects.filter(pk=log_entry.pk).update(description="rewritten")
    log_entry.refresh_from_db()
    assert log_entry.description == "sent"


def test_the_database_refuses_to_delete_a_transition_log_entry(log_entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StateLog.objects.filter(pk=log_entry.pk).delete()
    assert StateLog.objects.filter(pk=log_entry.pk).exists()


def test_raw_sql_cannot_change_the_transition_log_either(log_entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE django_fsm_log_statelog SET state = 'closed' WHERE id = %s", [log_entry.pk]
        )


def test_the_old_retention_purge_setting_no_longer_opens_the_transition_log(log_entry):
    """Issue 20: `SET LOCAL privacyoffice.retention_purge` was a door any client could open."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL privacyoffice.retention_purge = 'on'")
        StateLog.objects.filter(pk=log_entry.pk).delete()
    assert StateLog.objects.filter(pk=log_entry.pk).exists()


def test_new_transition_log_entries_can_still_be_written(log_entry):
    assert StateLog.objects.filter(pk=log_entry.pk).exists()
