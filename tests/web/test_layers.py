"""Pages and services do not reach into the API package: what both need lives in kiosk/web or services."""

from __future__ import annotations

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_pages_and_services_do_not_import_the_api():
    offenders = {}
    for folder in ("views", "services", "web"):
        for path in sorted((KIOSK / folder).rglob("*.py")):
            where = str(path.relative_to(KIOSK))
            api = sorted(m for m in imported_modules(path) if m == "kiosk.api" or m.startswith("kiosk.api."))
            if api:
                offenders[where] = api
    assert offenders == {}
