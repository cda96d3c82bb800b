"""The database side of the ledgers: chain triggers, TRUNCATE refusal, seal and purge functions.

Installed by `install()` after every `migrate` on PostgreSQL (post_migrate), as the role that runs
migrations, which therefore owns every function here. Idempotent: CREATE OR REPLACE throughout.

Why triggers rather than Python: the chain must hold whatever client writes the row (bulk
inserts, a psql session, a future code path), and the head of each chain must be locked by the
same statement that appends, or two transactions would both link to the same predecessor.
"""

from __future__ import annotations

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

from . import LEDGERS, Ledger

HEAD_TABLE = "privacyoffice_ledgerhead"
PURGE_TABLE = "privacyoffice_retentionpurge"
# SECURITY DEFINER functions search only trusted schemas, pg_temp last (a caller's temporary
# table must never shadow ours).
SAFE_PATH = "SET search_path = pg_catalog, public, pg_temp"
# Art. 29 records are kept at least a year after the provision (Enforcement Rules Art. 21),
# whatever retain_until a row claims: the purge function refuses anything younger.
PROVISION_MIN_RETENTION_DAYS = 365
PROVISION_PURGE_RULE = "appi_art29_retention"
RECEIPT_PURGE_RULE = "appi_art30_retention"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def content_sql(ledger: Ledger, alias: str) -> str:
    """The row's canonical content as text, the same expression in triggers and verification.

    `column=value` pairs in column-name order, joined by commas: text values quoted with
    quote_literal (so no value can fake a separator), NULLs and empty strings left out (so a
    column added later with such a default leaves old rows' hashes valid), timestamps as epoch
    microseconds and dates as ISO text (independent of the session's TimeZone and DateStyle).
    Plain concatenation: about four times cheaper per row than building a jsonb object, which
    counts when a bulk load of millions of rows is chained.
    """
    parts = []
    for field in sorted(ledger.hashed_fields(), key=lambda f: f.column):
        column = f"{alias}.{_q(field.column)}"
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            value = f"((extract(epoch FROM {column}) * 1000000)::bigint)::text"
        elif kind == "DateField":
            value = f"to_char({column}, 'YYYY-MM-DD')"
        elif kind in {"CharField", "TextField", "FileField", "SlugField", "EmailField"}:
            value = f"quote_literal(NULLIF({column}::text, ''))"
        elif kind == "JSONField":
            value = f"quote_literal({column}::jsonb::text)"
        else:
            value = f"{column}::text"
        parts.append(f"{_literal(field.column + '=')} || {value}")
    return f"concat_ws(',', {', '.join(parts)})"


