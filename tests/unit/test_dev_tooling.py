"""The development tooling (``dev/``: stand-ins, stack, local Airflow, demo) stays out of
every module Airflow runs (``tests/integration/test_wheel.py`` checks the wheel)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dev import PROJECT_ROOT

SHIPPED_SOURCES = sorted((PROJECT_ROOT / "include").rglob("*.py")) + sorted(
    (PROJECT_ROOT / "dags").glob("*.py")
)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=str(p.relative_to(PROJECT_ROOT))) for p in SHIPPED_SOURCES]
)
def test_shipped_code_never_imports_the_dev_tooling(path):
    """Inside functions too: the image has no ``dev`` package, so such an import would
    only fail in production."""
    assert {m for m in _imported_modules(path) if m.split(".")[0] == "dev"} == set()
