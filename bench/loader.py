"""Synthetic data at scale, loaded with COPY.

The column list of every table is built from the model's concrete fields at run time, so a field
another engineer adds to a model is loaded too: with its default, NULL when nullable, its first
choice, or a generated value by field type. The fields that matter to the figures (names, kana,
phones, e-mails, the normalised search columns, request states and due dates, consent flags that
agree with the ledger, provision records with their retention) get realistic generators below.

Why COPY with secondary indexes dropped and FK triggers off: it is the database's own bulk path;
one INSERT per row would take hours at 6 M rows, and rebuilding an index once after the load is
several times cheaper than maintaining it row by row. The data is consistent by construction (every
foreign key points at a row loaded before it), so skipping the FK checks during the load is safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from privacyoffice.ledgers import LEDGERS
from privacyoffice.ledgers.sql import seal_function

from . import generators as gen
from .scales import Scale

logger = logging.getLogger(__name__)

# Rows written to the COPY stream per write() call: big enough to amortise the call, small
# enough to keep the loader's memory flat.
CHUNK_ROWS = 20_000
# Tables at least this big get their secondary indexes dropped during the load and rebuilt after.
REBUILD_INDEXES_FROM = 50_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = r"\N"

BENCH_USERNAME = "bench-admin"


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


@dataclass
class LoadContext:
    scale: Scale
    now: dt.datetime
    today: dt.date
    # Primary key used for a required foreign key to this model when no generator names one.
    default_pk: dict[type[models.Model], int] = field(default_factory=dict)
    # (purpose id, channel) per consent flag of a customer, in a fixed order.
    slots: list[tuple[int, str]] = field(default_factory=list)
    third_party_purpose_id: int | None = None
    email_purpose_id: int | None = None
    dealer_ids: list[int] = field(default_factory=list)
    recipient_ids: list[int] = field(default_factory=list)
    staff_ids: list[int] = field(default_factory=list)
    manager_ids: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


# --- generic per-field values ------------------------------------------------------------------
def _fallback(f: models.Field, ctx: LoadContext) -> str | Callable[[int], str]:
    """A constant COPY text for field f, or a per-row function when the value must be unique."""
    if isinstance(f, models.ForeignKey):
        if f.null:
            return NULL
        pk = ctx.default_pk.get(f.related_model)
        if pk is None:
            raise LookupError(
                f"bench loader: no value for required {f.model.__name__}.{f.name} "
                f"({f.related_model.__name__}); add a generator in bench/loader.py"
            )
        return str(pk)
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return copy_text(ctx.now if isinstance(f, models.DateTimeField) else ctx.today)
    if f.unique:
        if isinstance(f, (models.IntegerField, models.BigIntegerField)):
            return lambda i: str(i + 1)
        if isinstance(f, models.UUIDField):
            return lambda i: f"00000000-0000-4000-8000-{i:012d}"
        prefix = f.name[:4]
        length = f.max_length or 40
        return lambda i: f"{prefix}{i}"[:length]
    if f.has_default():
        value = f.get_default()
        if isinstance(f, models.JSONField):
            return copy_text(json.dumps(value))
        return copy_text(value)
    if f.null:
        return NULL
    if f.choices:
        return copy_text(f.choices[0][0])
    if isinstance(f, models.FileField):
        return ""
    if isinstance(f, models.BooleanField):
        return "f"
    if isinstance(f, (models.IntegerField, models.DecimalField, models.FloatField)):
        return "0"
    if isinstance(f, models.DateTimeField):
        return copy_text(ctx.now)
    if isinstance(f, models.DateField):
        return copy_text(ctx.today)
    if isinstance(f, models.JSONField):
        return "{}"
    if isinstance(f, (models.CharField, models.TextField)):
        return "" if f.blank else "bench"[: f.max_length or 5]
    if isinstance(f, models.DurationField):
        return "0"
    raise LookupError(
        f"bench loader: no generated value for {f.model.__name__}.{f.name} "
        f"({f.get_internal_type()}); add a generator in bench/loader.py"
    )


def copy_model(
    ctx: LoadContext,
    model: type[models.Model],
    rows: int,
    row: Callable[[int], dict[str, Any]],
    *,
    label: str | None = None,
) -> None:
    """COPY `rows` rows into model's table; row(i) names the values it generates.

    Keys are field names or attnames; every other concrete field gets a generated value.

    Row i gets primary key i + 1 unless row(i) gives one.
    """
    label = label or model._meta.label
    fields = list(model._meta.concrete_fields)
    sample = row(0) if rows else {}
    columns: list[str] = []
    plan: list[tuple[int, Any]] = []  # (kind, payload): 0 constant, 1 key of row(i), 2 per-row fn
    for f in fields:
        columns.append(connection.ops.quote_name(f.column))
        if f.attname in sample:
            plan.append((1, f.attname))
        elif f.name in sample:
            plan.append((1, f.name))
        elif f.primary_key:
            plan.append((2, lambda i: str(i + 1)))
        else:
            value = _fallback(f, ctx)
            plan.append((2, value) if callable(value) else (0, value))
    table = model._meta.db_table
    sql = f"COPY {connection.ops.quote_name(table)} ({', '.join(columns)}) FROM STDIN"

    def lines(start: int, stop: int) -> Iterator[str]:
        for i in range(start, stop):
            values = row(i)
            yield "\t".join(
                [
                    payload
                    if kind == 0
                    else copy_text(values[payload])
                    if kind == 1
                    else payload(i)
                    for kind, payload in plan
                ]
            )

    started = time.perf_counter()
    dropped = _drop_secondary_indexes(table) if rows >= REBUILD_INDEXES_FROM else []
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with (
            raw.copy(sql) as copy,
            tqdm(total=rows, desc=f"{label:<32}", unit=" rows", unit_scale=True, leave=True) as bar,
        ):
            for start in range(0, rows, CHUNK_ROWS):
                stop = min(rows, start + CHUNK_ROWS)
                copy.write("\n".join(lines(start, stop)) + "\n")
                bar.update(stop - start)
    seals = {ledger.table: seal_function(ledger) for ledger in LEDGERS}
    if table in seals:
        # Chain the rows COPY wrote with the triggers off now, before the secondary indexes
        # come back: the seal's UPDATE then maintains the primary key alone.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {seals[table]}()")  # nosec B608  # our own name
    if dropped:
        with (
            tqdm(total=len(dropped), desc=f"{label + ' indexes':<32}", leave=True) as bar,
            connection.cursor() as cursor,
        ):
            for definition in dropped:
                cursor.execute(definition)
                bar.update(1)
    _reset_sequence(model)
    ctx.timings[label] = time.perf_counter() - started
    ctx.counts[label] = rows


def _drop_secondary_indexes(table: str) -> list[str]:
    """Drop the indexes that back no constraint; returns their CREATE INDEX statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [connection.ops.quote_name(table)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def _reset_sequence(model: type[models.Model]) -> None:
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        return
    table, column = model._meta.db_table, pk.column
    with connection.cursor() as cursor:
        quoted_column, quoted_table = (connection.ops.quote_name(n) for n in (column, table))
        # Identifiers come from the model's own metadata, never from input.
        query = (
            "SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608  # nosec B608  # model metadata
            f"GREATEST((SELECT MAX({quoted_column}) FROM {quoted_table}), 1))"
        )
        cursor.execute(query, [quoted_table, column])


# --- the load ------------------------------------------------------------------------------------
def load(scale: Scale) -> LoadContext:
    """Load every table for `scale` into the empty, migrated database of the default connection."""
    now = timezone.now().replace(microsecond=0)
    ctx = LoadContext(scale=scale, now=now, today=timezone.localdate(now))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Bulk-load settings for this session only: no FK or user triggers (replica role), no
        # wait for the WAL flush per transaction, a big sort area for the index rebuilds.
        # Only a superuser may switch triggers off: as the owner role (CI's smoke run) the
        # triggers stay on and chain the rows themselves, which the tiny scale can afford.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
    try:
        _users(ctx)
        _catalogue(ctx)
        with transaction.atomic():
            _recipients(ctx)
        with transaction.atomic():
            _customers(ctx)
        with transaction.atomic():
            _consent(ctx)
        with transaction.atomic():
            _provision(ctx)
        with transaction.atomic():
            _requests(ctx)
        _seal_ledgers(ctx)
    finally:
        if superuser:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    _analyze(ctx)
    ctx.timings["total"] = time.perf_counter() - started
    return ctx


def _users(ctx: LoadContext) -> None:
    from privacyoffice import roles

    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.co.jp"},
    )
    ctx.default_pk[user_model] = admin.pk
    for prefix, role, target in (
        ("bench-staff", roles.PRIVACY_STAFF, ctx.staff_ids),
        ("bench-manager", roles.PRIVACY_MANAGER, ctx.manager_ids),
    ):
        count = 8 if prefix == "bench-staff" else 3
        group = Group.objects.filter(name=role).first()
        for n in range(count):
            user, created = user_model.objects.get_or_create(
                username=f"{prefix}-{n}",
                defaults={"is_staff": True, "email": f"{prefix}-{n}@example.co.jp"},
            )
            if created and group:
                user.groups.add(group)
            target.append(user.pk)