_COMMON = """
CREATE OR REPLACE FUNCTION privacyoffice_chain_step(prev text, content text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT encode(sha256(convert_to(coalesce(prev, '') || content, 'UTF8')), 'hex') $$;

-- PL/pgSQL, not SQL: an aggregate calls its state function through the function manager, and
-- a SQL-language one is re-executed by the SQL function executor per row (six times slower).
CREATE OR REPLACE FUNCTION privacyoffice_chain_sfunc(state text, content text, start text)
    RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN encode(sha256(convert_to(coalesce(state, start) || content, 'UTF8')), 'hex');
END $$;

-- Running aggregate: privacyoffice_chain(content, start) OVER (ORDER BY ...) is each row's
-- chained hash, in one pass (the seal after a bulk load).
CREATE OR REPLACE AGGREGATE privacyoffice_chain(text, text)
    (SFUNC = privacyoffice_chain_sfunc, STYPE = text);

-- Only the owner, and only for the triggers named in the transaction-local setting that the
-- owner's own purge and seal functions set: the application role never passes the first test,
-- so no session setting opens anything for it.
CREATE OR REPLACE FUNCTION privacyoffice_bypass(trigger_name text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT current_user = {owner} AND trigger_name = ANY(string_to_array(
        coalesce(current_setting('privacyoffice.bypass', true), ''), ',')) $$;

-- django-pgtrigger's door (SET pgtrigger.ignore = ...) closed: its triggers ask this function,
-- which now answers like privacyoffice_bypass. pgtrigger re-creates the original whenever a
-- migration installs a trigger; this install runs after every migrate and replaces it again.
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN
    LANGUAGE sql STABLE
    AS $$ SELECT privacyoffice_bypass(trigger_name::text) $$;

CREATE OR REPLACE FUNCTION privacyoffice_ledger_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF privacyoffice_bypass(TG_NAME) THEN RETURN NEW; END IF;
    RAISE EXCEPTION 'privacyoffice: the chain columns of % are written once, at insert',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION privacyoffice_ledger_no_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF privacyoffice_bypass(TG_NAME) THEN RETURN NULL; END IF;
    RAISE EXCEPTION 'privacyoffice: TRUNCATE of % is refused: it is an append-only ledger',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# Appends, seals and purges of one ledger take turns: a transaction-level advisory lock, held
# to the end of the transaction (so no two rows claim the same predecessor, and a rolled-back
# append leaves no hole). Not a lock on the head row: updating one row once per appended row
# inside one transaction leaves a chain of row versions every later append walks (a 10,000-row
# bulk insert took 20 s); the head row is refreshed once per statement instead.
_LOCK_HEAD = """
    PERFORM pg_advisory_xact_lock(hashtext('privacyoffice_ledger:' || {table}));
    SELECT seq, hash INTO head_seq, head_hash FROM {head} WHERE ledger = {table} FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO {head} (ledger, seq, hash) VALUES ({table}, 0, '')
            ON CONFLICT (ledger) DO NOTHING;
        SELECT seq, hash INTO head_seq, head_hash FROM {head} WHERE ledger = {table} FOR UPDATE;
    END IF;
"""

# The chain's tail as this transaction sees it (its own appends included): the newest row, or
# the last run a purge removed after it. Each append remembers the tail it wrote in a
# transaction-local setting, so the next row of a bulk insert finds it with one point lookup:
# reading the newest row through the index instead walks every dead entry above the live tail,
# and a rolled-back bulk insert leaves one per row (a retried 400,000-row provision batch walked
# 400,000 dead entries per row).
#
# A remembered tail is this transaction's own: the setting and the advisory lock were taken
# together by an earlier append of it, so the lock is still held (no other transaction can have
# appended since) and nothing needs taking again; a savepoint rolled back takes both back with
# it (PostgreSQL reverts a setting and releases a lock taken inside it). The seal function,
# which appends without this trigger, forgets the remembered tail. What is still checked, one
# index probe: that row exists with that hash (a purge in the same transaction, or a value set
# by hand, falls back to the lookup). A value set by hand can do no more than fail an insert
# (its own, or a concurrent one's, when both claim the same position: the unique index lets one
# through; a client with the app's credentials can block appends by holding the advisory lock
# anyway) or break the chain where verify_ledgers finds it (a gap or a hash that does not follow).
_READ_TAIL = """
    remembered := current_setting({tail_setting}, true);
    IF remembered IS NOT NULL AND remembered ~ '^[0-9]+:[0-9a-f]{{64}}$' THEN
        head_seq := split_part(remembered, ':', 1)::bigint;
        head_hash := split_part(remembered, ':', 2);
        IF NOT EXISTS (SELECT 1 FROM {t} x WHERE x.ledger_seq = head_seq
                                               AND x.ledger_hash = head_hash) THEN
            head_seq := NULL;
            head_hash := NULL;
        END IF;
    END IF;
    IF head_seq IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('privacyoffice_ledger:' || {table}));
        SELECT x.ledger_seq, x.ledger_hash INTO head_seq, head_hash FROM {t} x
            WHERE x.ledger_seq IS NOT NULL ORDER BY x.ledger_seq DESC LIMIT 1;
        SELECT p.last_seq, p.last_hash INTO purged_seq, purged_hash FROM {purge} p
            WHERE p.ledger = {table} AND p.last_seq > coalesce(head_seq, 0)
            ORDER BY p.last_seq DESC LIMIT 1;
        IF purged_seq IS NOT NULL THEN
            head_seq := purged_seq;
            head_hash := purged_hash;
        END IF;
    END IF;
