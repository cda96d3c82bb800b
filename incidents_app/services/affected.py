"""The people affected by an incident (writes): found in our own data, frozen as a snapshot.

Never typed in: a person enters the snapshot from the provision records of a recipient over a
period, from an entrustee's scope (its customer segments), from an import of customer numbers
(matched against our customers; unknown numbers are counted, never added) or from a query built
on the incident page. Erased customers are left out: their profile is a tombstone and there is
no one to notify. Each person counts once per incident (unique constraint), under the category
that found them first. Once frozen, the snapshot is the incident's record of who was affected.

A snapshot may hold a million people: each source is one INSERT … SELECT in the database
(ON CONFLICT DO NOTHING), never a loop in Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consent_app.models import Customer, ProvisionRecord, Recipient

from ..models import AffectedCategory, AffectedPerson, Entrustee, Incident, IncidentState

logger = logging.getLogger(__name__)

NO_PERMISSION = _("You are not allowed to scope the people affected.")
FROZEN = _("The people affected were frozen on %(date)s; the snapshot cannot change.")
CLOSED = _("This incident is closed.")
PERIOD_REVERSED = _("The end of the period is before its start.")
EMPTY_QUERY = _(
    "Choose at least one condition: a query without one would take every customer (scope an "
    "entrustee that handles all customers instead)."
)
ENTRUSTEE_NO_SCOPE = _(
    "This entrustee's register names no customer segment (all customers, or dealers): "
    "complete the register first."
)
IMPORT_EMPTY = _("The file holds no customer numbers.")
IMPORT_NOT_TEXT = _("The file must be a CSV or text file of customer numbers (UTF-8 or CP932).")
IMPORT_TOO_LARGE = _("The file is larger than %(mb)s MB.")
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_CHUNK = 5000


@dataclass(frozen=True)
class ScopeResult:
    added: int
    total: int
    unknown: int = 0


def _check(incident: Incident, by) -> Incident:
    if not by.has_perm("incidents_app.change_incident"):
        raise PermissionDenied(NO_PERMISSION)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.affected_frozen_at is not None:
        raise ValidationError(
            FROZEN % {"date": date_format(timezone.localtime(locked.affected_frozen_at).date())}
        )
    if locked.state == IncidentState.CLOSED:
        raise ValidationError(CLOSED)
    return locked


def _insert_select(incident: Incident, category: str, source: str, select_sql: str, params):
    """INSERT the customer ids that `select_sql` yields (column `customer_id`); returns count."""
    table = AffectedPerson._meta.db_table
    customers = Customer._meta.db_table
    sql = (
        f"INSERT INTO {table} (incident_id, customer_id, category, source, added_at) "  # noqa: S608  # nosec B608  # table names from _meta, values bound
        f"SELECT %s, found.customer_id, %s, %s, %s FROM ({select_sql}) AS found "
        f"JOIN {customers} c ON c.id = found.customer_id WHERE c.erased_at IS NULL "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [incident.pk, category, source[:200], timezone.now(), *params])
        return max(cursor.rowcount, 0)


def _finish(incident: Incident, added: int, by, what: str) -> ScopeResult:
    total = AffectedPerson.objects.filter(incident=incident).count()
    Incident.objects.filter(pk=incident.pk).update(affected_count=total)
    logger.info(
        "incident %s: %s people added from %s by user %s (total %s)",
        incident.pk,
        added,
        what,
        by.pk,
        total,
    )
    return ScopeResult(added=added, total=total)


def affected_add_from_provisions(
    *, incident: Incident, by, recipient: Recipient, date_from: dt.date, date_to: dt.date
) -> ScopeResult:
    """Everyone whose data was provided to `recipient` between the two days (Art. 29 records)."""
    if date_to < date_from:
        raise ValidationError({"date_to": [ValidationError(PERIOD_REVERSED)]})
    records = ProvisionRecord._meta.db_table
    with transaction.atomic():
        locked = _check(incident, by)
        added = _insert_select(
            locked,
            AffectedCategory.PROVISION,
            f"recipient {recipient.pk} {date_from.isoformat()}..{date_to.isoformat()}",
            f"SELECT DISTINCT customer_id FROM {records} "  # noqa: S608  # nosec B608  # _meta table name
            "WHERE recipient_id = %s AND provided_on >= %s AND provided_on <= %s",
            [recipient.pk, date_from, date_to],
        )
        return _finish(locked, added, by, "provision records")


def affected_add_from_entrustee(*, incident: Incident, by, entrustee: Entrustee) -> ScopeResult:
    """The customers in the entrustee's register scope (all customers, or its dealers')."""
    customers = Customer._meta.db_table
    dealer_ids = list(entrustee.dealers.values_list("pk", flat=True))
    if not entrustee.all_customers and not dealer_ids:
        raise ValidationError(ENTRUSTEE_NO_SCOPE)
    if entrustee.all_customers:
        select, params = f"SELECT id AS customer_id FROM {customers}", []  # noqa: S608  # nosec B608  # _meta table name
    else:
        marks = ", ".join(["%s"] * len(dealer_ids))
        select = f"SELECT id AS customer_id FROM {customers} WHERE dealer_id IN ({marks})"  # noqa: S608  # nosec B608  # _meta table name, values bound
        params = dealer_ids
    with transaction.atomic():
        locked = _check(incident, by)
        added = _insert_select(
            locked, AffectedCategory.ENTRUSTEE, f"entrustee {entrustee.pk}", select, params
        )
        return _finish(locked, added, by, "entrustee scope")


def affected_add_from_query(
    *,
    incident: Incident,
    by,
    dealer: Recipient | None = None,
    prefecture: str = "",
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> ScopeResult:
    """Customers matching the conditions built on the incident page (at least one)."""
    conditions: list[str] = []
    params: list[Any] = []
    described: list[str] = []
    if dealer is not None:
        conditions.append("dealer_id = %s")
        params.append(dealer.pk)
        described.append(f"dealer {dealer.pk}")
    if prefecture.strip():
        conditions.append("prefecture = %s")
        params.append(prefecture.strip())
        described.append("prefecture")
    tz = timezone.get_current_timezone()
    if created_from:
        conditions.append("created_at >= %s")
        params.append(dt.datetime.combine(created_from, dt.time.min, tzinfo=tz))
        described.append(f"from {created_from.isoformat()}")
    if created_to:
        conditions.append("created_at < %s")
        params.append(
            dt.datetime.combine(created_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
        described.append(f"to {created_to.isoformat()}")
    if not conditions:
        raise ValidationError(EMPTY_QUERY)
    if created_from and created_to and created_to < created_from:
        raise ValidationError({"created_to": [ValidationError(PERIOD_REVERSED)]})
    customers = Customer._meta.db_table
    select = f"SELECT id AS customer_id FROM {customers} WHERE " + " AND ".join(conditions)  # noqa: S608  # nosec B608  # fixed condition strings, values bound
    with transaction.atomic():
        locked = _check(incident, by)
        added = _insert_select(
            locked, AffectedCategory.QUERY, "query " + ", ".join(described), select, params
        )
        return _finish(locked, added, by, "query")


def _read_numbers(upload) -> list[str]:
    size = getattr(upload, "size", None)
    if size is not None and size > IMPORT_MAX_BYTES:
        raise ValidationError(IMPORT_TOO_LARGE % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)})
    raw = upload.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise ValidationError(IMPORT_TOO_LARGE % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)})
    if b"\x00" in raw:
        raise ValidationError(IMPORT_NOT_TEXT)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(IMPORT_NOT_TEXT)
    numbers = []
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        value = row[0].strip()
        if value and value.lower() not in {"customer_number", "顧客番号"}:
            numbers.append(value[:20])
    if not numbers:
        raise ValidationError(IMPORT_EMPTY)
    return list(dict.fromkeys(numbers))


def affected_add_from_import(*, incident: Incident, by, upload) -> ScopeResult:
    """Customer numbers from a file (first column), matched against our customers only."""
    numbers = _read_numbers(upload)
    with transaction.atomic():
        locked = _check(incident, by)
        before = AffectedPerson.objects.filter(incident=locked).count()
        found = 0
        for start in range(0, len(numbers), IMPORT_CHUNK):
            chunk = numbers[start : start + IMPORT_CHUNK]
            ids = list(
                Customer.objects.filter(number__in=chunk, erased_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
            found += len(ids)
            AffectedPerson.objects.bulk_create(
                [
                    AffectedPerson(
                        incident=locked,
                        customer_id=pk,
                        category=AffectedCategory.IMPORT,
                        source="import",
                    )
                    for pk in ids
                ],
                ignore_conflicts=True,
                batch_size=IMPORT_CHUNK,
            )
        # bulk_create with ignore_conflicts cannot say which rows existed: count instead.
        added = AffectedPerson.objects.filter(incident=locked).count() - before
        result = _finish(locked, added, by, "import")
    return ScopeResult(added=result.added, total=result.total, unknown=len(numbers) - found)


def affected_freeze(*, incident: Incident, by) -> Incident:
    """Freeze the snapshot: from now on it is the record of who was affected."""
    with transaction.atomic():
        locked = _check(incident, by)
        total = AffectedPerson.objects.filter(incident=locked).count()
        Incident.objects.filter(pk=locked.pk, affected_frozen_at__isnull=True).update(
            affected_frozen_at=timezone.now(), affected_frozen_by=by, affected_count=total
        )
    locked.refresh_from_db()
    logger.info("incident %s: %s affected people frozen by user %s", locked.pk, total, by.pk)
    return locked
