"""Every DAG end to end on Amazon MWAA's versions, inside a network namespace of its own
(``tests/e2e/mwaa/conftest.py``): MWAA's virtualenv is installed here, outside it, from
``make mwaa-package``'s files."""

from __future__ import annotations

from dev import mwaa_local, mwaa_package
from tests.e2e.mwaa.conftest import MWAA_PYTHON_ENV
from tests.support.netns import run_in_namespace


def test_each_dag_end_to_end_on_mwaas_airflow_and_python(tmp_path):
    package = mwaa_package.build(tmp_path / "package")
    python = mwaa_local.install(package, tmp_path / "mwaa")
    run_in_namespace("tests/e2e/mwaa", timeout=1200, env={MWAA_PYTHON_ENV: str(python)})
