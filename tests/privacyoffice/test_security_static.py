"""Static checks that belong to the test suite as well as to `make check`."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.security]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ["privacyoffice", "consent_app", "requests_app", "bench", "scripts"]
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)$")
EXPLAINED = re.compile(r"^\s*(B\d{3})([\s,]+B\d{3})*\s*#\s*\S.{2,}")


def _python_files():
    for folder in SOURCE_DIRS:
        yield from (PROJECT_ROOT / folder).rglob("*.py")
    yield PROJECT_ROOT / "manage.py"


def test_every_nosec_names_the_bandit_test_and_says_why():
    """`# nosec B608  # identifiers from model metadata`: a bare `# nosec` hides anything."""
    unexplained = []
    for path in _python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = NOSEC.search(line)
            if match and not EXPLAINED.match(match.group("rest")):
                unexplained.append(f"{path.relative_to(PROJECT_ROOT)}:{number}")
    assert not unexplained, "nosec without a test id and a reason: " + ", ".join(unexplained)


def test_bandit_finds_no_medium_or_high_issue():
    bandit = Path(sys.executable).parent / "bandit"
    result = subprocess.run(
        [str(bandit), "-c", "pyproject.toml", "-r", ".", "--severity-level", "medium", "-q"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]
