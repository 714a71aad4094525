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
from xdist.scheduler import LoadGroupScheduling

from dev import PROJECT_ROOT
from dev.stack import Stack, airflow_env
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

# The kinds of test, one folder each (and pyproject's list of markers).
KINDS = ("unit", "dags", "integration", "isolated", "e2e", "compose")
# `make test` runs two streams of tests (pytest-xdist, --dist loadgroup): each test file is
# an xdist group of its own, run whole by one stream (its module fixtures set up once),
# each stream taking the next group as it finishes: the long kinds go first, so that
# neither stream is left with a long file at the end while the other idles.
LONGEST_FIRST = ("compose", "e2e", "isolated", "integration", "dags", "unit")
# Test files that share one Airflow, each tuple an xdist group: one stream runs its files
# one after the other in this order (a start costs a minute or more of both cores,
# tests/e2e/conftest.py shares a running one between modules that ask for the same shape
# of it, and each file relies on the ones before it). The alerts' tests unpause
# company_sentiment first (its daily run is the one held past its deadline);
# company_review's tests expect it unpaused and pause company_review again for those
# after them; the S3
# task logs are read after the two triggerers' run.
ONE_AIRFLOW = {
    "e2e-local-executor": (
        "tests/e2e/test_alerts.py",
        "tests/e2e/test_company_sentiment.py",
        "tests/e2e/test_company_review.py",
        "tests/e2e/test_task_logs_cloudwatch.py",
    ),
    "e2e-celery-two-triggerers": (
        "tests/e2e/test_celery_triggerers.py",
        "tests/e2e/test_task_logs_s3.py",
    ),
}
GROUP_OF = {path: group for group, paths in ONE_AIRFLOW.items() for path in paths}

SESSION_DIR = Path(tempfile.mkdtemp(prefix="enrichment-tests-"))
os.environ.update(airflow_env(SESSION_DIR))
# dag.test() fails on Airflow 3.3.2 when a DAG with a deadline succeeds
# (enrichment/company_sentiment/deadline.py says why): the DAG tests parse it without one.
# The end-to-end tests' Airflow inherits this; the e2e-local-executor group's modules set
# their own (DEADLINE_AT_ONCE in tests/support/sentiment_runs.py: test_alerts.py tests it).
os.environ["ENRICHMENT_RESULT_DEADLINE_MINUTES"] = "off"
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


def _file(item: pytest.Item) -> str:
    return item.path.relative_to(PROJECT_ROOT).as_posix()


def group_of(path: str) -> str:
    """The xdist group of the tests of file ``path`` (relative to the project root)."""
    return GROUP_OF.get(path, path)


def _group(item: pytest.Item) -> str:
    return group_of(_file(item))


def pytest_configure(config: pytest.Config) -> None:
    # xdist registers it too; this is for a run without it (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): tests one xdist stream runs together")


# First, so that xdist's own hook (which adds the group to each test's id on the workers)
# sees the groups.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its kind and its xdist group; then sort: the long kinds first,
    the files of a group together (where its first was collected) and in its order.
    Within a group xdist runs the tests in this order, and with --no-loadscope-reorder it
    hands out the groups in this order too."""
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        for kind in KINDS:
            if kind in _folders(item):
                item.add_marker(kind)
        item.add_marker(pytest.mark.xdist_group(_group(item)))
        first.setdefault(_group(item), index)

    def place(item: pytest.Item) -> tuple[int, int, int]:
        files = ONE_AIRFLOW.get(_group(item), ())
        within = files.index(_file(item)) if _file(item) in files else 0
        return LONGEST_FIRST.index(_folders(item)[0]), first[_group(item)], within

    items.sort(key=place)


class FileGroups(LoadGroupScheduling):
    """``--dist loadgroup`` with the groups above, read from a test's file when its id does
    not carry its group: xdist passes a test's group to the controller as a suffix of its
    id (``...::test_x@group``), which xdist 3.8 writes where pytest 9.2 no longer reads it
    (pytest-dev/pytest-xdist#1386), so every test would be a group of its own."""

    def _split_scope(self, nodeid: str) -> str:
        scope = super()._split_scope(nodeid)
        return scope if scope != nodeid else group_of(nodeid.split("::", 1)[0])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log) -> LoadGroupScheduling | None:
    if config.getvalue("dist") == "loadgroup":
        return FileGroups(config, log)
    return None  # xdist's own, for the other --dist modes


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
