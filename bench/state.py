"""Whether the benchmark database already holds a load of a scale (for `--reuse`)."""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

META_TABLE = "bench_meta"
_CREATE = "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)"
_SELECT = "SELECT value FROM bench_meta WHERE key = 'load'"
_UPSERT = (
    "INSERT INTO bench_meta (key, value) VALUES ('load', %s) "
    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
)


def loaded_scale_matches(url: str, scale: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(_SELECT).fetchone()
    except psycopg.Error:
        return False
    return bool(row) and row[0].get("scale") == scale


def ensure_loaded(scale: Any, out: TextIO) -> dict[str, Any]:
    """Migrate, then load unless the database already holds this scale; returns the load summary."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(_CREATE)
        cursor.execute(_SELECT)
        row = cursor.fetchone()
    if row:
        summary = row[0] if isinstance(row[0], dict) else json.loads(row[0])
        if summary.get("scale") == scale.name:
            out.write(f"bench: reusing the {scale.name} load of {summary.get('loaded_at')}\n")
            summary["reused"] = True
            return summary
    from django.utils import timezone

    from .loader import load

    out.write(f"bench: loading scale {scale.name!r} with COPY\n")
    ctx = load(scale)
    summary = {
        "scale": scale.name,
        "loaded_at": timezone.now().isoformat(),
        "load_s": round(ctx.timings["total"], 1),
        "migrate_s": round(migrate_s, 1),
        "timings_s": {k: round(v, 1) for k, v in ctx.timings.items()},
        "rows": ctx.counts,
        "reused": False,
    }
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [json.dumps(summary)])
    return summary
