"""The set-up check (enrichment.preflight) against the AWS stand-in: the first task of a
company_sentiment run (``dag.test()``), each pipeline's check, and ``python -m
enrichment.bootstrap --check`` as a command.

A run whose tables are missing or keyed otherwise fails in ``preflight`` on its first try
with one message naming each of them and the bootstrap; nothing of the run's work starts.
The exact message is left in ``test-artifacts/preflight_message.txt`` for the docs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest

from dev import PROJECT_ROOT
from enrichment.alerts import FAILURE_KEY, one_line
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.preflight import FIX, LogGroup, SetupMissing, Topic, check_run, problems
from tests.support import ARTIFACTS

DS = "2026-11-24"
PREFIX = "preflight/"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["company_sentiment"]


@pytest.fixture(scope="module")
def other_key_table(stack) -> str:
    """A page timeline table keyed by ``name`` where the code reads it by ``title``."""
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    name = "page_timelines_by_name"  # the session's stand-ins are its own
    ensure_table(aws.dynamodb_client(), name, "name")
    return name


def run(dag, ds: str, **conf):
    """A run of ``ds`` naming every Param (as tests/integration/test_company_sentiment_dag.py
    does: dag.test() keeps a Param one run set for the next)."""
    defaults = {
        name: list(spec["default"]) if isinstance(spec["default"], tuple) else spec["default"]
        for name, spec in SentimentSettings.param_specs().items()
    }
    return dag.test(
        logical_date=datetime.fromisoformat(ds).replace(tzinfo=UTC), run_conf=defaults | conf
    )


def test_a_missing_table_fails_the_run_in_preflight_at_once_and_nothing_starts(
    bootstrapped, dag, other_key_table, aws_control, wikipedia_control, s3
):
    missing = "fang_not_made"
    conf = {"companies_table": missing, "page_timelines_table": other_key_table, "prefix": PREFIX}

    dag_run = run(dag, DS, **conf)

    assert dag_run.state == "failed"
    tries = {
        ti.task_id: (ti.state, ti.try_number)
        for ti in dag_run.get_task_instances()
        if ti.map_index < 0
    }
    assert tries["preflight"] == ("failed", 1)  # SetupMissing: no retry
    assert tries["scan"][0] == "upstream_failed"
    assert tries["enrich"][0] == "upstream_failed"  # no company task was made
    # load runs whatever its upstream did (trigger rule ALL_DONE); without scan's company
    # list it writes nothing and fails at once.
    assert tries["load"] == ("failed", 1)
    assert aws_control.calls("Scan") == 0
    assert wikipedia_control.stats()["requests"] == 0
    assert "Contents" not in s3.list_objects_v2(Bucket="fangsentiment", Prefix=PREFIX)

    # One message names both tables and the command that makes them.
    with pytest.raises(SetupMissing) as raised:
        check_run(SentimentSettings.from_conf(conf))
    message = str(raised.value)
    assert message.splitlines()[:3] == [
        "This run's set-up is incomplete:",
        f"- DynamoDB table {missing} (key name) does not exist",
        f"- DynamoDB table {other_key_table} (key title) has the key name (HASH, S) instead",
    ]
    assert f"Run `{FIX}`" in message
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "preflight_message.txt").write_text(message + "\n")
    # It is what the task failed with, kept on one line for the run's alert.
    (preflight,) = [ti for ti in dag_run.get_task_instances() if ti.task_id == "preflight"]
    assert preflight.xcom_pull(task_ids="preflight", key=FAILURE_KEY) == one_line(
        f"SetupMissing: {message}"
    )


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (SentimentSettings, "sentiment_cache_table"),
        (ReviewSettings, "request_slots_table"),
        (ImageLabelsSettings, "labels_table"),
    ],
)
def test_each_pipeline_names_what_its_run_misses(bootstrapped, settings, field):
    check_run(settings())  # all there, as the bootstrap made it
    missing = f"missing_{uuid.uuid4().hex[:8]}"

    with pytest.raises(SetupMissing, match=f"- DynamoDB table {missing} \\(key ") as raised:
        check_run(settings.from_conf({field: missing}))
    assert str(raised.value).count("\n- ") == 1


def test_log_group_and_topic_missing_fail_the_check_but_unreachable_only_warn(
    bootstrapped, aws_control, caplog, monkeypatch
):
    """Task logs and alerts never decide a run's outcome: CloudWatch Logs or SNS down is
    a warning, and the run goes on; a log group or topic that does not exist stops it."""
    connection = json.loads(os.environ["AIRFLOW_CONN_AWS_DEFAULT"])
    connection["extra"]["config_kwargs"]["retries"]["max_attempts"] = 1  # down: at once
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(connection))
    group, topic = LogGroup(f"no-such-group-{uuid.uuid4().hex[:8]}"), Topic("no-such-topic")
    assert problems([group, topic, Topic("enrichment-alerts")]) == [
        f"CloudWatch log group {group.name} does not exist",
        "SNS topic no-such-topic does not exist",
    ]

    for resource, service in ((group, "logs"), (topic, "sns")):
        aws_control.outage(60, service=service)
        try:
            assert problems([resource]) == []
        finally:
            aws_control.reset()

    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith(f"Could not check {group} (") for m in warned), warned
    assert any(m.startswith(f"Could not check {topic} (") for m in warned), warned


def bootstrap_check(region_connection: str) -> subprocess.CompletedProcess:
    env = os.environ | {"AIRFLOW_CONN_AWS_DEFAULT": region_connection}
    return subprocess.run(
        [sys.executable, "-m", "enrichment.bootstrap", "--check"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def other_region(stack, monkeypatch) -> str:
    """``aws_default`` in a region of the stand-in nothing else uses (DynamoDB tables and
    SNS topics are regional there, as on AWS): the connection, set in this process too."""
    connection = json.loads(os.environ["AIRFLOW_CONN_AWS_DEFAULT"])
    connection["extra"]["region_name"] = "eu-west-3"
    regional = json.dumps(connection)
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", regional)
    return regional


def test_bootstrap_check_lists_what_is_missing_changes_nothing_and_passes_when_all_is_there(
    other_region,
):
    from enrichment import aws
    from enrichment.bootstrap import bootstrap, ensure_table

    bootstrap(pool=False)
    dynamodb, sns = aws.dynamodb_client(), aws.sns_client()
    dynamodb.delete_table(TableName="revision_texts")
    dynamodb.delete_table(TableName="page_timelines")
    ensure_table(dynamodb, "page_timelines", "name")
    tables = dynamodb.list_tables()["TableNames"]
    topics = sns.list_topics()["Topics"]

    checked = bootstrap_check(other_region)

    said = checked.stdout + checked.stderr
    assert checked.returncode == 1, said
    assert "missing: DynamoDB table revision_texts (key revision_id) does not exist" in said
    assert (
        "missing: DynamoDB table page_timelines (key title) has the key name (HASH, S) instead"
        in said
    )
    assert f"2 missing or different: run `{FIX}`" in said
    assert said.count("missing: ") == 2, said
    assert dynamodb.list_tables()["TableNames"] == tables  # nothing made, nothing changed
    assert sns.list_topics()["Topics"] == topics

    dynamodb.delete_table(TableName="page_timelines")
    ensure_table(dynamodb, "page_timelines", "title")
    ensure_table(dynamodb, "revision_texts", "revision_id")
    checked = bootstrap_check(other_region)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "everything the pipelines need is there" in checked.stdout + checked.stderr