def _catalogue(ctx: LoadContext) -> None:
    """Purposes and the privacy notice: seeded by data migrations; created here only if absent."""
    Purpose = apps.get_model("consent_app", "PurposeOfUse")
    Notice = apps.get_model("consent_app", "PrivacyNotice")
    if not Purpose.objects.exists():
        for order, (code, ja, en, channels, third) in enumerate(
            [
                ("marketing", "商品等のご案内", "Marketing", ["post", "phone", "email"], 0),
                ("survey", "アンケート調査", "Questionnaire surveys", ["any"], 0),
                ("third_party", "第三者提供", "Provision to third parties", ["any"], 1),
            ]
        ):
            Purpose.objects.create(
                code=code,
                title_ja=ja,
                title_en=en,
                channels=channels,
                is_third_party_provision=bool(third),
                sort_order=order,
            )
    if not Notice.objects.exists():
        Notice.objects.create(
            version=1,
            effective_from=dt.date(2022, 4, 1),
            company="bench",
            purposes="bench",
            procedures="bench",
            contacts="bench",
        )
    ctx.default_pk[Notice] = Notice.objects.order_by("-version").values_list("pk", flat=True)[0]
    purposes = list(Purpose.objects.filter(active=True).order_by("sort_order", "code"))
    ctx.default_pk[Purpose] = purposes[0].pk
    for p in purposes:
        for channel in p.channels or ["any"]:
            ctx.slots.append((p.pk, channel))
            if channel == "email" and ctx.email_purpose_id is None:
                ctx.email_purpose_id = p.pk
        if p.is_third_party_provision and ctx.third_party_purpose_id is None:
            ctx.third_party_purpose_id = p.pk
    ctx.third_party_purpose_id = ctx.third_party_purpose_id or purposes[-1].pk
    # Letter templates: seeded by the letters' data migration; the same seed function otherwise.
    LetterTemplate = apps.get_model("requests_app", "LetterTemplate")
    if not LetterTemplate.objects.exists():
        try:
            from requests_app.letters.seed import seed_letter_templates
        except ImportError:
            pass
        else:
            seed_letter_templates(LetterTemplate)
    ContentType = apps.get_model("contenttypes", "ContentType")
    ctx.default_pk[ContentType] = ContentType.objects.get_for_model(
        apps.get_model("requests_app", "DisclosureRequest")
    ).pk


