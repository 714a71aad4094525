"""MWAA's stack on this machine: the files of ``make mwaa-package`` installed and run the way
an Amazon MWAA environment runs them, on the local stand-ins.

- A virtualenv of Python 3.12 (pyenv's) with MWAA's Airflow 3.3.1 and the providers of its
  image, then the package's ``requirements.txt`` under the same constraints, installed with
  uv: the constraint URL (GitHub, unreachable from CI) replaced by its copy in
  ``deploy/mwaa/``; from uv's cache alone when it holds everything, else from the index.
- ``plugins.zip`` unzipped into a plugins folder that is on every component's
  ``PYTHONPATH``, as MWAA's is; the DAG folder is the package's ``dags/``.
- The Airflow configuration options of ``airflow-configuration-options.json`` as the
  components' settings, in place of ``deploy/recovery.env``; no remote task logs (MWAA
  ships them itself). Its secrets backend is Secrets Manager, so the ``wikipedia_default``
  connection is written there (``python -m enrichment.bootstrap --connections``'s
  function) and left out of the environment.

What is not MWAA's: the executor is the LocalExecutor (MWAA's is Celery on SQS; the
end-to-end tests run Celery on the project's own Airflow), the login is the simple auth
manager's (MWAA's is IAM), and the metadata database is the local PostgreSQL.

    python -m dev.mwaa_local run [--state-dir .local/mwaa]

builds all of it and stays in the foreground as ``make airflow`` does (Ctrl-C stops it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from dev import mwaa_package
from dev.airflow_local import Installation, LocalAirflow, run_in_foreground
from dev.metadata_database import MetadataDatabase
from dev.mwaa_package import AIRFLOW_VERSION, CONSTRAINT_URL, CONSTRAINTS, Package
from dev.stack import DEFAULT_STATE_DIR, REGION, Stack

UV = Path(sys.executable).with_name("uv")
# MWAA's image: Airflow and the providers its bill of materials lists (what the image's
# bootstrap installs, under the same constraints).
MWAA_AIRFLOW = (
    f"apache-airflow[celery,statsd]=={AIRFLOW_VERSION}",
    f"apache-airflow-core=={AIRFLOW_VERSION}",
    "apache-airflow-providers-amazon[aiobotocore]",
    "apache-airflow-providers-celery",
    "apache-airflow-providers-fab",
    "apache-airflow-providers-http",
    "apache-airflow-providers-postgres",
    "apache-airflow-providers-standard",
)
# Connections MWAA users keep in Secrets Manager; aws_default is the execution role's.
SECRET_CONNECTIONS = ("wikipedia_default",)
DATABASE = "enrichment_airflow_mwaa"


def pyenv_python_312() -> Path:
    """pyenv's newest Python 3.12 (MWAA's image runs 3.12)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    try:
        answer = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        root = Path(answer.stdout.strip()) if answer.returncode == 0 else root
    except FileNotFoundError:
        pass
    found = sorted(
        root.glob("versions/3.12.*/bin/python3.12"),
        key=lambda path: [int(part) for part in path.parts[-3].split(".") if part.isdigit()],
    )
    if not found:
        raise RuntimeError(
            f"no Python 3.12 under pyenv ({root}/versions/3.12.*): MWAA runs Python 3.12; "
            "install it with `pyenv install 3.12` (https://github.com/pyenv/pyenv)"
        )
    return found[-1]


def install(package: Package, folder: Path) -> Path:
    """A fresh virtualenv in ``folder/venv`` as MWAA's image and its requirements step make
    it; its Python."""
    if not UV.exists():
        raise RuntimeError(
            f"{UV} is missing: uv is in requirements-dev.txt (make .venv/.installed)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    requirements = folder / "requirements.txt"
    text = package.requirements.read_text()
    if text.count(CONSTRAINT_URL) != 1:
        raise RuntimeError(f"{package.requirements} does not name {CONSTRAINT_URL} once")
    requirements.write_text(text.replace(CONSTRAINT_URL, str(CONSTRAINTS)))
    venv = folder / "venv"
    subprocess.run([UV, "venv", "-q", "--clear", "--python", pyenv_python_312(), venv], check=True)
    command = [UV, "pip", "install", "-q", "--python", venv / "bin/python", *MWAA_AIRFLOW]
    command += ["-r", requirements]
    result = subprocess.run([*command, "--offline"], capture_output=True, text=True)
    if result.returncode != 0:
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"installing MWAA's stack failed:\n{result.stderr[-4000:]}")
    return venv / "bin" / "python"


def unzip_plugins(package: Package, folder: Path) -> Path:
    """The plugins folder MWAA makes of ``plugins.zip``."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package.plugins_zip) as archive:
        archive.extractall(folder)
    return folder


def configuration_env(package: Package) -> dict[str, str]:
    """The package's Airflow configuration options as the components' environment."""
    options = json.loads(package.configuration_options.read_text())
    return {
        "AIRFLOW__{}__{}".format(*key.upper().split(".", 1)): value
        for key, value in options.items()
    }


def put_connections(stack: Stack) -> None:
    """The connections of :data:`SECRET_CONNECTIONS` written into the stand-in's Secrets
    Manager, as ``python -m enrichment.bootstrap --connections`` writes them."""
    from enrichment import aws
    from enrichment.bootstrap import put_connections as put_secrets

    wanted = {
        name.removeprefix("AIRFLOW_CONN_").lower(): json.loads(value)
        for name, value in stack.connection_env().items()
        if name.removeprefix("AIRFLOW_CONN_").lower() in SECRET_CONNECTIONS
    }
    put_secrets(aws.secrets_manager_client(), wanted)


def local_airflow(
    stack: Stack,
    state_dir: Path,
    python: Path,
    package: Package,
    plugins: Path,
    port: int | None = None,
    database: MetadataDatabase | None = None,
) -> LocalAirflow:
    """A :class:`LocalAirflow` running MWAA's stack: ``python`` from :func:`install`,
    ``plugins`` from :func:`unzip_plugins`."""
    installation = Installation(
        bin_dir=python.parent,
        dags_folder=package.out / "dags",
        plugins_folder=plugins,
        python_path=(plugins,),
        unset=frozenset(f"AIRFLOW_CONN_{name.upper()}" for name in SECRET_CONNECTIONS),
    )
    # The secrets backend reaches AWS as botocore's defaults have it, not through a
    # connection: on MWAA the region's endpoint and the execution role's credentials, here
    # the stand-in's Secrets Manager and keys it takes while IAM is not enforced.
    endpoint = {
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": stack.url("aws"),
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    return LocalAirflow(
        stack,
        state_dir,
        port=port,
        database=database,
        recovery=configuration_env(package),
        remote_logs="off",
        extra_env=endpoint,
        init_env=endpoint,
        installation=installation,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR / "mwaa")
    args = parser.parse_args()
    state_dir = args.state_dir.resolve()
    package = mwaa_package.build(state_dir / "package")
    python = install(package, state_dir / "mwaa")
    plugins = unzip_plugins(package, state_dir / "plugins")
    stack = Stack(state_dir)
    stack.up()
    os.environ.update(stack.connection_env())
    put_connections(stack)
    # A database of its own: `make airflow`'s holds Airflow 3.3.2's schema.
    database = MetadataDatabase.choose(state_dir, name=DATABASE)
    run_in_foreground(local_airflow(stack, state_dir, python, package, plugins, database=database))


if __name__ == "__main__":
    main()
