"""The estimated-count paginator of the huge changelists."""

from __future__ import annotations

import pytest
from django.db import connection

from common import paginators
from common.paginators import EstimatedCountPaginator
from consent_app.models import Recipient

pytestmark = pytest.mark.postgres


def _recipients(n: int, start: int = 0) -> None:
    Recipient.objects.bulk_create(
        Recipient(name=f"r{i}", category="affiliate") for i in range(start, start + n)
    )


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Recipient._meta.db_table}")


@pytest.mark.django_db
def test_it_uses_the_planner_estimate_for_an_unfiltered_big_table(monkeypatch):
    """GIVEN statistics taken at 3 rows and 2 rows added since WHEN unfiltered THEN 3."""
    monkeypatch.setattr(paginators, "ESTIMATE_FROM_ROWS", 1)
    _recipients(3)
    _analyze()
    _recipients(2, start=3)
    paginator = EstimatedCountPaginator(Recipient.objects.order_by("pk"), 100)
    assert paginator.count == 3


@pytest.mark.django_db
def test_it_counts_a_filtered_list_exactly(monkeypatch):
    monkeypatch.setattr(paginators, "ESTIMATE_FROM_ROWS", 1)
    _recipients(3)
    _analyze()
    _recipients(2, start=3)
    queryset = Recipient.objects.filter(category="affiliate").order_by("pk")
    assert EstimatedCountPaginator(queryset, 100).count == 5


@pytest.mark.django_db
def test_it_counts_a_small_table_exactly():
    _recipients(3)
    _analyze()
    _recipients(2, start=3)
    assert EstimatedCountPaginator(Recipient.objects.order_by("pk"), 100).count == 5