"""

_PER_LEDGER = """
ALTER TABLE {t} ADD COLUMN IF NOT EXISTS ledger_seq bigint,
                ADD COLUMN IF NOT EXISTS ledger_hash varchar(64);
-- One row per place in the chain; also the order verify_ledgers reads the chain in.
CREATE UNIQUE INDEX IF NOT EXISTS {seq_index} ON {t} (ledger_seq);

CREATE OR REPLACE FUNCTION {append_fn}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    {safe_path} AS $$
DECLARE head_seq bigint; head_hash text; purged_seq bigint; purged_hash text;
    remembered text;
BEGIN
    {read_tail}
    NEW.ledger_seq := coalesce(head_seq, 0) + 1;
    NEW.ledger_hash := privacyoffice_chain_step(coalesce(head_hash, ''), {content_new});
    PERFORM set_config({tail_setting}, NEW.ledger_seq || ':' || NEW.ledger_hash, true);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS privacyoffice_ledger_append ON {t};
CREATE TRIGGER privacyoffice_ledger_append BEFORE INSERT ON {t}
    FOR EACH ROW EXECUTE FUNCTION {append_fn}();

-- The head row follows the chain once per INSERT statement (a bulk insert updates it once).
CREATE OR REPLACE FUNCTION {head_fn}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    {safe_path} AS $$
BEGIN
    INSERT INTO {head} (ledger, seq, hash)
        SELECT {table}, x.ledger_seq, x.ledger_hash FROM {t} x
        WHERE x.ledger_seq IS NOT NULL ORDER BY x.ledger_seq DESC LIMIT 1
        ON CONFLICT (ledger) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS privacyoffice_ledger_head ON {t};
CREATE TRIGGER privacyoffice_ledger_head AFTER INSERT ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION {head_fn}();

DROP TRIGGER IF EXISTS privacyoffice_ledger_frozen ON {t};
CREATE TRIGGER privacyoffice_ledger_frozen BEFORE UPDATE OF ledger_seq, ledger_hash ON {t}
    FOR EACH ROW WHEN (NEW.ledger_seq IS DISTINCT FROM OLD.ledger_seq
                       OR NEW.ledger_hash IS DISTINCT FROM OLD.ledger_hash)
    EXECUTE FUNCTION privacyoffice_ledger_frozen();

DROP TRIGGER IF EXISTS privacyoffice_ledger_no_truncate ON {t};
CREATE TRIGGER privacyoffice_ledger_no_truncate BEFORE TRUNCATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION privacyoffice_ledger_no_truncate();

-- Chains the rows that carry no hash yet (inserted with triggers off: the benchmark's COPY, or
-- rows older than the chain), in id order after the current head. Returns how many.
CREATE OR REPLACE FUNCTION {seal_fn}() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
    {safe_path} AS $$
DECLARE head_seq bigint; head_hash text; sealed bigint;
BEGIN
    PERFORM set_config('privacyoffice.bypass', {update_triggers}, true);
    {lock_head}
    WITH chained AS (
        SELECT x.{pk} AS pk, head_seq + row_number() OVER w AS seq,
               privacyoffice_chain({content_x}, head_hash) OVER w AS hash
        FROM {t} x WHERE x.ledger_seq IS NULL WINDOW w AS (ORDER BY x.{pk}))
    UPDATE {t} AS target SET ledger_seq = chained.seq, ledger_hash = chained.hash
        FROM chained WHERE target.{pk} = chained.pk;
    GET DIAGNOSTICS sealed = ROW_COUNT;
    IF sealed > 0 THEN
        UPDATE {head} SET (seq, hash) = (
            SELECT ledger_seq, ledger_hash FROM {t} WHERE ledger_seq = head_seq + sealed)
        WHERE ledger = {table};
    END IF;
    PERFORM set_config('privacyoffice.bypass', '', true);
    -- The rows sealed here follow any tail an append of this transaction remembered.
    PERFORM set_config({tail_setting}, '', true);
    RETURN sealed;
