"""The one-way dependencies between the project's packages (README: "How the code is laid out").

`common` imports no app; `consent_app` imports neither requests_app nor incidents_app;
`requests_app` does not import incidents_app; nothing imports `privacyoffice` (the site) but its
own modules (settings, URLs and the Celery app live there). Checked on the source, so a new
import breaks the test the moment it is written, function-local imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "consent_app", "requests_app", "incidents_app", "privacyoffice")

# What each package may import of the others (itself always).
ALLOWED = {
    "common": set(),
    "consent_app": {"common"},
    "requests_app": {"common", "consent_app"},
    "incidents_app": {"common", "consent_app", "requests_app"},
    "privacyoffice": {"common", "consent_app", "requests_app", "incidents_app"},
}


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names}
    return found


def _violations(package: str) -> list[str]:
    forbidden = set(PACKAGES) - ALLOWED[package] - {package}
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in sorted(_imported_packages(path))
        if name in forbidden
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_what_the_dependency_rule_allows(package):
    assert _violations(package) == []


def test_the_check_sees_a_forbidden_import(tmp_path, monkeypatch):
    """GIVEN a module of common importing an app WHEN checked THEN it is reported."""
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "bad.py").write_text("def f():\n    from consent_app import models\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert _violations("common") == ["common/bad.py:2 imports consent_app"]
