"""The transition log (django-fsm-log's StateLog) is append-only in the database.

StateLog is a third-party model, so the trigger is plain SQL here rather than a pgtrigger entry
in a model's Meta. It refuses every UPDATE and DELETE, whatever the client (the admin, a shell,
psql), unless the transaction first runs `SET LOCAL privacyoffice.retention_purge = 'on'`: the
one door a retention purge may use. PostgreSQL only; SQLite (the `make run` demo) has no trigger
and relies on the admin refusing changes.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION privacyoffice_statelog_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('privacyoffice.retention_purge', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'privacyoffice: % on % is refused: the transition log is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS privacyoffice_statelog_append_only ON django_fsm_log_statelog;
CREATE TRIGGER privacyoffice_statelog_append_only
    BEFORE UPDATE OR DELETE ON django_fsm_log_statelog
    FOR EACH ROW EXECUTE FUNCTION privacyoffice_statelog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS privacyoffice_statelog_append_only ON django_fsm_log_statelog;
DROP FUNCTION IF EXISTS privacyoffice_statelog_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("privacyoffice", "0005_staff_preference"),
        ("django_fsm_log", "0004_auto_20190131_0341"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
