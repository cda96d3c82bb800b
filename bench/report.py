"""The results table (stdout, README) and results.json."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from .harness import Result
from .scales import Scale


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(total_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average": os.getloadavg(),
    }


def meta_rows(load: dict[str, Any], total_s: float, scale: Scale) -> dict[str, Result]:
    rows = load.get("rows", {})
    load_note = ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in rows.items())
    return {
        "load.time": Result(
            "load.time",
            load.get("load_s"),
            "s",
            None,
            None,
            status="info",
            note=("reused an earlier load; " if load.get("reused") else "") + load_note,
            extra={"timings_s": load.get("timings_s", {})},
        ),
        "total.time": Result(
            "total.time", round(total_s, 1), "s", None, None, status="info", note=scale.name
        ),
        "machine": Result(
            "machine", None, "", None, None, status="info", extra={"machine": machine()}
        ),
    }


def write_json(results: dict[str, Result], path: Path) -> None:
    path.write_text(
        json.dumps({k: v.as_json() for k, v in results.items()}, ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def table(results: dict[str, Result]) -> str:
    """A Markdown table: figure, value, unit, spread (min–max over runs), target, verdict."""
    lines = [
        "| figure | value (median) | unit | min–max (runs) | target | ok | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in results.items():
        if name == "machine":
            continue
        spread = ""
        if row.stats:
            spread = f"{_cell(row.stats['min'])}–{_cell(row.stats['max'])} ({row.stats['runs']})"
        verdict = {True: "yes", False: "**NO**", None: ""}[row.ok]
        if row.status in ("missing", "error"):
            verdict = f"**{row.status.upper()}**"
        note = f" — {row.note}" if row.note else ""
        if row.extra.get("process_cpu_ms") is not None:
            # Load-independent view of a page: our CPU per request and the database's time.
            note += (
                f" [process CPU {row.extra['process_cpu_ms']} ms, DB {row.extra.get('db_ms')} ms]"
            )
        if row.extra.get("process_cpu_s") is not None:
            note += f" [process CPU {row.extra['process_cpu_s']} s per run]"
        lines.append(
            f"| {name} | {_cell(row.value)} | {row.unit} | {spread} | {row.target or ''} "
            f"| {verdict}{note} | {row.extra.get('load_average_1min', '')} |"
        )
    return "\n".join(lines)


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
    except OSError:
        return ""
