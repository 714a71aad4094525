"""The Amazon MWAA package (``dev/mwaa_package.py``, ``make mwaa-package``): the files it
writes, that ``plugins.zip`` works with nothing else on the path, and that
``requirements.txt`` installs under Airflow 3.3.1's constraints on Python 3.12 beside the
Airflow and providers of MWAA's image.

The package is built into a temporary directory. Its imports are checked in fresh
interpreters (``python -I``: no ``PYTHONPATH``, no user site, no current directory) whose
``sys.path`` is the zip (or the folder MWAA unzips it into) and the interpreter's
site-packages, with the checkout's ``include/`` taken out (the project's virtualenv has it
through the editable install): first the project's virtualenv (Airflow 3.3.2, Python
3.11), then a fresh one with pyenv's Python 3.12, Airflow 3.3.1, the providers of MWAA's
image and the package's ``requirements.txt``, installed as ``dev/mwaa_local.py`` installs
them (uv, under ``deploy/mwaa/constraints-3.3.1-python-3.12.txt`` in place of the
constraint URL: no GitHub from here). Each DAG end to end on that stack:
``tests/e2e/mwaa/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from dev import mwaa_local, mwaa_package
from dev.mwaa_package import AIRFLOW_VERSION, CONSTRAINT_URL

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "include" / "enrichment"
DAG_IDS = ["company_review", "company_sentiment", "image_labels"]

# Run with `python -I -c PROBE <path entry> <dags folder> [plugins]`: the path entry (the
# zip, or the folder it was unzipped into) first on sys.path and no copy of the package or
# the plugin anywhere else; with "plugins", Airflow loads its plugins folder too.
PROBE = """
import importlib, importlib.metadata, json, os, pkgutil, sys
entry, dags, *load_plugins = sys.argv[1:]
inside = entry.rstrip("/") + "/"
def holds_ours(path):
    return any(os.path.exists(os.path.join(path, name))
               for name in ("enrichment", "enrichment_results.py"))
sys.path[:] = [entry] + [p for p in sys.path if not (os.path.isdir(p) and holds_ours(p))]
import operator as stdlib_operator

import enrichment.company_sentiment.trigger, enrichment.results_page, enrichment_results
import enrichment
modules = sorted(m.name for m in pkgutil.walk_packages(enrichment.__path__, "enrichment."))
for name in modules:
    importlib.import_module(name)
from enrichment.bootstrap import COMPANIES_FILE, load_companies
from enrichment.image_labels.sites import load_sites
from enrichment.results_page.core import Resources
templates = Resources().templates

from airflow.configuration import conf
from airflow.dag_processing.dagbag import DagBag
dagbag = DagBag(dag_folder=dags)
with open(os.path.join(os.path.dirname(dags), "airflow-configuration-options.json")) as file:
    options = json.load(file)
plugins = errors = None
if load_plugins:
    from airflow import plugins_manager
    plugins_manager.ensure_plugins_loaded()
    plugins = sorted(p["name"] for p in plugins_manager.get_plugin_info())
    errors = plugins_manager.get_import_errors()
import operator
ours = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())
        if n.split(".")[0] in ("enrichment", "enrichment_results")}
