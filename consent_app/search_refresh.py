"""Recompute every customer's search columns, after the rules that fill them changed.

The search columns are derived (normalize.py): when the folding changes — a new Unihan release
in Debian's unicode-data links more kanji variants, or a new normalisation rule — rows written
before it no longer meet terms folded after it. `manage.py refresh_customer_search` rewrites
them, in batches by primary key, without touching anything else (no history entry: the
customer's own data does not change).
"""

from __future__ import annotations

import logging

from .models import Customer
from .services import SEARCH_INPUTS, search_columns

logger = logging.getLogger(__name__)

SEARCH_COLUMNS = ("search_name", "search_grams", "search_phone", "search_email")


def customer_search_columns_refresh(*, batch_size: int = 5_000) -> int:
    """Rewrite the search columns that differ from what the current rules give; returns how many.

    Erased customers keep their blank columns. Each batch is its own statement, so a million
    customers never hold one long transaction.
    """
    changed, last = 0, 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last, erased_at__isnull=True)
            .order_by("pk")
            .only("pk", *SEARCH_INPUTS, *SEARCH_COLUMNS)[:batch_size]
        )
        if not batch:
            break
        stale = []
        for customer in batch:
            fresh = search_columns(**{name: getattr(customer, name) for name in SEARCH_INPUTS})
            if any(getattr(customer, name) != value for name, value in fresh.items()):
                for name, value in fresh.items():
                    setattr(customer, name, value)
                stale.append(customer)
        if stale:
            Customer.objects.bulk_update(stale, list(SEARCH_COLUMNS))
            changed += len(stale)
        last = batch[-1].pk
    logger.info("customer search columns refreshed: %s rows changed", changed)
    return changed
