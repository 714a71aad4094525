"""The files an Amazon MWAA environment (Airflow 3.3.1, Python 3.12) takes: ``make mwaa-package``.

    python -m dev.mwaa_package [--out dist/mwaa]

writes, and prints where each goes in the environment's S3 bucket:

- ``dags/``: the three DAG files of ``dags/``, as they are (MWAA's DAG folder is the
  bucket's ``dags/`` prefix).
- ``plugins.zip``: ``plugins/enrichment_results.py`` and the ``enrichment`` package of
  ``include/`` (its ``.py`` files and the data it reads at run time) at the zip's root, and
  an ``.airflowignore``. MWAA unzips it into its plugins folder, which is on ``sys.path``,
  so ``import enrichment`` works in every component. The ``.airflowignore`` keeps
  Airflow's plugin loader out of ``enrichment/``: the loader runs every ``.py`` file under
  the plugins folder as a top-level module named after the file and puts it in
  ``sys.modules``, so ``enrichment/company_review/operator.py`` would replace the standard
  library's ``operator`` (and ``settings.py``, ``tasks.py``, ... would be imported again
  under bare names). Entries are sorted and carry a fixed timestamp and mode: two builds
  of the same sources are byte-identical, and so is the object version MWAA is told about.
- ``requirements.txt``: Airflow's constraint line for 3.3.1 on Python 3.12 (MWAA installs
  the file with pip), then only the runtime packages of ``requirements.in`` that MWAA's
  image lacks: unpinned when Airflow's constraints pin them (the constraint decides),
  pinned to ``requirements.txt``'s version when they do not.
- ``airflow-configuration-options.json``: the Airflow settings of ``deploy/*.env`` and
  ``docker-compose.yaml`` that make sense on MWAA, as its ``section.key`` options.

No startup script. MWAA runs one to set environment variables or install system
packages; nothing here needs either. Airflow's settings go in as configuration options,
Python packages through ``requirements.txt`` (all of them come as wheels), and the
project's own variables (``ENRICHMENT_SITES_FILE``, ``ENRICHMENT_RESULT_DEADLINE_MINUTES``,
``ENRICHMENT_SENTIMENT_ON_WORKERS``) are unset in production on purpose: their defaults
are the packaged sites file, the two-hour deadline and company tasks in the triggerer.
A deployment that wants another of those needs a startup script that exports it.

What MWAA's image holds, and what it lets no one change, is read from
aws/amazon-mwaa-docker-images at commit 9d2bebb (``images/airflow/3.3.1``:
``BillOfMaterials/3.3.1/Python-Packages-BOM.txt``, ``etc/mwaa_essential_constraints.txt``,
``python/mwaa/config/airflow.py``); ``docs/deploy_mwaa.md`` has the whole story.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dev import PROJECT_ROOT

AIRFLOW_VERSION = "3.3.1"
PYTHON_VERSION = "3.12"
CONSTRAINT_URL = (
    "https://raw.githubusercontent.com/apache/airflow/"
    f"constraints-{AIRFLOW_VERSION}/constraints-{PYTHON_VERSION}.txt"
)
# This project's pins for that image, section 1 of which is Airflow's constraints.
CONSTRAINTS = (
    PROJECT_ROOT / "deploy" / "mwaa" / f"constraints-{AIRFLOW_VERSION}-python-{PYTHON_VERSION}.txt"
)
DEFAULT_OUT = PROJECT_ROOT / "dist" / "mwaa"
BUCKET = "s3://<your-mwaa-bucket>"

PACKAGE = PROJECT_ROOT / "include" / "enrichment"
PLUGIN = PROJECT_ROOT / "plugins" / "enrichment_results.py"
DAGS = PROJECT_ROOT / "dags"
# The package data its modules read at run time: the sites file (image_labels' crawl),
# the companies seed (the bootstrap) and the results pages' templates (the plugin).
PACKAGE_DATA = ("config/*.yaml", "results_page/templates/*.html")
# pyproject's package data that no module reads: Athena's table definitions, for people.
PACKAGE_DATA_LEFT_OUT = ("company_sentiment/athena/*.sql",)
# Glob syntax (Airflow's default) and regexp syntax both read this as the package folder
# and nothing else ("enrichment" alone would match enrichment_results.py as a regexp).
AIRFLOWIGNORE = "enrichment/\n"
# 1980-01-01, the earliest time a zip entry can hold.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

# Packages of MWAA's image (its bill of materials) that requirements.in names, at the
# image's version: the image has them, requirements.txt leaves them out.
IN_MWAA_IMAGE = {
    "asyncpg": "0.31.0",
    "beautifulsoup4": "4.15.0",
    "flower": "2.0.1",
    "psycopg2-binary": "2.9.12",
    "pyyaml": "6.0.3",
    "requests": "2.34.2",
    "tenacity": "9.1.4",
}
# etc/mwaa_essential_constraints.txt: pinned by MWAA whatever requirements.txt says.
MWAA_ESSENTIAL = frozenset(
    canonicalize_name(name)
    for name in """apache-airflow flask-appbuilder Flask-Babel Flask-JWT-Extended Flask-Limiter
    Flask-Login Flask-SQLAlchemy Flask-Session Flask-WTF Flask gunicorn billiard celery gevent
    greenlet kombu vine SQLAlchemy-Utils SQLAlchemy statsd watchtower fluent-logger""".split()
)

# The Airflow settings of the deployment files (deploy/*.env, docker-compose.yaml's
# x-airflow-common environment) that MWAA gets, as `section.key`, with why.
TAKEN = {
    "core.dags_are_paused_at_creation": "a new DAG waits for a person to unpause it",
    "core.max_map_length": "up to 5,000 companies in one run (Airflow's default: 1,024)",
    "dag_processor.max_callbacks_per_loop": "each company's success callback, 500 a parse",
    "scheduler.orphaned_tasks_check_interval": "a restarted scheduler adopts tasks in 30 s",
    "scheduler.task_instance_heartbeat_timeout": "a dead worker's task retried after 60 s",
    "scheduler.task_instance_heartbeat_timeout_detection_interval": "goes with the above",
    "secrets.backend": "connections from Secrets Manager (AWS documents it for MWAA)",
    "secrets.backend_kwargs": "its prefixes; aws_default is never looked up there",
    "triggerer.triggerer_health_check_threshold": "a dead triggerer's companies move in 30 s",
}
# The others, with why not on MWAA.
LEFT_OUT = {
    "api.secret_key": "MWAA makes and shares it",
    "api_auth.jwt_secret": "MWAA makes and shares it",
    "celery.broker_url": "MWAA's Celery broker is its own SQS queue",
    "celery.result_backend": "MWAA's metadata database",
    "celery.task_acks_late": "Airflow's default, which MWAA's Celery settings keep",
    "celery.worker_prefetch_multiplier": "Airflow's default, which MWAA's Celery settings keep",
    "celery_broker_transport_options.visibility_timeout": "MWAA's SQS broker sets its own (12 h)",
    "core.execution_api_server_url": "MWAA points it at its API server",
    "core.executor": "MWAA runs the CeleryExecutor on SQS",
    "core.fernet_key": "MWAA makes and shares it",
    "core.load_examples": "MWAA sets it (False)",
    "core.simple_auth_manager_passwords_file": "MWAA logs users in with IAM",
    "core.simple_auth_manager_users": "MWAA logs users in with IAM",
    "database.sql_alchemy_conn": "MWAA's metadata database",
    "logging.delete_local_logs": "MWAA ships task logs to CloudWatch itself",
    "logging.logging_config_class": "MWAA's own logging configuration, which it does not let go",
    "logging.remote_base_log_folder": "MWAA ships task logs to CloudWatch itself",
    "logging.remote_log_conn_id": "MWAA ships task logs to CloudWatch itself",
    "logging.remote_logging": "MWAA ships task logs to CloudWatch itself",
    "scheduler.enable_health_check": "MWAA runs its own health checks",
    "scheduler.task_queued_timeout": (
        "MWAA's 1,800 s stays: a queued task may wait minutes for a worker MWAA adds"
    ),
    "scheduler.task_queued_timeout_check_interval": "goes with task_queued_timeout",
    "workers.secrets_backend": "task processes fall back to [secrets] backend",
    "workers.secrets_backend_kwargs": "task processes fall back to [secrets] backend_kwargs",
}
DEPLOY_ENV_FILES = sorted((PROJECT_ROOT / "deploy").glob("*.env"))
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yaml"


@dataclass(frozen=True)
class Package:
    """Where the files of one build are."""

    out: Path
    dags: list[Path]
    plugins_zip: Path
    requirements: Path
    configuration_options: Path


def plugin_entries() -> list[tuple[str, Path]]:
    """``plugins.zip``'s files: (name in the zip, source), sorted by name."""
    entries = [(PLUGIN.name, PLUGIN)]
    files = set(PACKAGE.rglob("*.py"))
    for pattern in PACKAGE_DATA:
        files |= set(PACKAGE.glob(pattern))
    for path in files:
        if "__pycache__" not in path.parts:
            entries.append((f"enrichment/{path.relative_to(PACKAGE).as_posix()}", path))
    return sorted(entries)


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> None:
    """A zip of ``entries`` whose bytes depend on nothing else: no file times, modes or
    owners of the machine that built it."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode below is read
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)


def _names_pinned(path: Path, section: str) -> dict[str, str]:
    """Name -> version of the ``name==version`` lines of one numbered section of the
    constraints file (its ``# 1. ...`` header up to the next)."""
    pins: dict[str, str] = {}
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"# \d+\. ", line):
            inside = line.startswith(f"# {section}. ")
        elif inside and "==" in line and not line.startswith("#"):
            name, version = line.split("#")[0].strip().split("==")
            pins[canonicalize_name(name)] = version
    return pins