END $$;
"""

_PURGE_PROVISION = """
-- APPI Art. 29 retention: deletes up to max_rows provision records whose retain_until has
-- passed (Japan date, the database's clock: the caller cannot move it) and that are at least
-- {min_days} days old, and records each run of consecutive chain positions it removed.
CREATE OR REPLACE FUNCTION privacyoffice_purge_provision_records(max_rows integer)
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER {safe_path} AS $$
DECLARE today date := (now() AT TIME ZONE 'Asia/Tokyo')::date; removed integer;
        head_seq bigint; head_hash text;
BEGIN
    PERFORM set_config('privacyoffice.bypass', {delete_triggers}, true);
    {lock_head}
    WITH doomed AS (
        SELECT id, ledger_seq, ledger_hash FROM {t}
        WHERE retain_until < today AND provided_on <= today - {min_days}
          AND ledger_seq IS NOT NULL
          -- Rule 21: a contract serving as the record is kept a year from the LAST provision it
          -- covers: not while a later contract record to that recipient about that person is
          -- still retained.
          AND NOT (record_method = 'contract' AND EXISTS (
              SELECT 1 FROM {t} later
              WHERE later.customer_id = {t}.customer_id AND later.recipient_id = {t}.recipient_id
                AND later.record_method = 'contract' AND later.provided_on > {t}.provided_on
                AND later.retain_until >= today))
        ORDER BY ledger_seq LIMIT greatest(max_rows, 0) FOR UPDATE),
    gone AS (
        DELETE FROM {t} p USING doomed d WHERE p.id = d.id
        RETURNING d.ledger_seq, d.ledger_hash),
    runs AS (
        SELECT ledger_seq - row_number() OVER (ORDER BY ledger_seq) AS run, ledger_seq, ledger_hash
        FROM gone),
    inserted AS (
        INSERT INTO {purge} (ledger, rule, purged_at, first_seq, last_seq, last_hash,
                             row_count, object_ids)
        SELECT {table}, {rule}, now(), min(ledger_seq), max(ledger_seq),
               (array_agg(ledger_hash ORDER BY ledger_seq DESC))[1], count(*), '[]'::jsonb
        FROM runs GROUP BY run
        RETURNING row_count)
    SELECT coalesce(sum(row_count), 0) INTO removed FROM inserted;
    PERFORM set_config('privacyoffice.bypass', '', true);
    RETURN removed;
END $$;
"""


# Deletes the rows a purge's `doomed` query selects (at most max_rows, oldest chain positions
# first) and records each run of consecutive chain positions it removed, with the hash of the
# run's last row, so the chain still verifies across the gap. Adds the count to `removed`.
_DELETE_RECORDING_RUNS = """
    WITH doomed AS (
        SELECT x.id, x.ledger_seq, x.ledger_hash FROM {t} x
        WHERE x.ledger_seq IS NOT NULL AND ({where})
        ORDER BY x.ledger_seq LIMIT greatest(max_rows, 0) FOR UPDATE),
    gone AS (
        DELETE FROM {t} p USING doomed d WHERE p.id = d.id
        RETURNING d.ledger_seq, d.ledger_hash),
    runs AS (
        SELECT ledger_seq - row_number() OVER (ORDER BY ledger_seq) AS run, ledger_seq, ledger_hash
        FROM gone),
    inserted AS (
        INSERT INTO {purge} (ledger, rule, purged_at, first_seq, last_seq, last_hash,
                             row_count, object_ids)
        SELECT {table}, {rule}, now(), min(ledger_seq), max(ledger_seq),
               (array_agg(ledger_hash ORDER BY ledger_seq DESC))[1], count(*), '[]'::jsonb
        FROM runs GROUP BY run
        RETURNING row_count)
    SELECT removed + coalesce(sum(row_count), 0) INTO removed FROM inserted;
"""

_PURGE_RECEIPTS = """
-- The receiving side's records (APPI Art. 30, Rule 25): entries whose retention has passed by the
-- database's own clock (Japan date), then the receipts left with no entry whose own retention has
-- passed. The application may call it, never DELETE from these tables. Both are chained
-- ledgers: each run removed is recorded (privacyoffice_retentionpurge) as the provision purge
-- does, so verify_ledgers still verifies them.
CREATE OR REPLACE FUNCTION privacyoffice_purge_data_receipts(max_rows integer)
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER {safe_path} AS $$
DECLARE today date := (now() AT TIME ZONE 'Asia/Tokyo')::date; removed integer := 0;
        head_seq bigint; head_hash text;
BEGIN
    PERFORM set_config('privacyoffice.bypass', {delete_triggers}, true);
    {lock_persons}
    {lock_receipts}
    {delete_persons}
    {delete_receipts}
    PERFORM set_config('privacyoffice.bypass', '', true);
    RETURN removed;
END $$;
"""


_PURGE_DOCUMENT = """
-- Which rule lets this identity document's file go now, if any: the request ended (closed,
-- withdrawn, lapsed) min_days or more days ago (IDENTITY_DOCUMENT_PURGE_DAYS), or an approved
-- erasure (APPI Art. 35) erased it. Never the file of an open request that erased nothing.
CREATE OR REPLACE FUNCTION privacyoffice_identity_document_purge_rule(
    document_id bigint, min_days integer) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER {safe_path} AS $$
    SELECT CASE
        WHEN r.request_type = 'erasure' AND r.use_measure = 'erase'
             AND r.outcome IN ('fulfilled', 'partly_fulfilled') AND r.approved_by_id IS NOT NULL
            THEN 'appi_art35_erasure'
        WHEN r.state IN ('closed', 'withdrawn', 'lapsed')
             AND r.closed_at <= now() - make_interval(days => greatest(min_days, 0))
            THEN 'identity_document_after_request_end'
        END
    FROM {documents} d JOIN {requests} r ON r.id = d.request_id
    WHERE d.id = document_id AND d.purged_at IS NULL
