"""The two locks: requirements.txt is what production runs (the Airflow image installs
exactly it), requirements-dev.txt adds the stand-ins, test, lint and lock tools under its
constraint. Shipped code must run on the runtime lock alone."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dev import PROJECT_ROOT

RUNTIME_LOCK = PROJECT_ROOT / "requirements.txt"
DEV_LOCK = PROJECT_ROOT / "requirements-dev.txt"
# Tools that have no business in an Airflow worker: the AWS stand-in and what it pulls in
# (moto's server is Flask on Werkzeug, its mocks use responses), tests, lint, locks.
DEV_TOOLS = (
    "moto",
    "pytest",
    "playwright",
    "ruff",
    "check-jsonschema",
    "uv",
    "pre-commit",
    "responses",
    "flask",
    "werkzeug",
)
SHIPPED_SOURCES = sorted((PROJECT_ROOT / "include").rglob("*.py")) + sorted(
    (PROJECT_ROOT / "dags").glob("*.py")
)
FIRST_PARTY = {"enrichment"}


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file: no comments, blanks or options."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def pins(path: Path) -> dict[str, str]:
    """Canonical package name -> pinned version of a lock."""
    locked = {}
    for line in requirement_lines(path):
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        locked[canonicalize_name(requirement.name)] = specifier.version
    return locked


RUNTIME = pins(RUNTIME_LOCK)
DEV = pins(DEV_LOCK)


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda p: p.name)
def test_every_line_of_the_lock_is_an_exact_pin(lock):
    lines = requirement_lines(lock)
    assert lines
    for line in lines:
        (specifier,) = Requirement(line).specifier
        assert specifier.operator == "==", line
        assert "*" not in specifier.version, line


def test_the_dev_lock_is_constrained_by_the_runtime_lock():
    assert (PROJECT_ROOT / "requirements-dev.in").read_text().splitlines()[0] == (
        "-c requirements.txt"
    )


def test_packages_in_both_locks_have_the_same_version():
    shared = RUNTIME.keys() & DEV.keys()
    assert shared, "the dev tools depend on runtime packages; the locks must share some"
    assert {name: (RUNTIME[name], DEV[name]) for name in shared if RUNTIME[name] != DEV[name]} == {}


@pytest.mark.parametrize("tool", DEV_TOOLS)
def test_dev_tools_are_in_the_dev_lock_only(tool):
    assert tool in DEV
    assert tool not in RUNTIME


def test_direct_dev_requirements_are_not_in_the_runtime_lock():
    direct = {
        canonicalize_name(Requirement(line).name)
        for line in requirement_lines(PROJECT_ROOT / "requirements-dev.in")
    }
    assert direct
    assert direct & RUNTIME.keys() == set()


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the shipped files importing it (inside functions too), for
    modules that are neither the standard library nor the project's own."""
    imports: dict[str, set[str]] = {}
    for path in SHIPPED_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                    imports.setdefault(top, set()).add(str(path.relative_to(PROJECT_ROOT)))
    return imports


def test_shipped_code_imports_only_what_the_runtime_lock_installs():
    """Every third-party module that include/ and dags/ import comes from a package of
    requirements.txt, so none of the dev lock's extras (moto's Flask, pytest, ...) is
    needed in production."""
    providers = packages_distributions()
    imports = _third_party_imports()
    assert {"airflow", "yaml"} <= imports.keys()
    unlocked = {
        module: sorted(files)
        for module, files in imports.items()
        if not {canonicalize_name(d) for d in providers.get(module, ())} & RUNTIME.keys()
    }
    assert unlocked == {}


def test_pre_commit_runs_the_locked_ruff():
    """The hooks fix what `make test` checks: the same ruff version."""
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {hook["id"] for hook in hooks} == {"ruff-check", "ruff-format"}
    for hook in hooks:
        assert hook["additional_dependencies"] == [f"ruff=={DEV['ruff']}"], hook["id"]