def airflow_constraints() -> dict[str, str]:
    """What Airflow's constraints for 3.3.1 on Python 3.12 pin (section 1 of the file)."""
    return _names_pinned(CONSTRAINTS, "1")


def runtime_requirements() -> list[Requirement]:
    """The direct runtime dependencies of ``requirements.in``."""
    text = (PROJECT_ROOT / "requirements.in").read_text(encoding="utf-8")
    lines = (line.split("#")[0].strip() for line in text.splitlines())
    return [Requirement(line) for line in lines if line]


def locked_versions(lock: str = "requirements.txt") -> dict[str, str]:
    """Name -> version of a lock of the project root: the runtime one by default."""
    pins = {}
    for line in (PROJECT_ROOT / lock).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name.split("[")[0].strip())] = version.strip()
    return pins


def why_not_listed(name: str) -> str | None:
    """Why MWAA's ``requirements.txt`` leaves out ``name`` (None: it is listed)."""
    if name == "apache-airflow" or name.startswith("apache-airflow-"):
        return "Airflow and its providers are MWAA's"
    if name in MWAA_ESSENTIAL:
        return "pinned by MWAA's essential constraints"
    if name in IN_MWAA_IMAGE:
        return f"in MWAA's image ({IN_MWAA_IMAGE[name]})"
    return None