$$;

-- Records the purge of the file (already deleted from storage by the caller): the row keeps
-- its metadata, loses its file name, and the purge is written down. False: no rule allows it.
CREATE OR REPLACE FUNCTION privacyoffice_purge_identity_document_file(
    document_id bigint, min_days integer) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER {safe_path} AS $$
DECLARE rule text;
BEGIN
    PERFORM 1 FROM {documents} WHERE id = document_id FOR UPDATE;
    rule := privacyoffice_identity_document_purge_rule(document_id, min_days);
    IF rule IS NULL THEN RETURN false; END IF;
    UPDATE {documents} SET purged_at = now(), file = '' WHERE id = document_id;
    INSERT INTO {purge} (ledger, rule, purged_at, last_hash, row_count, object_ids)
        VALUES ({documents_literal}, rule, now(), '', 1, jsonb_build_array(document_id));
    RETURN true;
END $$;
"""


def append_function(ledger: Ledger) -> str:
    return f"privacyoffice_ledger_append__{ledger.table}"


def seal_function(ledger: Ledger) -> str:
    return f"privacyoffice_ledger_seal__{ledger.table}"


def _trigger_names(cursor, table: str, *, events: tuple[str, ...]) -> str:
    """Names of the row triggers on `table` firing on these events (pg_trigger's tgtype bits)."""
    bits = {"INSERT": 4, "DELETE": 8, "UPDATE": 16}
    mask = sum(bits[e] for e in events)
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
        " AND (tgtype::int & %s) <> 0 ORDER BY tgname",
        [_q(table), mask],
    )
    names = [row[0] for row in cursor.fetchall()]
    return _literal(",".join(names))


