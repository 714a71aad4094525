"""The shape of the code, read from its imports: which rooms may lean on which.

Every import is read with ``ast`` (those inside functions and under ``TYPE_CHECKING``
included: a cycle hidden in a function is still a cycle), so the rules hold for the code
as written, whatever is imported at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from dev import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "include" / "enrichment"
# Sub-packages that run pipelines, and the one that draws them in the UI.
PIPELINES = ("company_sentiment", "company_review", "image_labels", "wikipedia")
UI = "results_page"
# Airflow modules that are not its public interface for DAG and plugin authors.
NON_PUBLIC_AIRFLOW = (
    "airflow.sdk.execution_time",
    "airflow.sdk.api",
    "airflow.models",
    "airflow.configuration",
    "airflow.utils",
    "airflow._shared",
    "airflow.jobs",
    "airflow.api_fastapi",
    "airflow.settings",
)
# The files that may use them, each with a docstring saying what it relies on and a test
# of the Airflow version it was written for (tests/unit/test_airflow_internals.py).
SEAMS = {
    "include/enrichment/company_sentiment/triggerer_internals.py",
    "include/enrichment/results_page/api_server_internals.py",
}
MAX_SEAMS = 4
MAX_MODULE_LINES = 400


def python_files(*folders: str) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def module_name(path: Path) -> str:
    """``enrichment.wikipedia.client`` for include/enrichment/wikipedia/client.py,
    ``dev.stack`` for dev/stack.py."""
    root = PROJECT_ROOT / "include" if path.is_relative_to(PACKAGE) else PROJECT_ROOT
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> Iterator[str]:
    """Every name ``path`` imports, anywhere in it: ``import a.b`` gives ``a.b``, ``from a
    import b`` gives ``a.b`` (``b`` may be a module or a name in ``a``)."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            yield from (f"{base}.{alias.name}" for alias in node.names)


def resolved(name: str, modules: set[str]) -> str | None:
    """The module of ``modules`` an imported name is, or is in (None: not one of them)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def room(module: str) -> str | None:
    """The part of the package a module belongs to: ``company_sentiment`` for
    ``enrichment.company_sentiment.rows``, ``aws`` for ``enrichment.aws``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "enrichment" and len(parts) > 1 else None


def graph(files: list[Path], node) -> dict[str, set[str]]:
    """Edges between ``node(module)`` names: for every file, to the modules it imports
    (imports of a node by itself left out)."""
    modules = {module_name(path) for path in files}
    edges: dict[str, set[str]] = {}
    for path in files:
        source = node(module_name(path))
        if source is None:
            continue
        targets = {node(found) for name in imported(path) if (found := resolved(name, modules))}
        edges.setdefault(source, set()).update(targets - {source, None})
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in sorted(edges.get(name, ())):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return found


def test_pipelines_never_import_the_results_pages():
    leaning = {
        str(path.relative_to(PROJECT_ROOT)): sorted(
            name for name in imported(path) if room(name) == UI
        )
        for path in python_files("include")
        if room(module_name(path)) != UI
    }
    assert {path: names for path, names in leaning.items() if names} == {}


def test_the_package_has_no_cycle_between_its_rooms():
    """Sub-packages and the shared modules beside them; a cycle means a type or a helper
    sits in the wrong room."""
    assert cycles(graph(python_files("include"), room)) == []


def test_no_module_of_the_package_imports_another_in_a_cycle():
    assert cycles(graph(python_files("include"), lambda module: module)) == []


def test_airflow_internals_are_used_only_by_the_seams():
    users = {
        str(path.relative_to(PROJECT_ROOT))
        for path in python_files("include", "plugins")
        if any(name.startswith(NON_PUBLIC_AIRFLOW) for name in imported(path))
    }
    assert users <= SEAMS, f"beyond the seams: {sorted(users - SEAMS)}"
    assert len(SEAMS) <= MAX_SEAMS


@pytest.mark.parametrize(
    "path", python_files("include"), ids=lambda path: str(path.relative_to(PACKAGE))
)
def test_no_module_of_the_package_is_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_the_package_imports_nothing_of_dev_tests_or_bench():
    leaning = {
        str(path.relative_to(PROJECT_ROOT)): name
        for path in python_files("include", "plugins", "dags")
        for name in imported(path)
        if name.split(".")[0] in ("dev", "tests", "bench")
    }
    assert leaning == {}


def test_no_test_file_imports_a_test_module():
    leaning = {
        str(path.relative_to(PROJECT_ROOT)): name
        for path in python_files("tests")
        for name in imported(path)
        if name.startswith("tests.") and any(part.startswith("test_") for part in name.split("."))
    }
    assert leaning == {}


def test_dev_tooling_has_no_import_cycle():
    assert cycles(graph(python_files("dev"), lambda module: module)) == []


def test_benchmarks_and_dev_tooling_never_import_tests():
    leaning = {
        str(path.relative_to(PROJECT_ROOT)): name
        for path in python_files("dev", "bench")
        for name in imported(path)
        if name.split(".")[0] == "tests"
    }
    assert leaning == {}
