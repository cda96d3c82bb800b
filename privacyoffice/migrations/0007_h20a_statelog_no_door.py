"""The transition log's trigger without its door (issue 20).

The old function let any client through after `SET LOCAL privacyoffice.retention_purge = 'on'`.
No rule purges the transition log, so nothing may change or delete a row; the only exception is
privacyoffice_bypass() (privacyoffice.ledgers.sql): the owner's own seal function, which fills
the chain columns of rows inserted with triggers off.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION privacyoffice_statelog_append_only() RETURNS trigger AS $$
BEGIN
    IF privacyoffice_bypass(TG_NAME) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'privacyoffice: % on % is refused: the transition log is append-only',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

OLD = """
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
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ('privacyoffice', '0007_h19_export_interrupted_retry_values'),]

    operations = [migrations.RunPython(forwards, backwards)]