def install(connection: BaseDatabaseWrapper) -> None:
    """Create or refresh every ledger object; seal rows that predate the chain."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(_COMMON.replace("{owner}", _literal(owner)))
        for ledger in LEDGERS:
            table = ledger.table
            lock_head = _LOCK_HEAD.format(head=HEAD_TABLE, table=_literal(table))
            common = {
                "t": _q(table),
                "table": _literal(table),
                "head": HEAD_TABLE,
                "safe_path": SAFE_PATH,
                "lock_head": lock_head,
                "pk": _q(ledger.model_class._meta.pk.column),
            }
            # Two passes: the triggers first, then the seal function, which must know every
            # UPDATE trigger on the table (its own frozen-columns trigger included).
            first, _sep, _rest = _PER_LEDGER.partition("-- Chains the rows")
            cursor.execute(
                first.format(
                    **common,
                    seq_index=_q(f"{table[:40]}_ledger_seq"),
                    append_fn=append_function(ledger),
                    head_fn=f"privacyoffice_ledger_head__{table}",
                    read_tail=_READ_TAIL.format(
                        t=_q(table),
                        table=_literal(table),
                        purge=PURGE_TABLE,
                        tail_setting=_literal(f"privacyoffice_ledger_tail.{table}"),
                    ),
                    tail_setting=_literal(f"privacyoffice_ledger_tail.{table}"),
                    content_new=content_sql(ledger, "NEW"),
                )
            )
            update_triggers = _trigger_names(cursor, table, events=("UPDATE",))
            cursor.execute(
                ("-- Chains the rows" + _rest).format(
                    **common,
                    seal_fn=seal_function(ledger),
                    update_triggers=update_triggers,
                    tail_setting=_literal(f"privacyoffice_ledger_tail.{table}"),
                    content_x=content_sql(ledger, "x"),
                )
            )
            cursor.execute(f"SELECT {seal_function(ledger)}()")  # nosec B608  # our own name
        provision = next(ledger for ledger in LEDGERS if ledger.model.endswith(".ProvisionRecord"))
        cursor.execute(
            _PURGE_PROVISION.format(
                t=_q(provision.table),
                table=_literal(provision.table),
                head=HEAD_TABLE,
                purge=PURGE_TABLE,
                rule=_literal(PROVISION_PURGE_RULE),
                safe_path=SAFE_PATH,
                min_days=int(PROVISION_MIN_RETENTION_DAYS),
                lock_head=_LOCK_HEAD.format(head=HEAD_TABLE, table=_literal(provision.table)),
                delete_triggers=_trigger_names(cursor, provision.table, events=("DELETE",)),
            )
        )
        receipts = apps.get_model("consent_app", "DataReceipt")._meta.db_table
        persons = apps.get_model("consent_app", "DataReceiptPerson")._meta.db_table
        delete_triggers = ",".join(
            _trigger_names(cursor, table, events=("DELETE",)).strip("'")
            for table in (persons, receipts)
        )
        runs = {"purge": PURGE_TABLE, "rule": _literal(RECEIPT_PURGE_RULE)}
        cursor.execute(
            _PURGE_RECEIPTS.format(
                safe_path=SAFE_PATH,
                delete_triggers=_literal(delete_triggers),
                lock_persons=_LOCK_HEAD.format(head=HEAD_TABLE, table=_literal(persons)),
                lock_receipts=_LOCK_HEAD.format(head=HEAD_TABLE, table=_literal(receipts)),
                delete_persons=_DELETE_RECORDING_RUNS.format(
                    **runs, t=_q(persons), table=_literal(persons), where="x.retain_until < today"
                ),
                delete_receipts=_DELETE_RECORDING_RUNS.format(
                    **runs,
                    t=_q(receipts),
                    table=_literal(receipts),
                    where="x.retain_until < today AND NOT EXISTS (SELECT 1 FROM "  # noqa: S608  # nosec B608  # model metadata
                    + _q(persons)
                    + " e WHERE e.receipt_id = x.id)",
                ),
            )
        )
        documents = apps.get_model("requests_app", "IdentityDocument")._meta.db_table
        cursor.execute(
            _PURGE_DOCUMENT.format(
                safe_path=SAFE_PATH,
                documents=_q(documents),
                documents_literal=_literal(documents),
                requests=_q(apps.get_model("requests_app", "DisclosureRequest")._meta.db_table),
                purge=PURGE_TABLE,
            )
        )