_CATEGORY_WORD = {"affiliate": "関連会社", "dealer": "販売店", "agreement": "提携先"}


def _recipients(ctx: LoadContext) -> None:
    Recipient = apps.get_model("consent_app", "Recipient")
    n = ctx.scale.recipients
    base = (Recipient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    categories = ["affiliate"] * 10 + ["dealer"] * 30 + ["agreement"] * 10

    def row(i: int) -> dict[str, Any]:
        category = categories[i % len(categories)]
        # A few agreements end within 60 days: the dashboard lists them.
        end_days = 30 + i if i % 10 == 0 else 400 + 30 * i
        return {
            "id": base + i,
            "name": f"ベンチ{_CATEGORY_WORD[category]}{i + 1:03d}株式会社",
            "category": category,
            # The CRM's dealer code (the customer import's dealer_code column).
            "code": f"D{i + 1:04d}" if category == "dealer" else None,
            "agreement_reference": f"AG-{i + 1:04d}",
            "agreement_start": ctx.today - dt.timedelta(days=1000),
            "agreement_end": ctx.today + dt.timedelta(days=end_days),
            "country": "US" if category == "agreement" and i % 5 == 0 else "JP",
            "data_items": ["name", "address", "phone", "email"],
            "active": True,
        }

    concrete = {f.name for f in Recipient._meta.concrete_fields}
    copy_model(ctx, Recipient, n, lambda i: {k: v for k, v in row(i).items() if k in concrete})
    ctx.recipient_ids = [base + i for i in range(n)]
    ctx.dealer_ids = [base + i for i in range(n) if categories[i % len(categories)] == "dealer"]
    ctx.default_pk[Recipient] = ctx.recipient_ids[0]


def search_columns() -> Callable[[str, str, str, str, str, str], dict[str, str]]:
    """The normalised search columns, computed by the project's own code.

    consent_app.services.customer_search_columns (which reads only the name, kana, phone and
    e-mail attributes) when it exists; otherwise the normalisers of consent_app.normalize.
    """
    from types import SimpleNamespace

    try:
        from consent_app.services import customer_search_columns
    except ImportError:
        customer_search_columns = None
    from consent_app.normalize import normalize_email, normalize_name, normalize_phone

    def columns(family: str, given: str, kana_f: str, kana_g: str, phone: str, email: str):
        if customer_search_columns is not None:
            return customer_search_columns(
                SimpleNamespace(
                    family_name=family,
                    given_name=given,
                    family_name_kana=kana_f,
                    given_name_kana=kana_g,
                    phone=phone,
                    email=email,
                )
            )
        return {
            "search_name": f"{normalize_name(family + given)}|{normalize_name(kana_f + kana_g)}",
            "search_grams": "",
            "search_phone": normalize_phone(phone),
            "search_email": normalize_email(email),
        }

    return columns


def _customers(ctx: LoadContext) -> None:
    Customer = apps.get_model("consent_app", "Customer")
    concrete = {f.name for f in Customer._meta.concrete_fields}
    columns_for = search_columns()
    dealers = ctx.dealer_ids
    erased_every = 200  # 0.5 % of customers were erased on request (tombstones)
    created_base = ctx.now - dt.timedelta(days=3650)

    def row(i: int) -> dict[str, Any]:
        created = created_base + dt.timedelta(seconds=i * 300 % (3650 * 86400))
        if i % erased_every == erased_every - 1:
            values = {
                "id": i + 1,
                "number": gen.customer_number(i),
                "family_name": "",
                "given_name": "",
                "family_name_kana": "",
                "given_name_kana": "",
                "postal_code": "",
                "prefecture": "",
                "address": "",
                "phone": "",
                "email": "",
                "date_of_birth": None,
                "preferred_language": "ja",
                "dealer": None,
                "search_name": "",
                "search_grams": "",
                "search_phone": "",
                "search_email": "",
                "erased_at": created + dt.timedelta(days=100),
                "created_at": created,
                "updated_at": created,
            }
        else:
            (family, family_kana, _), (given, given_kana, _) = gen.person(i)
            phone, email = gen.phone(i), gen.email(i)
            prefecture, address = gen.address(i)
            values = {
                "id": i + 1,
                "number": gen.customer_number(i),
                "family_name": family,
                "given_name": given,
                "family_name_kana": family_kana,
                "given_name_kana": given_kana,
                "postal_code": gen.postal_code(i),
                "prefecture": prefecture,
                "address": address,
                "phone": phone,
                "email": email,
                "date_of_birth": gen.date_of_birth(i),
                "preferred_language": "en" if i % 50 == 0 else "ja",
                "dealer": dealers[i % len(dealers)] if dealers else None,
                "erased_at": None,
                "created_at": created,
                "updated_at": created,
                **columns_for(family, given, family_kana, given_kana, phone, email),
            }
        # Only the fields the model has today (a renamed search column must not break the load).
        return {k: v for k, v in values.items() if k in concrete}

    copy_model(ctx, Customer, ctx.scale.customers, row)


# Per purpose slot: how many in a thousand granted when first asked (e-mail marketing is the
# least popular, provision to third parties the least granted of all).
_GRANT_PER_MILLE = [700, 450, 600, 500, 350, 400, 400, 400]


def consent_plan(ctx: LoadContext) -> tuple[int, int]:
    """(events per customer, slots per customer)."""
    slots = len(ctx.slots)
    per_customer = max(slots, round(ctx.scale.consent_events / max(ctx.scale.customers, 1)))
    return per_customer, slots


def _consent(ctx: LoadContext) -> None:
    Event = apps.get_model("consent_app", "ConsentEvent")
    Flag = apps.get_model("consent_app", "ConsentFlag")
    per_customer, slots = consent_plan(ctx)
    created_base = ctx.now - dt.timedelta(days=3650)
    sources = ["web", "phone", "letter", "import"]
    # Events of customer c are rows c*per_customer .. c*per_customer + per_customer - 1: the flag
    # of a slot names the last of them, with no lookup.
    cache: dict[int, list[tuple[int, str, str, int]]] = {}

    def events_of(c: int) -> list[tuple[int, str, str, int]]:
        got = cache.get(c)
        if got is None:
            cache.clear()
            got = []
            state = [""] * slots
            for k in range(per_customer):
                if k < slots:
                    grant = gen.mix(c, k) < _GRANT_PER_MILLE[k % len(_GRANT_PER_MILLE)]
                    slot, old, new, day = k, "", "granted" if grant else "withdrawn", 0
                else:
                    slot = (c + k) % slots
                    old = state[slot]
                    new = "withdrawn" if old == "granted" else "granted"
                    day = 30 * (k - slots + 1)
                state[slot] = new
                got.append((slot, old, new, day))
            cache[c] = got
        return got

    def event_row(i: int) -> dict[str, Any]:
        c, k = divmod(i, per_customer)
        slot, old, new, day = events_of(c)[k]
        purpose, channel = ctx.slots[slot]
        occurred = created_base + dt.timedelta(seconds=c * 300 % (3650 * 86400), days=day)
        return {
            "id": i + 1,
            "customer": c + 1,
            "purpose": purpose,
            "channel": channel,
            "old_state": old,
            "new_state": new,
            "occurred_at": occurred,
            "recorded_at": occurred,
            "actor": "customer",
            "recorded_by": None,
            "source": sources[(c + k) % len(sources)],
            "request_reference": "",
            # A note that starts with "=" checks the exports' formula-injection escaping at scale.
            "note": '=HYPERLINK("x")' if i % 997 == 0 else "",
        }

    copy_model(ctx, Event, ctx.scale.customers * per_customer, event_row)

    def flag_row(i: int) -> dict[str, Any]:
        c, slot = divmod(i, slots)
        events = events_of(c)
        last = max(k for k, e in enumerate(events) if e[0] == slot)
        _slot, _old, new, day = events[last]
        purpose, channel = ctx.slots[slot]
        return {
            "id": i + 1,
            "customer": c + 1,
            "purpose": purpose,
            "channel": channel,
            "state": new,
            "updated_at": created_base + dt.timedelta(seconds=c * 300 % (3650 * 86400), days=day),
            "last_event": c * per_customer + last + 1,
        }

    copy_model(ctx, Flag, ctx.scale.customers * slots, flag_row)

    # One customer in a hundred asked us to stop provision to third parties (all recipients).
    Suppression = apps.get_model("consent_app", "ProvisionSuppression")
    every = 100

    def suppression_row(i: int) -> dict[str, Any]:
        return {
            "id": i + 1,
            "customer": i * every + 7 + 1,
            "recipient": None,
            "request_reference": f"PR-2025-{i + 1:06d}",
            "note": "",
            "created_at": ctx.now - dt.timedelta(days=i % 700),
            "lifted_at": None,
        }

    copy_model(ctx, Suppression, max(ctx.scale.customers - 8, 0) // every + 1, suppression_row)


def _provision(ctx: LoadContext) -> None:
    """Past batches to the agreement parties, 50,000 records each, spread over three years."""
    Batch = apps.get_model("consent_app", "ProvisionBatch")
    Record = apps.get_model("consent_app", "ProvisionRecord")
    per_batch = 50_000
    total = ctx.scale.provision_records
    batches = max(1, -(-total // per_batch))
    n = ctx.scale.customers
    recipients = ctx.recipient_ids[-10:] or ctx.recipient_ids

    def batch_date(b: int) -> dt.date:
        return ctx.today - dt.timedelta(days=30 + (batches - b) * 1000 // batches)

    def batch_row(b: int) -> dict[str, Any]:
        return {
            "id": b + 1,
            "recipient": recipients[b % len(recipients)],
            "purpose": ctx.third_party_purpose_id,
            "provided_on": batch_date(b),
            "data_items": ["name", "address", "phone", "email"],
            "basis": "consent",
            "status": "completed",
            "customer_count": min(per_batch, total - b * per_batch),
            "file": "",
            "sha256": "0" * 64,
            "error": "",
            "created_at": ctx.now - dt.timedelta(days=30 + (batches - b) * 1000 // batches),
        }

    copy_model(ctx, Batch, batches, batch_row)

    def record_row(i: int) -> dict[str, Any]:
        b = i // per_batch
        provided = batch_date(b)
        return {
            "id": i + 1,
            "batch": b + 1,
            "recipient": recipients[b % len(recipients)],
            # A stride coprime with most sizes spreads each batch over the whole customer base.
            "customer": (i * 7919) % n + 1,
            "provided_on": provided,
            "data_items": ["name", "address", "phone", "email"],
            "basis": "consent",
            # Art. 29 retention: three years from the provision recorded.
            "retain_until": provided.replace(year=provided.year + 3)
            if not (provided.month == 2 and provided.day == 29)
            else provided.replace(year=provided.year + 3, day=28),
        }

    copy_model(ctx, Record, total, record_row)


# The share of each state per hundred requests: a fifth are open.
_STATE_MIX: list[str] = (
    ["inquiry"] * 3
    + ["form_sent"] * 4
    + ["documents_received"] * 5
    + ["verified"] * 5
    + ["response_drafted"] * 3
    + ["responded"] * 2
    + ["closed"] * 70
    + ["withdrawn"] * 4
    + ["lapsed"] * 4
)
_PATH = ["inquiry", "form_sent", "documents_received", "verified", "response_drafted", "responded"]
_TRANSITIONS = {
    "form_sent": "send_form",
    "documents_received": "receive_documents",
    "verified": "verify_identity",
    "response_drafted": "draft_response",
    "responded": "approve_and_send",
    "closed": "close",
}
REQUEST_TYPES = [
    "disclosure",
    "disclosure",
    "disclosure",
    "purpose_notice",
    "record_disclosure",
    "correction",
    "erasure",
    "erasure",
    "provision_stop",
    "provision_stop",
]


def request_state(i: int) -> str:
    return _STATE_MIX[(i * 37) % len(_STATE_MIX)]


def request_path(state: str) -> list[str]:
    """The states a request in `state` went through, after inquiry."""
    if state in _PATH:
        return _PATH[1 : _PATH.index(state) + 1]
    if state == "closed":
        return [*_PATH[1:], "closed"]
    if state == "lapsed":
        return ["form_sent", "lapsed"]
    return ["form_sent", "documents_received", "withdrawn"]  # withdrawn


def _requests(ctx: LoadContext) -> None:
    Request = apps.get_model("requests_app", "DisclosureRequest")
    scale = ctx.scale
    n = scale.requests
    open_states = {"inquiry", "form_sent", "documents_received", "verified", "response_drafted"}
    clock = {"documents_received", "verified", "response_drafted"}
    concrete = {f.name for f in Request._meta.concrete_fields}
    staff, managers = ctx.staff_ids, ctx.manager_ids

    def dates(i: int) -> tuple[str, dt.datetime, dt.date | None, dt.date | None]:
        state = request_state(i)
        if state in open_states:
            # Open requests are recent; the clock runs from the documents' arrival and the due
            # date falls around today: 1.5 % overdue, 1.5 % due today, 10 % due within 3 days.
            d = gen.mix(i, 11)
            if d < 15:
                due_in = -1 - d % 10
            elif d < 30:
                due_in = 0
            elif d < 130:
                due_in = 1 + d % 3
            else:
                due_in = 4 + d % 10
            due = ctx.today + dt.timedelta(days=due_in)
            docs = due - dt.timedelta(days=14)
            received = dt.datetime.combine(docs, dt.time(10), tzinfo=ctx.now.tzinfo) - dt.timedelta(
                days=7
            )
            if state not in clock:
                return state, received, None, None
            return state, received, docs, due
        received = ctx.now - dt.timedelta(days=40 + (i * 7) % 1060, hours=i % 9)
        docs = (received + dt.timedelta(days=7)).date()
        if state in ("lapsed",):
            return state, received, None, None
        return state, received, docs, docs + dt.timedelta(days=14)

    def row(i: int) -> dict[str, Any]:
        state, received, docs, due = dates(i)
        (family, family_kana, _), (given, given_kana, _) = gen.person(i * 13)
        customer_index = (i * 104_729) % scale.customers
        verified = state in ("verified", "response_drafted", "responded", "closed")
        responded = state in ("responded", "closed")
        request_type = REQUEST_TYPES[i % len(REQUEST_TYPES)]
        values = {
            "id": i + 1,
            "reference": f"PR-{received.year}-{i + 1:06d}",
            "case": i + 1,
            "request_type": request_type,
            "channel": ("post", "email", "web", "phone")[i % 4],
            "state": state,
            "requester_name": f"{family} {given}",
            "requester_name_kana": f"{family_kana} {given_kana}",
            "requester_postal_code": gen.postal_code(i),
            "requester_address": gen.address(i)[1],
            "requester_phone": gen.phone(i * 13),
            "requester_email": gen.email(i * 13),
            "requester_date_of_birth": gen.date_of_birth(i),
            "language": "en" if i % 50 == 0 else "ja",
            "agent_type": "appointed_agent" if i % 40 == 0 else "",
            "agent_name": "代理 人" if i % 40 == 0 else "",
            "customer": customer_index + 1 if verified else None,
            "assignee": staff[i % len(staff)] if staff else None,
            "received_at": received,
            "form_sent_at": received + dt.timedelta(days=1) if state != "inquiry" else None,
            "documents_received_on": docs,
            "due_date": due,
            "drafted_by": staff[(i + 1) % len(staff)]
            if state in ("response_drafted", "responded", "closed")
            else None,
            "approved_by": managers[i % len(managers)] if responded and managers else None,
            "responded_at": received + dt.timedelta(days=18) if responded else None,
            "closed_at": received + dt.timedelta(days=20) if state == "closed" else None,
            "disclosure_method_requested": "paper" if request_type == "disclosure" else "",
            "disclosure_method_used": "paper" if request_type == "disclosure" and responded else "",
            "fee_amount": 1000 if request_type in ("disclosure", "purpose_notice") else None,
            "fee_received_on": docs if request_type in ("disclosure", "purpose_notice") else None,
            "suspension_purpose_codes": [],
            "outcome": "fulfilled" if state in ("response_drafted", "responded", "closed") else "",
            "created_at": received,
            "updated_at": received,
        }
        return {k: v for k, v in values.items() if k in concrete}

    # Each request is its case's one right (issue 13), under the same reference and id.
    Case = apps.get_model("requests_app", "RequestCase")

    def case_row(i: int) -> dict[str, Any]:
        _state, received, _docs, _due = dates(i)
        return {"id": i + 1, "reference": f"PR-{received.year}-{i + 1:06d}", "created_at": received}

    copy_model(ctx, Case, n, case_row)
    copy_model(ctx, Request, n, row)
    ctx.counts["open requests"] = sum(request_state(i) in open_states for i in range(n))

    # The transition log (django-fsm-log), letters, identity documents, comments: what the
    # request change page shows in its timeline.
    StateLog = apps.get_model("django_fsm_log", "StateLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    request_ct = ContentType.objects.get_for_model(Request).pk
    log_index: list[tuple[int, int]] = []  # (request index, step) for each log row
    for i in range(n):
        for step in range(len(request_path(request_state(i)))):
            log_index.append((i, step))

    def log_row(j: int) -> dict[str, Any]:
        i, step = log_index[j]
        path = request_path(request_state(i))
        target = path[step]
        source = "inquiry" if step == 0 else path[step - 1]
        _state, received, _docs, _due = dates(i)
        return {
            "id": j + 1,
            "timestamp": received + dt.timedelta(days=step * 3, hours=1),
            "by": staff[i % len(staff)] if staff else None,
            "source_state": source,
            "state": target,
            "transition": _TRANSITIONS.get(target)
            or ("withdraw" if target == "withdrawn" else "lapse"),
            "content_type": request_ct,
            "object_id": i + 1,
            "description": None,
        }

    copy_model(ctx, StateLog, len(log_index), log_row, label="django_fsm_log.StateLog")

    Letter = apps.get_model("requests_app", "Letter")
    letters: list[tuple[int, str]] = []
    for i in range(n):
        path = request_path(request_state(i))
        if "form_sent" in path:
            letters.append((i, "request_form"))
        if "responded" in path:
            letters.append((i, "response"))

    def letter_row(j: int) -> dict[str, Any]:
        i, kind = letters[j]
        _state, received, _docs, _due = dates(i)
        at = received + dt.timedelta(days=1 if kind == "request_form" else 18)
        return {
            "id": j + 1,
            "request": i + 1,
            "kind": kind,
            "language": "en" if i % 50 == 0 else "ja",
            "template": None,
            "occasion": f"bench:{kind}",
            "status": "sent",
            "file": f"letters/bench/{j + 1}.pdf",
            "sha256": hashlib.sha256(str(j).encode()).hexdigest(),
            "size": 48_000,
            "page_count": 1,
            "attempts": 1,
            "error": "",
            "created_at": at,
            "queued_at": at,
            "generated_at": at,
            "sent_at": at,
            "sent_via": "post",
            "tracking_number": "",
            "sent_by": staff[i % len(staff)] if staff else None,
        }

    copy_model(ctx, Letter, len(letters), letter_row)

    Document = apps.get_model("requests_app", "IdentityDocument")
    with_docs = [i for i in range(n) if "documents_received" in request_path(request_state(i))]

    def document_row(j: int) -> dict[str, Any]:
        i = with_docs[j]
        _state, received, _docs, _due = dates(i)
        closed = request_state(i) == "closed"
        return {
            "id": j + 1,
            "request": i + 1,
            "document_type": "drivers_licence",
            "for_agent": False,
            "file": "" if closed else f"identity/bench/{j + 1}.jpg",
            "content_type": "image/jpeg",
            "size": 250_000,
            "sha256": hashlib.sha256(str(j).encode()).hexdigest(),
            "uploaded_by": staff[i % len(staff)] if staff else ctx.default_pk[get_user_model()],
            "uploaded_at": received + dt.timedelta(days=7),
            "purged_at": received + dt.timedelta(days=60) if closed else None,
        }

    copy_model(ctx, Document, len(with_docs), document_row)

    Comment = apps.get_model("requests_app", "RequestComment")
    open_ones = [i for i in range(n) if request_state(i) in open_states]

    def comment_row(j: int) -> dict[str, Any]:
        i = open_ones[j // 2]
        _state, received, _docs, _due = dates(i)
        return {
            "id": j + 1,
            "request": i + 1,
            "author": staff[(i + j) % len(staff)] if staff else ctx.default_pk[get_user_model()],
            "body": "本人確認書類を確認しました。" if j % 2 else "電話で受付。",
            "created_at": received + dt.timedelta(hours=2 + j % 2),
        }

    copy_model(ctx, Comment, 2 * len(open_ones), comment_row)


def _seal_ledgers(ctx: LoadContext) -> None:
    """Chain the rows COPY wrote with the triggers off (privacyoffice.ledgers): one set-based
    UPDATE per ledger, in id order, so verify_ledgers holds on the loaded database too."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for ledger in LEDGERS:
            cursor.execute(f"SELECT {seal_function(ledger)}()")  # nosec B608  # our own name
    ctx.timings["ledger seal"] = time.perf_counter() - started


def _analyze(ctx: LoadContext) -> None:
    """Fresh statistics (and a visibility map, so that index-only scans work) after the load."""
    started = time.perf_counter()
    labels = [label for label in ctx.counts if "." in label]
    with connection.cursor() as cursor:
        for label in tqdm(labels, desc=f"{'VACUUM ANALYZE':<32}", leave=True):
            model = apps.get_model(label)
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {table}")  # the smoke test runs inside a transaction
            else:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    ctx.timings["vacuum analyze"] = time.perf_counter() - started
