"""`python -m bench --scale full|small|tiny`: load, measure, print the table, write results.json.

DATABASE_URL must name a PostgreSQL database whose name contains "bench" (the load drops and
re-creates it): the benchmark never runs against a database someone works in.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_PATH = BENCH_DIR / "results.json"

# Defaults for a benchmark process only: no second factor, lockout or HTTPS redirect in the test
# client, mail kept in memory (the deadline scan sends some), and logs quiet enough for the table.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "privacyoffice.settings",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
    "REQUIRE_2FA": "0",
    "AXES_ENABLED": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "LOG_LEVEL": "WARNING",
}


def setup_environment() -> None:
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PRIVACYOFFICE_VAR_DIR", str(BENCH_DIR.parent / "var" / "bench"))


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database (connecting to the server's `postgres` database)."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = database_name(url)
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", default="full", choices=["full", "small", "tiny"])
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data of an earlier load of the same scale"
    )
    parser.add_argument("--only", default="", help="comma-separated figure names to measure")
    parser.add_argument("--output", default=str(RESULTS_PATH))
    args = parser.parse_args(argv)

    setup_environment()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.stderr.write("bench: DATABASE_URL must point at PostgreSQL (COPY, pg_trgm, EXPLAIN)\n")
        return 2
    if "bench" not in database_name(url):
        sys.stderr.write(
            f"bench: refusing to load into {database_name(url)!r}: the load drops the database; "
            "use a database whose name contains 'bench' (e.g. privacyoffice_bench)\n"
        )
        return 2

    started = time.perf_counter()
    from . import state

    if not args.reuse or not state.loaded_scale_matches(url, args.scale):
        recreate_database(url)
    import django

    django.setup()
    from . import figures, report
    from .scales import SCALES

    scale = SCALES[args.scale]
    load_summary = state.ensure_loaded(scale, out=sys.stdout)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    results = figures.run_all(scale, only=only or None, out=sys.stdout)
    results.update(report.meta_rows(load_summary, time.perf_counter() - started, scale))
    report.write_json(results, Path(args.output))
    if Path(args.output).resolve() == RESULTS_PATH.resolve() and not only:
        # A full run's results.json is committed; the README's table is generated from it.
        from . import readme

        readme.main([])
    sys.stdout.write(report.table(results) + "\n")
    sys.stdout.write(f"results written to {args.output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
