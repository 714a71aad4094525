"""Dependencies point one way: the development tooling (``dev/``: stand-ins, stack, local
Airflow, demo) stays out of every module Airflow runs (``tests/integration/test_wheel.py``
checks the wheel), and the benchmarks and the tooling never lean on the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dev import PROJECT_ROOT

SHIPPED_SOURCES = sorted((PROJECT_ROOT / "include").rglob("*.py")) + sorted(
    (PROJECT_ROOT / "dags").glob("*.py")
)
TOOLING_SOURCES = sorted((PROJECT_ROOT / "bench").rglob("*.py")) + sorted(
    (PROJECT_ROOT / "dev").rglob("*.py")
)
PLUGIN_SOURCES = sorted((PROJECT_ROOT / "plugins").rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def _imports_from(path: Path, *packages: str) -> set[str]:
    """The modules of ``packages`` that ``path`` imports, at any level of the file."""
    return {m for m in _imported_modules(path) if m.split(".")[0] in packages}


def _params(paths: list[Path]) -> list:
    return [pytest.param(p, id=str(p.relative_to(PROJECT_ROOT))) for p in paths]


@pytest.mark.parametrize("path", _params(SHIPPED_SOURCES))
def test_shipped_code_never_imports_the_dev_tooling(path):
    """Inside functions too: the image has no ``dev`` package, so such an import would
    only fail in production."""
    assert _imports_from(path, "dev") == set()


@pytest.mark.parametrize("path", _params(TOOLING_SOURCES))
def test_benchmarks_and_dev_tooling_never_import_the_tests(path):
    """What benchmarks and the tooling share with the tests (stand-in controls, free
    ports, the stack on free ports, following DAG runs) lives in ``dev/``, beside the
    stand-ins it drives; ``tests/`` only takes from it."""
    assert _imports_from(path, "tests") == set()


@pytest.mark.parametrize("path", _params(PLUGIN_SOURCES))
def test_plugins_import_neither_dev_nor_tests(path):
    """The Airflow image loads ``plugins/`` and has neither folder."""
    assert _imports_from(path, "dev", "tests") == set()


def test_the_files_that_share_an_airflow_exist():
    """A file renamed in ``tests/`` but not in ``tests/conftest.py``'s table would run in a
    group of its own, on an Airflow of its own, in any order."""
    from tests.conftest import ONE_AIRFLOW

    named = [path for paths in ONE_AIRFLOW.values() for path in paths]
    assert [path for path in named if not (PROJECT_ROOT / path).is_file()] == []
