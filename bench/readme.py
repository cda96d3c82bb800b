"""`python -m bench.readme`: write bench/results.json's table into bench/README.md.

The README's results table is generated, never typed: the block between BEGIN and END below is
replaced by the table of the committed results.json (`--check` exits 1, printing the difference,
when the two disagree; tests/bench/test_readme_table.py runs that check).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from .harness import Result
from .report import table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_PATH = BENCH_DIR / "results.json"
README_PATH = BENCH_DIR / "README.md"
BEGIN = "<!-- BEGIN results table: generated from bench/results.json by python -m bench.readme -->"
END = "<!-- END results table -->"
_KNOWN = {"value", "unit", "target", "ok", "status", "spread", "note"}


def results_from_json(data: dict[str, dict[str, Any]]) -> dict[str, Result]:
    """results.json read back into the rows the bench's table is written from."""
    return {
        name: Result(
            name,
            row.get("value"),
            row.get("unit", ""),
            row.get("target"),
            row.get("ok"),
            status=row.get("status", "measured"),
            stats=row.get("spread"),
            note=row.get("note", ""),
            extra={k: v for k, v in row.items() if k not in _KNOWN},
        )
        for name, row in data.items()
    }


def generated_block(data: dict[str, dict[str, Any]]) -> str:
    total = data.get("total.time", {})
    machine = data.get("machine", {}).get("machine", {})
    header = (
        f"Scale: **{total.get('note', '?')}**; measuring and loading took "
        f"{total.get('value', '?')} s. Machine: {machine.get('cpus', '?')} cores, "
        f"{machine.get('memory_gib', '?')} GiB, PostgreSQL {machine.get('postgresql', '?')}, "
        f"Python {machine.get('python', '?')}. HTTP figures: p95 in ms through gunicorn as the "
        "staff persona; the test client only in each figure's `breakdown`."
    )
    return f"{BEGIN}\n{header}\n\n{table(results_from_json(data))}\n{END}"


def rewrite(readme: str, block: str) -> str:
    if BEGIN in readme and END in readme:
        start = readme.index(BEGIN)
        end = readme.index(END) + len(END)
        return readme[:start] + block + readme[end:]
    return readme.rstrip("\n") + "\n\n## Results table (generated)\n\n" + block + "\n"


def current_block(readme: str) -> str:
    if BEGIN not in readme or END not in readme:
        return ""
    return readme[readme.index(BEGIN) : readme.index(END) + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the README disagrees")
    parser.add_argument("--results", default=str(RESULTS_PATH))
    parser.add_argument("--readme", default=str(README_PATH))
    args = parser.parse_args(argv)
    data = json.loads(Path(args.results).read_text(encoding="utf-8"))
    readme_path = Path(args.readme)
    readme = readme_path.read_text(encoding="utf-8")
    block = generated_block(data)
    if args.check:
        found = current_block(readme)
        if found == block:
            return 0
        diff = difflib.unified_diff(found.splitlines(), block.splitlines(), "README", "results")
        sys.stderr.write("\n".join(diff) + "\nRun: python -m bench.readme\n")
        return 1
    readme_path.write_text(rewrite(readme, block), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
