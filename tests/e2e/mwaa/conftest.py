"""``tests/e2e/mwaa``: every DAG end to end on Amazon MWAA's versions (Airflow 3.3.1,
Python 3.12, the providers of MWAA's image), installed from ``make mwaa-package``'s files
the way MWAA installs them (``dev/mwaa_local.py``).

image_labels crawls the sample site, which hands the crawler refused addresses, so the
folder runs in a network namespace of its own (``tests/support/netns.py``), as
``tests/e2e/isolated`` does: outside one only ``test_namespace.py`` is collected, which
installs MWAA's virtualenv (the namespace has no route to the package index) and runs
the rest inside a new namespace, whose ``airflow`` is MWAA's stack on that virtualenv.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dev import mwaa_local, mwaa_package
from dev.airflow_local import LocalAirflow
from dev.metadata_database import throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from tests.conftest import SESSION_DIR
from tests.support.netns import canaries, pytest_configure, pytest_ignore_collect

__all__ = ["canaries", "pytest_configure", "pytest_ignore_collect"]

# The Python of the virtualenv test_namespace.py installed, for the run inside.
MWAA_PYTHON_ENV = "ENRICHMENT_MWAA_PYTHON"


@pytest.fixture(scope="module")
def airflow(stack: Stack, figures: dict, tmp_path_factory) -> Iterator[LocalAirflow]:
    """MWAA's stack on the session's stand-ins: the package built again (byte-identical to
    the one the virtualenv's requirements came from), plugins.zip unzipped, the Wikipedia
    connection in Secrets Manager only, a PostgreSQL database of its own."""
    python = Path(os.environ[MWAA_PYTHON_ENV])
    work = tmp_path_factory.mktemp("mwaa")
    package = mwaa_package.build(work / "package")
    plugins = mwaa_local.unzip_plugins(package, work / "plugins")
    mwaa_local.put_connections(stack)
    state_dir = SESSION_DIR / "airflow-mwaa"
    with throwaway_database(state_dir) as database:
        local = mwaa_local.local_airflow(
            stack, state_dir, python, package, plugins, port=free_port(), database=database
        )
        try:
            figures["airflow_start_s"] = round(local.up(), 1)
            yield local
        finally:
            local.down()
