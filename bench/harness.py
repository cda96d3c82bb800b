"""Timing, side-by-side ratios, peak-RSS measurement in a child process, and result rows."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stats:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def as_dict(self, digits: int = 3) -> dict[str, Any]:
        return {
            "median": round(self.median, digits),
            "min": round(self.low, digits),
            "max": round(self.high, digits),
            "runs": len(self.values),
        }


def timed(fn: Callable[[], Any], runs: int, warmup: int = 1) -> Stats:
    """Wall time of fn() in seconds, `runs` times after `warmup` untimed calls (warm caches)."""
    for _ in range(warmup):
        fn()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        values.append(time.perf_counter() - started)
    return Stats(values)


@dataclass
class Result:
    """One row of the results table (and one key of results.json)."""

    name: str
    value: Any
    unit: str
    target: str | None
    ok: bool | None
    status: str = "measured"  # measured | missing | error | info
    stats: dict[str, Any] | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "ok": self.ok,
            "status": self.status,
        }
        if self.stats:
            out["spread"] = self.stats
        if self.note:
            out["note"] = self.note
        out.update(self.extra)
        return out


def missing(name: str, unit: str, target: str, reason: str) -> Result:
    """A figure whose feature does not exist (yet): never a number, never ok."""
    return Result(name, None, unit, target, False, status="missing", note=reason)


def failed(name: str, unit: str, target: str, reason: str) -> Result:
    return Result(name, None, unit, target, False, status="error", note=reason)


# --- peak RSS of a child process -----------------------------------------------------------------
def _status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise LookupError(key)


class PeakRss:
    """Peak resident memory growth (MB) of this process over a block of code.

    The kernel's high-water mark (VmHWM) is reset at the start (clear_refs 5), so what was
    allocated before (Django, imports) does not hide or inflate the growth of the block.
    """

    def __enter__(self) -> PeakRss:
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
        except OSError:
            pass
        self.start_kb = _status_kb("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak_kb = _status_kb("VmHWM")

    @property
    def growth_mb(self) -> float:
        return max(0.0, (self.peak_kb - self.start_kb) / 1024)


def run_child(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run `bench.child` task in a fresh Python process (its own peak RSS); returns its JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "bench.child", task, json.dumps(kwargs)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-12:]
        raise RuntimeError(f"child {task} failed: " + " | ".join(tail))
    return json.loads(completed.stdout.strip().splitlines()[-1])
