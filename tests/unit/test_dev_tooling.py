"""The development tooling (``dev/``: stand-ins, stack, local Airflow, demo) stays out of
what ships: the wheel built from the repository, and every module Airflow runs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dev import PROJECT_ROOT

SHIPPED_SOURCES = sorted((PROJECT_ROOT / "include").rglob("*.py")) + sorted(
    (PROJECT_ROOT / "dags").glob("*.py")
)


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> list[str]:
    """The files of a wheel built from a copy of the checkout, ``dev/`` included in the
    copy, as setuptools packages it (no network: the lock's setuptools builds it)."""
    source = tmp_path_factory.mktemp("checkout")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("include", "dev"):
        shutil.copytree(PROJECT_ROOT / name, source / name, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    build = ["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)]
    subprocess.run([sys.executable, "-m", "pip", *build], check=True, capture_output=True)
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_has_the_pipeline_package(wheel_files):
    assert "enrichment/crawler.py" in wheel_files
    assert "enrichment/bootstrap.py" in wheel_files


def test_the_wheel_has_no_dev_tooling(wheel_files):
    assert [f for f in wheel_files if f.startswith(("dev/", "enrichment/local"))] == []
    assert not [f for f in wheel_files if Path(f).name in ("sites.local.yaml", "demo.py")]


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
