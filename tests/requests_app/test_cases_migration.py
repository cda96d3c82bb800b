"""Issue 13's data migration: each existing request becomes a case with one right, reference
unchanged (migrations 0012–0014, run backwards and forwards on the test database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("requests_app", "0013_h22_withheld_grounds")]
AFTER = [("requests_app", "0014_h23_request_case_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_request_becomes_a_case_with_one_right_and_its_reference():
    old = _migrate(BEFORE)
    try:
        Request = old.get_model("requests_app", "DisclosureRequest")
        received = [datetime(2025, 3, d, 1, tzinfo=UTC) for d in (1, 2, 3)]
        for number, (rtype, at) in enumerate(
            zip(("disclosure", "provision_stop", "erasure"), received, strict=True), start=1
        ):
            Request.objects.create(
                reference=f"PR-2025-{number:06d}",
                request_type=rtype,
                channel="post",
                requester_name="山田 太郎",
                received_at=at,
                legal_ground="rights_harm" if rtype != "disclosure" else "",
            )
        new = _migrate(AFTER)
        Request = new.get_model("requests_app", "DisclosureRequest")
        Case = new.get_model("requests_app", "RequestCase")
        rows = list(
            Request.objects.order_by("reference").values_list(
                "reference", "case__reference", "case__created_at", "request_type"
            )
        )
        assert rows == [
            ("PR-2025-000001", "PR-2025-000001", received[0], "disclosure"),
            ("PR-2025-000002", "PR-2025-000002", received[1], "provision_stop"),
            ("PR-2025-000003", "PR-2025-000003", received[2], "erasure"),
        ]
        assert Case.objects.count() == 3
        assert all(case.rights.count() == 1 for case in Case.objects.all())
        # Run backwards, the cases go and the requests keep their references.
        old = _migrate(BEFORE)
        assert not connection.introspection.table_names().count("requests_app_requestcase")
        Request = old.get_model("requests_app", "DisclosureRequest")
        assert sorted(Request.objects.values_list("reference", flat=True)) == [
            "PR-2025-000001",
            "PR-2025-000002",
            "PR-2025-000003",
        ]
    finally:
        # Back to the newest migrations (not only 0014): the tests after this one need them.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
