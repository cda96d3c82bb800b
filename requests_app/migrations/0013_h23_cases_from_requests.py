"""Cases (issue 13): each existing request becomes a case with one right, reference unchanged.

Two set-based statements, whatever the number of requests (the benchmark's 100,000 included):
one INSERT … SELECT of the cases, one UPDATE linking each request to the case of its reference
(the unique index on the case's reference serves it). The next migration makes the link
required; it runs in its own transaction (PostgreSQL refuses to alter a table with pending
deferred-constraint events in the transaction that updated it).
"""

from django.db import migrations

INSERT_CASES = (
    "INSERT INTO requests_app_requestcase (reference, created_at) "
    "SELECT reference, received_at FROM requests_app_disclosurerequest "
    "WHERE case_id IS NULL ORDER BY id"
)
LINK_POSTGRESQL = (
    "UPDATE requests_app_disclosurerequest AS r SET case_id = c.id "
    "FROM requests_app_requestcase AS c WHERE c.reference = r.reference AND r.case_id IS NULL"
)
LINK_OTHER = (
    "UPDATE requests_app_disclosurerequest SET case_id = (SELECT c.id "
    "FROM requests_app_requestcase AS c "
    "WHERE c.reference = requests_app_disclosurerequest.reference) WHERE case_id IS NULL"
)


def cases_from_requests(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(INSERT_CASES)
        cursor.execute(LINK_POSTGRESQL if connection.vendor == "postgresql" else LINK_OTHER)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0012_h23_request_case"),
    ]

    # Backwards nothing to do here: 0012's reverse drops the link and the cases' table, and every
    # request keeps its reference (a row-by-row undo took 83 s on 100,000 requests).
    operations = [migrations.RunPython(cases_from_requests, migrations.RunPython.noop)]
