"""Test session set-up: an isolated Airflow home and the local stand-ins on free ports.

Airflow reads its configuration when it is first imported, so the environment is set
here, at collection time, before any test module imports Airflow. Nothing is written to
``~/airflow`` or to the ``.local/`` directory the demo uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dev import PROJECT_ROOT
from dev.stack import SERVICES, Stack, airflow_env
from tests.netns import ISOLATED_ENV
from tests.network import free_port

# tests/isolated runs only in its own network namespace, through test_isolated_suite.py.
collect_ignore = [] if os.environ.get(ISOLATED_ENV) == "1" else ["isolated"]

SESSION_DIR = Path(tempfile.mkdtemp(prefix="enrichment-tests-"))
os.environ.update(airflow_env(SESSION_DIR))
# Any stray lookup of real AWS credentials or metadata fails fast instead of leaving the box.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The stand-ins, with ``aws_default``/``wikipedia_default`` and the sites file on them."""
    local = Stack(SESSION_DIR / "stack", ports={s.name: free_port() for s in SERVICES})
    local.up()
    os.environ.update(local.connection_env())
    yield local
    local.down()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated metadata database (SQLite in the session directory)."""
    subprocess.run([AIRFLOW, "db", "migrate"], check=True, capture_output=True, cwd=PROJECT_ROOT)


@pytest.fixture(scope="session")
def bootstrapped(stack: Stack, airflow_db: None) -> dict:
    """Tables, bucket, seed and pool, created exactly as ``make demo`` creates them."""
    from enrichment.bootstrap import bootstrap

    return bootstrap()


@pytest.fixture(scope="session")
def s3(stack: Stack):
    """A plain boto3 client on the stand-in, for tests to inspect what the pipeline wrote."""
    import boto3

    return boto3.client("s3", endpoint_url=stack.url("aws"), region_name="us-east-1")


@pytest.fixture(scope="session")
def dynamodb(stack: Stack):
    import boto3

    return boto3.resource("dynamodb", endpoint_url=stack.url("aws"), region_name="us-east-1")


@pytest.fixture
def wikipedia_control(stack: Stack) -> Iterator[WikipediaControl]:
    control = WikipediaControl(stack.url("wikipedia"))
    control.reset()
    yield control
    control.reset()


class WikipediaControl:
    """Client of the Wikipedia stand-in's ``/__control__`` API: faults and request log."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: dict | None = None):
        import requests

        response = requests.request(method, self.base_url + path, json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def fault(self, title: str, status: int = 503, count: int = 1, **extra) -> None:
        self._call(
            "POST",
            "/__control__/faults",
            {"title": title, "status": status, "count": count, **extra},
        )

    def requests(self) -> list[dict]:
        return self._call("GET", "/__control__/requests")

    def reset(self) -> None:
        self._call("DELETE", "/__control__/faults")