print(json.dumps({
    "python": "%d.%d" % sys.version_info[:2],
    "versions": {d: importlib.metadata.version(d) for d in (
        "apache-airflow", "apache-airflow-providers-amazon", "apache-airflow-providers-standard",
        "pandas", "pyarrow", "pillow", "mwparserfromhell")},
    "modules": modules,
    "elsewhere": sorted(n for n, f in ours.items() if not (f or "").startswith(inside)),
    "stray": sorted(n for n, m in list(sys.modules.items())
                    if (getattr(m, "__file__", None) or "").startswith(inside)
                    and n.split(".")[0] not in ("enrichment", "enrichment_results")),
    "companies": len(load_companies(COMPANIES_FILE)),
    "sites": [site.name for site in load_sites()],
    "template": templates.get_template("overview.html").name,
    "dag_ids": sorted(dagbag.dag_ids),
    "import_errors": {k: v[-500:] for k, v in dagbag.import_errors.items()},
    "plugins": plugins,
    "plugin_errors": errors,
    "unknown_options": [key for key in options if not conf.has_option(*key.split("."))],
    "stdlib_operator": operator is stdlib_operator and hasattr(operator, "itemgetter"),
}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> mwaa_package.Package:
    return mwaa_package.build(tmp_path_factory.mktemp("mwaa"))


@pytest.fixture(scope="module")
def unzipped(package, tmp_path_factory) -> Path:
    """The plugins folder MWAA makes of plugins.zip."""
    folder = tmp_path_factory.mktemp("plugins")
    with zipfile.ZipFile(package.plugins_zip) as archive:
        archive.extractall(folder)
    return folder


def probe(python: Path, entry: Path, package, home: Path, plugins: Path | None = None) -> dict:
    """Run PROBE in a fresh interpreter with a minimal environment (no ENRICHMENT_*: the
    production defaults, the result deadline on); ``plugins``: Airflow's plugins folder,
    loaded (otherwise an empty one)."""
    (home / "no-plugins").mkdir(exist_ok=True)
    env = {
        "PATH": f"{python.parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(home),
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(package.out / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins or home / "no-plugins"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [python, "-I", "-c", PROBE, entry, package.out / "dags", *(["plugins"] if plugins else [])],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.splitlines()[-1])


def assert_works_alone(found: dict, plugins_loaded: bool) -> None:
    assert found["elsewhere"] == []
    assert "enrichment.company_sentiment.trigger" in found["modules"]
    assert found["companies"] > 0
    assert found["sites"] == ["python_org"]
    assert found["template"] == "overview.html"
    assert found["dag_ids"] == DAG_IDS
    assert found["import_errors"] == {}
    assert found["stray"] == []
    assert found["stdlib_operator"] is True
    assert found["unknown_options"] == []
    if plugins_loaded:
        assert found["plugins"] == ["enrichment_results"]
        assert found["plugin_errors"] == {}


def test_the_package_has_the_dags_the_zip_the_requirements_and_the_options(package):
    assert [path.name for path in package.dags] == [f"{dag_id}.py" for dag_id in DAG_IDS]
    for path in package.dags:
        assert path.read_bytes() == (ROOT / "dags" / path.name).read_bytes()
    assert sorted(path.name for path in package.out.iterdir()) == [
        "airflow-configuration-options.json",
        "dags",
        "plugins.zip",
        "requirements.txt",
    ]


def expected_zip_names() -> set[str]:
    """The plugin, the .airflowignore, every module of the package and the data files its
    modules read: the sites file, the companies seed, the results pages' templates."""
    names = {"enrichment_results.py", ".airflowignore"}
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE)
        folder = relative.parent.as_posix()
        read = path.suffix == ".py" or (folder == "config" and path.suffix == ".yaml")
        read |= folder == "results_page/templates"
        if path.is_file() and "__pycache__" not in relative.parts and read:
            names.add(f"enrichment/{relative.as_posix()}")
    return names


def test_plugins_zip_holds_the_plugin_and_the_package_at_its_root_and_nothing_else(package):
    with zipfile.ZipFile(package.plugins_zip) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert set(names) == expected_zip_names()
        assert archive.read(".airflowignore") == b"enrichment/\n"
        assert (
            archive.read("enrichment_results.py")
            == (ROOT / "plugins/enrichment_results.py").read_bytes()
        )
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}
    assert not [name for name in names if name.endswith((".pyc", ".sql")) or "__pycache__" in name]


def test_every_data_file_of_the_package_is_shipped_or_left_out_on_purpose():
    """pyproject's package data is what plugins.zip ships plus what no module reads, and
    the package holds no other data file: a new one must be placed in one of the two."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = pyproject["tool"]["setuptools"]["package-data"]["enrichment"]
    shipped, left_out = mwaa_package.PACKAGE_DATA, mwaa_package.PACKAGE_DATA_LEFT_OUT
    assert sorted(package_data) == sorted([*shipped, *left_out])
    data = {p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")}
    assert data == {p for pattern in package_data for p in PACKAGE.glob(pattern)}


def test_two_builds_are_byte_identical(package, tmp_path):
    again = mwaa_package.build(tmp_path / "again")
    for first in sorted(package.out.rglob("*")):
        if first.is_file():
            second = again.out / first.relative_to(package.out)
            assert second.read_bytes() == first.read_bytes(), first.name


def test_requirements_list_what_mwaa_lacks_pinned_only_where_the_constraints_are_not(package):
    lines = package.requirements.read_text().splitlines()
    assert lines[0] == f'--constraint "{CONSTRAINT_URL}"'
    assert CONSTRAINT_URL.endswith("/constraints-3.3.1/constraints-3.12.txt")
    listed = dict(line.partition("==")[::2] for line in lines[1:])
    # pandas and pyarrow: Airflow's constraints pin them; mwparserfromhell and pillow: not
    # pinned there, so the runtime lock's versions.
    assert listed == {
        "pandas": "",
        "pyarrow": "",
        "mwparserfromhell": mwaa_package.locked_versions()["mwparserfromhell"],
        "pillow": mwaa_package.locked_versions()["pillow"],
    }
    pins = mwaa_package.airflow_constraints()
    assert all((name in pins) == (version == "") for name, version in listed.items())
    for requirement in mwaa_package.runtime_requirements():
        name = requirement.name.lower()
        assert (name in listed) == (mwaa_package.why_not_listed(name) is None), name
    assert not [n for n in listed if n.startswith("apache-airflow") or n in ("celery", "flower")]


def test_configuration_options_are_the_deployment_files_settings_mwaa_takes(package):
    options = json.loads(package.configuration_options.read_text())
    settings = mwaa_package.deployment_settings()
    assert set(settings) == set(mwaa_package.TAKEN) | set(mwaa_package.LEFT_OUT)
    assert options == {key: settings[key] for key in sorted(mwaa_package.TAKEN)}
    assert options["scheduler.task_instance_heartbeat_timeout"] == "60"
    assert options["secrets.backend"].endswith("secrets_manager.SecretsManagerBackend")
    assert json.loads(options["secrets.backend_kwargs"])["connections_prefix"] == (
        "airflow/connections"
    )
    sections = {key.split(".")[0] for key in options}
    assert not sections & {"logging", "database", "celery", "celery_broker_transport_options"}
    never = {"core.executor", "workers.secrets_backend", "scheduler.task_queued_timeout"}
    assert not never & set(options)
    # Each is an option of Airflow's configuration: PROBE asks each Airflow it runs on.


def test_plugins_zip_alone_imports_and_parses_the_dags(package, tmp_path):
    """The project's virtualenv, the zip on sys.path (Python reads it with zipimport)."""
    found = probe(Path(sys.executable), package.plugins_zip, package, tmp_path)
    assert_works_alone(found, plugins_loaded=False)


def test_unzipped_as_mwaa_does_airflow_loads_the_one_plugin(package, unzipped, tmp_path):
    """MWAA's layout: the folder on sys.path and as Airflow's plugins folder. The loader
    runs every .py file under it as a top-level module, so without the .airflowignore
    enrichment/company_review/operator.py would become `operator`."""
    found = probe(Path(sys.executable), unzipped, package, tmp_path, plugins=unzipped)
    assert_works_alone(found, plugins_loaded=True)


@pytest.fixture(scope="module")
def mwaa_venv(package, tmp_path_factory) -> Path:
    """A fresh virtualenv as MWAA makes one: Python 3.12, MWAA's Airflow and providers,
    then the package's requirements.txt (``dev.mwaa_local.install``)."""
    return mwaa_local.install(package, tmp_path_factory.mktemp("mwaa-venv"))


def test_requirements_install_under_the_constraints_beside_mwaas_airflow(mwaa_venv):
    check = subprocess.run(
        [mwaa_local.UV, "pip", "check", "--python", mwaa_venv], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_on_airflow_3_3_1_and_python_3_12_the_unzipped_plugins_work(
    mwaa_venv, package, unzipped, tmp_path
):
    found = probe(mwaa_venv, unzipped, package, tmp_path, plugins=unzipped)
    assert found["python"] == "3.12"
    pins = mwaa_package.airflow_constraints()
    versions = found["versions"]
    assert versions["apache-airflow"] == AIRFLOW_VERSION
    for name in ("apache-airflow-providers-amazon", "pandas", "pyarrow"):
        assert versions[name] == pins[name], name
    locked = mwaa_package.locked_versions()
    assert versions["pillow"] == locked["pillow"]
    assert versions["mwparserfromhell"] == locked["mwparserfromhell"]
    assert_works_alone(found, plugins_loaded=True)


def test_the_dag_integrity_tests_pass_on_airflow_3_3_1_and_python_3_12(mwaa_venv, unzipped):
    """tests/dags in MWAA's virtualenv (pytest added, at the dev lock's versions), the
    package imported from the unzipped plugins folder and nowhere else."""
    locked = mwaa_package.locked_versions("requirements-dev.txt")
    pins = [f"{name}=={locked[name]}" for name in ("pytest", "pytest-xdist")]
    subprocess.run(
        [mwaa_local.UV, "pip", "install", "-q", "--python", mwaa_venv, *pins], check=True
    )
    where = subprocess.run(
        [mwaa_venv, "-c", "import enrichment; print(enrichment.__file__)"],
        env=os.environ | {"PYTHONPATH": f"{unzipped}{os.pathsep}{ROOT}"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(unzipped / "enrichment" / "__init__.py")
    result = subprocess.run(
        [mwaa_venv, "-m", "pytest", "tests/dags", "-p", "no:cacheprovider", "-q"],
        env=os.environ | {"PYTHONPATH": f"{unzipped}{os.pathsep}{ROOT}"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout)
    assert not re.search(r"\b(failed|error|skipped)\b", result.stdout.splitlines()[-1])
