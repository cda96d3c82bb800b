"""The receiving side (APPI Art. 30): receipt records, their retention, and Rule 20 identities.

Every data set taken in from a third party (a franchised dealer is a separate company, a
partner's list) is confirmed and recorded: the provider's name, address and representative, how
the provider obtained the data, the date, the people and the items. The records are kept as
long as Art. 29 records (Rules 21/25: 3 years from the record), disclosed with them (Art.
33(5)), and purged by the same nightly task. Like provision records they are append-only: the
database refuses UPDATE and DELETE (pgtrigger), except for the purge below.

After an erasure, a retained Art. 29/30 record must still identify the person (Rule 20): the
identifying items are copied to a RetainedIdentity row, apart from the anonymised profile,
until the last record they serve is purged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    AcquisitionMethod,
    Customer,
    DataReceipt,
    DataReceiptPerson,
    ProvisionRecord,
    Recipient,
    RetainedIdentity,
)
from .provision import DATA_ITEMS, retain_until

logger = logging.getLogger(__name__)

# --- Messages (tests assert these) -------------------------------------------------------------
RECEIPT_MISSING_ITEMS = _(
    "Data received from a third party needs its receipt record (APPI Art. 30); missing: %(items)s."
)
RECEIPT_UNKNOWN_ACQUISITION = _("Unknown way the provider obtained the data: %(value)s.")
RECEIPT_UNKNOWN_ITEMS = _("Unknown data items: %(items)s.")
RECEIPT_DETAIL_REQUIRED = _("Describe how the provider obtained the data.")
RECEIPT_FUTURE = _("The date of receipt cannot be in the future.")
_LABELS = {
    "provider_name": _("the provider's name"),
    "provider_address": _("the provider's address"),
    "provider_representative": _("the provider's representative"),
    "acquisition": _("how the provider obtained the data"),
    "data_items": _("the data items received"),
}
_PURGE_CHUNK = 10_000
_LOOKUP_CHUNK = 5_000


@dataclass(frozen=True)
class ReceiptDetails:
    """What Art. 30 asks the receiving side to confirm about one data set."""

    provider_name: str = ""
    provider_address: str = ""
    provider_representative: str = ""
    acquisition: str = ""
    acquisition_detail: str = ""
    data_items: list[str] = field(default_factory=list)
    includes_special_care: bool = False
    received_on: date | None = None
    provider: Recipient | None = None
    note: str = ""


def _error(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def receipt_details_validate(details: ReceiptDetails) -> None:
    """Refuse an incomplete receipt, naming every missing item."""
    missing = [
        str(label)
        for name, label in _LABELS.items()
        if not (
            getattr(details, name).strip()
            if isinstance(getattr(details, name), str)
            else getattr(details, name)
        )
    ]
    if missing:
        raise _error(RECEIPT_MISSING_ITEMS, "receipt_missing", items=", ".join(missing))
    if details.acquisition not in AcquisitionMethod.values:
        raise _error(RECEIPT_UNKNOWN_ACQUISITION, "receipt_acquisition", value=details.acquisition)
    if details.acquisition == AcquisitionMethod.OTHER and not details.acquisition_detail.strip():
        raise _error(RECEIPT_DETAIL_REQUIRED, "receipt_detail")
    unknown = sorted(set(details.data_items) - set(DATA_ITEMS))
    if unknown:
        raise _error(RECEIPT_UNKNOWN_ITEMS, "receipt_items", items=", ".join(unknown))
    if details.received_on and details.received_on > timezone.localdate():
        raise _error(RECEIPT_FUTURE, "receipt_future")


def receipt_record(
    *,
    details: ReceiptDetails,
    numbers: list[str] | None = None,
    people: QuerySet[Customer] | None = None,
    by: User | None,
) -> DataReceipt:
    """Record one receipt and its people, in the caller's transaction.

    The people are customers by number, or a queryset of them (a streamed import names its
    customers through a temporary table, never as a list in memory). They are written with one
    INSERT … SELECT on PostgreSQL (an import of 1,000,000 customers stays one statement).
    """
    receipt_details_validate(details)
    received_on = details.received_on or timezone.localdate()
    keep = retain_until(provided_on=received_on, contract_serves_as_record=False)
    with transaction.atomic():
        # Counted first: the record is append-only, so its count is written once, with it.
        groups = [people] if people is not None else _people(numbers or [])
        count = sum(group.count() for group in groups)
        receipt = DataReceipt.objects.create(
            provider=details.provider,
            provider_name=details.provider_name.strip(),
            provider_address=details.provider_address.strip(),
            provider_representative=details.provider_representative.strip(),
            acquisition=details.acquisition,
            acquisition_detail=details.acquisition_detail.strip(),
            includes_special_care=details.includes_special_care,
            received_on=received_on,
            data_items=list(details.data_items),
            person_count=count,
            retain_until=keep,
            note=details.note,
            created_by=by,
        )
        for group in groups:
            _insert_persons(receipt, group, keep)
    logger.info(
        "receipt %s recorded: %s people (user %s)", receipt.pk, count, getattr(by, "pk", None)
    )
    return receipt


def _people(numbers: list[str]) -> list[QuerySet[Customer]]:
    """The data set's customers, as few querysets as the database's parameter limit allows."""
    if connection.vendor == "postgresql":
        # One array parameter instead of 100,000 placeholders (as the import's own lookup).
        return [Customer.objects.extra(where=["number = ANY(%s)"], params=[list(numbers)])]
    # SQLite (the embedded demo) binds one placeholder per number, and caps them.
    return [
        Customer.objects.filter(number__in=numbers[start : start + _LOOKUP_CHUNK])
        for start in range(0, len(numbers), _LOOKUP_CHUNK)
    ]


def _insert_persons(receipt: DataReceipt, people: QuerySet[Customer], keep: date) -> int:
    """One INSERT … SELECT from the customers of the data set."""
    select_sql, select_params = people.order_by().values(person_id=F("pk")).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DataReceiptPerson._meta.db_table} "  # noqa: S608  # nosec B608  # table from the model, values bound
            "(receipt_id, customer_id, retain_until) "
            f"SELECT %s, sub.person_id, %s FROM ({select_sql}) AS sub",
            [receipt.pk, keep, *select_params],
        )
        return cursor.rowcount


# --- Rule 20: the identity kept with retained records ------------------------------------------
def retained_identity_keep(
    *, customer: Customer, today: date | None = None
) -> RetainedIdentity | None:
    """Before an erasure: copy the identifying items while a record about the person is kept.

    Called by the erasure service in its transaction, on the locked customer row, before the
    profile is blanked. Nothing is kept when no Art. 29/30 record about the person remains.
    """
    today = today or timezone.localdate()
    until = max(
        (
            d
            for d in (
                ProvisionRecord.objects.filter(
                    customer=customer, retain_until__gte=today
                ).aggregate(m=Max("retain_until"))["m"],
                DataReceiptPerson.objects.filter(
                    customer=customer, retain_until__gte=today
                ).aggregate(m=Max("retain_until"))["m"],
            )
            if d is not None
        ),
        default=None,
    )
    if until is None:
        return None
    identity, _created = RetainedIdentity.objects.update_or_create(
        customer=customer,
        defaults={
            "number": customer.number,
            "family_name": customer.family_name,
            "given_name": customer.given_name,
            "family_name_kana": customer.family_name_kana,
            "given_name_kana": customer.given_name_kana,
            "postal_code": customer.postal_code,
            "address": f"{customer.prefecture}{customer.address}",
            "date_of_birth": customer.date_of_birth,
            "retain_until": until,
        },
    )
    logger.info("customer %s: identity kept with retained records until %s", customer.pk, until)
    return identity


# --- Retention ---------------------------------------------------------------------------------
def receipts_purge(*, today: date | None = None) -> int:
    """Delete receipt entries and identities past their retention. Idempotent.

    On PostgreSQL the deletion is the database's own: the application role may not DELETE a
    receipt record, so it calls privacyoffice_purge_data_receipts (privacyoffice.ledgers.sql), a
    SECURITY DEFINER function that applies the rule with the database's clock, in chunks so a
    large purge does not hold one long lock. `today` serves SQLite (the demo, no triggers) only.
    """
    total = 0
    if connection.vendor == "postgresql":
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT privacyoffice_purge_data_receipts(%s)", [_PURGE_CHUNK])
                deleted = cursor.fetchone()[0]
            total += deleted
            if deleted < _PURGE_CHUNK:
                break
    else:
        today = today or timezone.localdate()
        with transaction.atomic():
            total += DataReceiptPerson.objects.filter(retain_until__lt=today).delete()[0]
            total += DataReceipt.objects.filter(
                retain_until__lt=today, persons__isnull=True
            ).delete()[0]
    today = today or timezone.localdate()
    total += RetainedIdentity.objects.filter(retain_until__lt=today).delete()[0]
    if total:
        logger.info("receipt records and kept identities purged: %s", total)
    return total
