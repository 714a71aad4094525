"""Test session set-up: markers from folders, an isolated Airflow home, the stand-ins.

Every test is marked by the folders it lives in (``tests/e2e/isolated/...`` is ``e2e``
and ``isolated``), so ``-m`` selects by kind exactly as the folders group them.

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
from dev.stack import Stack, airflow_env
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

# The kinds of test, one folder each (and pyproject's list of markers).
KINDS = ("unit", "dags", "integration", "isolated", "e2e", "compose")
# `make test` runs two test files at a time (pytest-xdist, --dist loadfile), each stream
# taking the next file as it finishes: the long kinds go first, so that neither stream is
# left with a long file at the end while the other idles.
LONGEST_FIRST = ("compose", "e2e", "isolated", "integration", "dags", "unit")

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


def _folders(item: pytest.Item) -> tuple[str, ...]:
    return item.path.relative_to(PROJECT_ROOT / "tests").parts[:-1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for kind in KINDS:
            if kind in _folders(item):
                item.add_marker(kind)
    items.sort(key=lambda item: LONGEST_FIRST.index(_folders(item)[0]))


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The stand-ins, with ``aws_default``/``wikipedia_default`` and the sites file on them."""
    with Stack.on_free_ports(SESSION_DIR / "stack") as local:
        yield local


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
def request_slots_table(stack: Stack) -> str:
    """The deployment's request slot table, made as the bootstrap makes it."""
    from enrichment import aws, request_slots
    from enrichment.bootstrap import ensure_table
    from enrichment.company_sentiment.settings import SentimentSettings

    name = SentimentSettings.request_slots_table
    ensure_table(aws.dynamodb_client(), name, request_slots.KEY)
    return name


@pytest.fixture
def unlearned_history(stack: Stack) -> dict[str, str]:
    """Run conf naming page timeline and revision text tables of the test's own, for a
    test that makes Wikipedia fail for a title (``tests.support.history``)."""
    from tests.support.history import history_tables

    return history_tables()


@pytest.fixture(scope="session")
def s3(stack: Stack):
    """A plain boto3 client on the stand-in, for tests to inspect what the pipeline wrote."""
    import boto3

    return boto3.client("s3", endpoint_url=stack.url("aws"), region_name="us-east-1")


@pytest.fixture(scope="session")
def dynamodb(stack: Stack):
    import boto3

    return boto3.resource("dynamodb", endpoint_url=stack.url("aws"), region_name="us-east-1")


@pytest.fixture(scope="session")
def logs_client(stack: Stack):
    """A plain boto3 CloudWatch Logs client on the stand-in, to read the task logs sent."""
    import boto3

    return boto3.client(
        "logs",
        endpoint_url=stack.url("aws"),
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def aws_control(stack: Stack) -> Iterator[AwsControl]:
    control = AwsControl(stack.url("aws"))
    control.reset()
    yield control
    control.latency(0)


@pytest.fixture
def wikipedia_control(stack: Stack) -> Iterator[WikipediaControl]:
    control = WikipediaControl(stack.url("wikipedia"))
    control.reset()
    yield control
    control.reset()
    control.latency(0)