def requirements_lines() -> list[str]:
    constrained = airflow_constraints()
    locked = locked_versions()
    lines = [f'--constraint "{CONSTRAINT_URL}"']
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        if why_not_listed(name):
            continue
        lines.append(name if name in constrained else f"{name}=={locked[name]}")
    return lines


def deployment_settings() -> dict[str, str]:
    """``section.key`` -> value of every ``AIRFLOW__`` setting the deployment files set."""
    settings = {}
    for path in DEPLOY_ENV_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("AIRFLOW__"):
                key, _, value = line.partition("=")
                settings[key] = value
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    for key, value in compose["x-airflow-common"]["environment"].items():
        if key.startswith("AIRFLOW__"):
            settings[key] = str(value)
    return {
        ".".join(key.removeprefix("AIRFLOW__").lower().split("__", 1)): value
        for key, value in settings.items()
    }


def configuration_options() -> dict[str, str]:
    """The settings of :data:`TAKEN`, with the deployment files' values. A setting the
    files gained that neither table names stops the build: decide where it goes."""
    settings = deployment_settings()
    unknown = sorted(set(settings) - set(TAKEN) - set(LEFT_OUT))
    if unknown:
        raise SystemExit(
            f"deployment settings neither TAKEN nor LEFT_OUT in {__name__}: {', '.join(unknown)}"
        )
    return {key: settings[key] for key in sorted(TAKEN)}


def build(out: Path = DEFAULT_OUT) -> Package:
    """Write the files into ``out``, replacing an earlier build's."""
    dags_dir = out / "dags"
    if dags_dir.exists():
        shutil.rmtree(dags_dir)
    dags_dir.mkdir(parents=True)
    dags = []
    for source in sorted(DAGS.glob("*.py")):
        shutil.copyfile(source, dags_dir / source.name)
        dags.append(dags_dir / source.name)

    entries = [(name, source.read_bytes()) for name, source in plugin_entries()]
    plugins_zip = out / "plugins.zip"
    write_zip(plugins_zip, sorted([(".airflowignore", AIRFLOWIGNORE.encode()), *entries]))

    requirements = out / "requirements.txt"
    requirements.write_text("\n".join(requirements_lines()) + "\n", encoding="utf-8")
    options = out / "airflow-configuration-options.json"
    options.write_text(json.dumps(configuration_options(), indent=2) + "\n", encoding="utf-8")
    return Package(out, dags, plugins_zip, requirements, options)


def report(package: Package) -> str:
    """Where each file goes, and the environment's fields to set."""

    def shown(path: Path) -> str:
        return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)

    files = [(path, f"{BUCKET}/dags/{path.name}") for path in package.dags]
    files += [(package.plugins_zip, f"{BUCKET}/plugins.zip")]
    files += [(package.requirements, f"{BUCKET}/requirements.txt")]
    width = max(len(shown(path)) for path, _ in files)
    lines = [f"Amazon MWAA, Airflow {AIRFLOW_VERSION} on Python {PYTHON_VERSION}:"]
    lines += [f"  {shown(path):<{width}}  ->  {key}" for path, key in files]
    lines += [
        "",
        "The environment's fields (console: Edit, or `aws mwaa update-environment`):",
        "  DAGs folder (DagS3Path)                     dags",
        "  Plugins file (PluginsS3Path)                plugins.zip",
        "  Plugins file version (PluginsS3ObjectVersion)",
        "      the VersionId `aws s3api put-object ... --key plugins.zip` returned",
        "  Requirements file (RequirementsS3Path)      requirements.txt",
        "  Requirements file version (RequirementsS3ObjectVersion)",
        "      the VersionId `aws s3api put-object ... --key requirements.txt` returned",
        f"  Airflow configuration options               {shown(package.configuration_options)}",
        "      (--airflow-configuration-options file://...; the console takes each key)",
        "  Startup script                              none",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: dist/mwaa")
    args = parser.parse_args()
    print(report(build(args.out.resolve())))


if __name__ == "__main__":
    main()
