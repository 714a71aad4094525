"""A wheel built from the repository works on its own, with only the runtime lock, and
holds none of the development tooling of ``dev/``.

The wheel is built from a copy of the sources, installed with ``requirements.txt`` into
a fresh virtualenv, and run from a directory outside the checkout: every module of the
package imports, and the configuration shipped as package data (the companies seed and
the production sites file) loads, as the bootstrap and the crawl task load it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from enrichment.bootstrap import COMPANIES_FILE, load_companies

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
# Run inside the fresh virtualenv: import everything, load the package data.
PROBE = """
import importlib, importlib.util, json, pkgutil
import enrichment
from enrichment.bootstrap import COMPANIES_FILE, load_companies
from enrichment.image_labels.sites import load_sites, sites_file
from enrichment.results_page.core import Resources

DEV_TOOLS = ("moto", "pytest", "playwright", "dev")
modules = sorted(m.name for m in pkgutil.walk_packages(enrichment.__path__, "enrichment."))
for name in modules:
    importlib.import_module(name)
print(json.dumps({
    "package": enrichment.__file__,
    "modules": modules,
    "companies": len(load_companies(COMPANIES_FILE)),
    "sites_file": str(sites_file()),
    "sites": [site.name for site in load_sites()],
    "dev_tools": [name for name in DEV_TOOLS if importlib.util.find_spec(name)],
    "templates": Resources().templates.list_templates(),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the checkout, ``dev/`` included in the copy, as
    setuptools packages it (the venv's setuptools builds it: no network)."""
    source = tmp_path_factory.mktemp("checkout")
    shutil.copy(ROOT / "pyproject.toml", source)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("include", "dev"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    build = ["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", dist, source]
    subprocess.run([sys.executable, "-m", "pip", *build], check=True, capture_output=True)
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """The python of a fresh virtualenv holding the runtime lock and the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", python, "-r", ROOT / "requirements.txt", wheel],
        check=True,
        capture_output=True,
    )
    return python


def test_wheel_holds_the_package_and_its_config_and_no_dev_tooling(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert "enrichment/bootstrap.py" in names
    assert "enrichment/image_labels/crawling.py" in names
    assert "enrichment/config/companies.yaml" in names
    assert "enrichment/config/sites.yaml" in names
    assert "enrichment/company_sentiment/athena/sentiment_csv.sql" in names
    assert "enrichment/company_sentiment/athena/sentiment_parquet.sql" in names
    assert "enrichment/results_page/templates/overview.html" in names
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"enrichment"}
    assert not [name for name in names if Path(name).name in ("sites.local.yaml", "demo.py")]


def test_installed_wheel_imports_and_loads_its_config(installed: Path, tmp_path: Path):
    env = {"PATH": str(installed.parent), "HOME": str(tmp_path)}  # no ENRICHMENT_* override
    result = subprocess.run(
        [installed, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.splitlines()[-1])

    assert probe["package"].startswith(str(installed.parents[1])), probe["package"]
    assert "enrichment.image_labels.crawling" in probe["modules"]
    assert probe["companies"] == len(load_companies(COMPANIES_FILE))
    assert probe["sites_file"].endswith("enrichment/config/sites.yaml")
    assert probe["sites"] == ["python_org"]
    assert probe["dev_tools"] == []
    templates = ROOT / "include" / "enrichment" / "results_page" / "templates"
    assert probe["templates"] == sorted(path.name for path in templates.glob("*.html"))
