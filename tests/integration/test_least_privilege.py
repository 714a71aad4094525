"""The shipped IAM policies at work, on an AWS stand-in that enforces IAM
(``dev/enforcing_aws.py``; resources of the services moto does not match by ARN widened to
``*``, S3's kept exact: ``tests/unit/test_iam_policies.py`` checks those ARNs against the
settings).

- The bootstrap, run as a user holding only ``deploy/iam/bootstrap.json``, sets everything
  up (remote task logs on, and a connection written to Secrets Manager) and checks it.
- As a user holding only ``pipelines.json``: company_sentiment for a date and a backfill
  date (the history caches filled, then read), company_review's candidates and two answers
  (given as the REST API gives them, while ``dag.test()`` waits), with no call refused.
  image_labels crawls the sample site, whose refused addresses keep its run in
  ``tests/isolated/test_least_privilege_image_labels.py``.
- Each action of ``pipelines.json`` is needed: with the action taken out, every call
  ``deploy/iam/calls.yaml`` names for it is refused, for that action only; with the whole
  policy, all of them go through.
- company_sentiment run by ``airflow dags test`` with no ``AIRFLOW_CONN_WIKIPEDIA_DEFAULT``
  anywhere and ``deploy/secrets-manager.env`` applied: its Wikipedia connection is the
  secret the bootstrap wrote, read with the pipelines user's ``GetSecretValue``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from dev import PROJECT_ROOT
from dev.airflow_local import read_env_file
from dev.enforcing_aws import as_moto_enforces, shipped_policy, without_action
from tests.support import least_privilege
from tests.support.least_privilege import COMPANIES, Deployment, dag_of, every_param

DS = "2026-11-20"
# Enron's lead turned NEGATIVE at 2026-11-18T14:30Z: this date reads the revision before.
BACKFILL_DS = "2026-11-18"
SECRETS_DS = "2026-11-19"
BUCKET = "fangsentiment"
SECRETS_ENV = PROJECT_ROOT / "deploy" / "secrets-manager.env"
CALLS = yaml.safe_load((PROJECT_ROOT / "deploy" / "iam" / "calls.yaml").read_text())
PIPELINES = shipped_policy("pipelines.json")
ACTIONS = sorted({action for statement in PIPELINES["Statement"] for action in statement["Action"]})
ACCOUNT = "123456789012"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# Codes of a refused call: JSON services, S3, S3's HEAD (no body), SNS.
REFUSED = {"AccessDeniedException", "AccessDenied", "403", "AuthorizationError"}
# An image the probes label, and objects they read and delete.
PROBE_IMAGE = "images/iam-probe.png"
PROBE_FILE = "sentiment/iam-probe/read.csv"
REVIEWER = "alice"
# What the review answers: an article for the ambiguous company, none for the missing one.
ANSWERS = {"Delta": "Delta Air Lines", "Globex Corporation": "None of these"}
REVIEW_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def deployment(stack, bootstrapped, tmp_path_factory):
    """The enforcing stand-in, bootstrapped as the bootstrap user, with the Wikipedia
    stand-in's connection in Secrets Manager (``bootstrapped``: the session's metadata
    database, with its pool)."""
    connections = {"wikipedia_default": {"conn_type": "http", "host": stack.url("wikipedia")}}
    folder = tmp_path_factory.mktemp("least-privilege")
    with least_privilege.deployment(folder, connections) as built:
        yield built


@pytest.fixture
def control(deployment: Deployment):
    control = deployment.control
    control.reset()
    return control


def result_rows(deployment: Deployment, ds: str) -> dict[str, dict[str, str]]:
    key = f"sentiment/ds={ds}/fang_sentiment.csv"
    body = deployment.aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return {row["name"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


@pytest.fixture(scope="module")
def sentiment_runs(deployment: Deployment):
    """company_sentiment for DS, then BACKFILL_DS, as the pipelines user: the runs, and
    the calls the stand-in counted and refused meanwhile."""
    from enrichment.company_sentiment.settings import SentimentSettings

    dag = dag_of("company_sentiment")
    control = deployment.control
    control.reset()
    with deployment.as_pipelines():
        runs = {
            ds: dag.test(
                logical_date=datetime.fromisoformat(ds).replace(tzinfo=UTC),
                run_conf=every_param(SentimentSettings),
            )
            for ds in (DS, BACKFILL_DS)
        }
    return runs, control.counted(), control.denied()


def test_the_bootstrap_needs_nothing_but_bootstrap_json(deployment: Deployment):
    """The module's fixture ran it as the bootstrap user (remote task logs on, a connection
    to write), and it was refused nothing; its check (``--check``), as that user too, finds
    everything, the log group and topic included."""
    from enrichment import bootstrap

    assert deployment.refused_at_setup == []
    control = deployment.control
    control.reset()
    with deployment.as_pipelines(deployment.bootstrap):
        assert bootstrap.check() == 0
    assert control.denied() == []
    assert control.calls("DescribeLogGroups") == 1
    secret = deployment.aws.client("secretsmanager").get_secret_value(
        SecretId="airflow/connections/wikipedia_default"
    )
    assert json.loads(secret["SecretString"])["conn_type"] == "http"


def test_company_sentiment_runs_a_date_and_a_backfill_date_with_pipelines_json_alone(
    deployment: Deployment, sentiment_runs
):
    runs, counted, denied = sentiment_runs
    assert denied == []
    assert {ds: run.state for ds, run in runs.items()} == {DS: "success", BACKFILL_DS: "success"}
    rows = {ds: result_rows(deployment, ds) for ds in runs}
    assert {name: row["status"] for name, row in rows[DS].items()} == {
        "Enron": "ok",
        "Netflix": "ok",
        "Delta": "ambiguous",
        "Globex Corporation": "not_found",
    }
    enron = {ds: rows[ds]["Enron"] for ds in runs}
    assert (enron[DS]["sentiment"], enron[BACKFILL_DS]["sentiment"]) == ("NEGATIVE", "POSITIVE")
    assert enron[DS]["wikipedia_revision_id"] != enron[BACKFILL_DS]["wikipedia_revision_id"]
    # What the runs learned of the articles is in the history caches, read by key.
    dynamodb = deployment.aws.client("dynamodb")
    for table in ("page_timelines", "revision_texts", "sentiment_cache"):
        assert dynamodb.scan(TableName=table, Select="COUNT")["Count"] > 0, table
    operations = {name.rsplit(".", 1)[-1]: n for name, n in counted.items()}
    assert operations["BatchGetItem"] > 0
    assert operations["BatchWriteItem"] > 0
    # Each run's first task checked the tables, bucket, log group and topic (SNS calls are
    # counted as "sns POST").
    assert operations["DescribeLogGroups"] == counted["sns POST"] == len(runs)


class Reviewer(threading.Thread):
    """Answers company_review's questions while ``dag.test()`` waits for them
    (:func:`answer_reviews`), keeping what went wrong for the test to raise."""

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.answers = answers
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            answer_reviews(self.answers, time.monotonic() + REVIEW_TIMEOUT)
        except BaseException as error:
            self.error = error
            fail_waiting_reviews()  # dag.test() ends, and the test says why


def waiting_reviews(session) -> list:
    """company_review's questions waiting for an answer, with their HITL details."""
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    query = (
        select(TaskInstance)
        .where(
            TaskInstance.dag_id == "company_review",
            TaskInstance.task_id == "review.ask",
            TaskInstance.state == "awaiting_input",
        )
        .options(joinedload(TaskInstance.hitl_detail))
    )
    return list(session.scalars(query).unique())


def fail_waiting_reviews() -> None:
    from airflow.utils.session import create_session

    with create_session() as session:
        for ti in waiting_reviews(session):
            ti.state = "failed"


def answer_reviews(answers: dict[str, str], deadline: float) -> None:
    """Answer company_review's questions as the REST API does (its handler, with a
    reviewer's name), each as it appears, until every company of ``answers`` has its
    answer; then, or at ``deadline``, any other question "Ask again later", so that
    ``dag.test()``, which waits for answers, always ends."""
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.utils.session import create_session

    from enrichment.company_review.questions import ASK_LATER

    class Person:
        """The user the API hands its handler: who answered."""

        def get_id(self) -> str:
            return REVIEWER

        def get_name(self) -> str:
            return REVIEWER

    left = dict(answers)
    while True:
        giving_up = time.monotonic() > deadline
        with create_session() as session:
            waiting = waiting_reviews(session)
            for ti in waiting:
                company = ti.hitl_detail.subject.split("'")[1]
                chosen = left.pop(company, None) or (ASK_LATER if giving_up or not left else None)
                if chosen is None:
                    continue
                update_hitl_detail(
                    dag_id=ti.dag_id,
                    dag_run_id=ti.run_id,
                    task_id=ti.task_id,
                    update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[chosen]),
                    user=Person(),
                    session=session,
                    map_index=ti.map_index,
                )
        if (giving_up or not left) and not waiting:
            return
        time.sleep(0.5)


def test_company_review_asks_and_records_an_answer_with_pipelines_json_alone(
    deployment: Deployment, sentiment_runs, control
):
    from enrichment.company_review.settings import ReviewSettings

    dag = dag_of("company_review")
    reviewer = Reviewer(ANSWERS)
    with deployment.as_pipelines():
        reviewer.start()
        run = dag.test(run_conf=every_param(ReviewSettings))
    reviewer.join(timeout=10)
    assert reviewer.error is None

    assert run.state == "success"
    assert control.denied() == []
    asked = sorted(
        ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "review.ask"
    )
    assert asked == sorted(ANSWERS)
    table = deployment.aws.client("dynamodb")
    items = {
        name: table.get_item(TableName="fang", Key={"name": {"S": name}})["Item"]
        for name in ANSWERS
    }
    delta, globex = items["Delta"], items["Globex Corporation"]
    assert delta["wikipedia_title"] == {"S": "Delta Air Lines"}
    assert delta["reviewed_by"] == {"S": REVIEWER}
    assert globex["review_status"] == {"S": "no_article"}
    assert "review_open" not in delta
    assert "review_open" not in globex


# -- each action is needed --------------------------------------------------------------


def _no_problem(resource) -> None:
    from enrichment import preflight

    assert preflight.problems([resource]) == []


def _describe_log_group() -> None:
    """preflight's look for the task log group (which, refused, it only warns about)."""
    from enrichment import aws

    found = aws.logs_client().describe_log_groups(logGroupNamePrefix=_log_group(), limit=50)
    assert [group["logGroupName"] for group in found["logGroups"]] == [_log_group()]


def _topic_attributes() -> None:
    """preflight's look for the alert topic (which, refused, it only warns about)."""
    from enrichment import aws
    from enrichment.preflight import topic_arn
    from enrichment.settings import ALERTS_TOPIC

    sns = aws.sns_client()
    sns.get_topic_attributes(
        TopicArn=topic_arn(sns.meta.region_name, aws.account_id(), ALERTS_TOPIC)
    )


def _log_group() -> str:
    from enrichment.task_logs import log_group_of

    return log_group_of(
        read_env_file(PROJECT_ROOT / "deploy" / "task-logs.env")[
            "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"
        ]
    )


def _ship_log(folder: Path) -> None:
    """A task log sent as a try's end sends it (CreateLogStream, then PutLogEvents)."""
    from enrichment.task_logs import CloudWatchTaskLogs

    relative = f"dag_id=iam-probe/run_id={uuid.uuid4().hex}/task_id=probe/attempt=1.log"
    local = folder / relative
    local.parent.mkdir(parents=True, exist_ok=True)
    event = {"timestamp": "2026-12-01T00:00:00.000000Z", "event": "probe"}
    local.write_text(json.dumps(event) + "\n")
    shipping = CloudWatchTaskLogs(
        base_log_folder=folder,
        log_group_arn=f"arn:aws:logs:::log-group:{_log_group()}",
        delete_local_copy=False,
    )
    assert shipping.send(relative, local)


def _hold_a_slot(slots_table) -> None:
    """A Wikipedia request slot taken and freed (two UpdateItem calls)."""
    from enrichment.request_slots import RequestSlots

    with RequestSlots(slots_table, "iam-probe", 1, lease=30).hold():
        pass


def _labels() -> None:
    from enrichment import aws
    from enrichment.image_labels.rekognition import detect_labels

    assert detect_labels(aws.rekognition_client(), BUCKET, PROBE_IMAGE, 10, 50.0)


def _secret() -> None:
    from airflow.providers.amazon.aws.secrets.secrets_manager import SecretsManagerBackend

    kwargs = json.loads(read_env_file(SECRETS_ENV)["AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS"])
    value = SecretsManagerBackend(**kwargs).get_conn_value("wikipedia_default")
    assert json.loads(value)["conn_type"] == "http"


def probes(folder: Path) -> dict[str, list[Callable[[], object]]]:
    """Each action of pipelines.json -> the calls deploy/iam/calls.yaml names for it, made
    as the code makes them, through ``aws_default``."""
    from enrichment import alerts, aws, preflight, storage
    from enrichment.company_sentiment import companies, comprehend, sentiment_cache
    from enrichment.image_labels import label_table
    from enrichment.settings import ALERTS_TOPIC

    def table(name: str):
        return aws.dynamodb_table(name)

    answer = comprehend.Sentiment("NEUTRAL", 0.0, 0.0, 1.0, 0.0, 20)
    alert = alerts.run_alert("company_sentiment", "iam-probe", DS, "probe", "probe")
    return {
        "dynamodb:DescribeTable": [lambda: _no_problem(preflight.Table("fang", "name"))],
        "dynamodb:Scan": [lambda: companies.scan_table(table("fang"))],
        "dynamodb:UpdateItem": [lambda: _hold_a_slot(table("request_slots"))],
        "dynamodb:BatchGetItem": [lambda: sentiment_cache.lookup(table("sentiment_cache"), ["x"])],
        "dynamodb:BatchWriteItem": [
            lambda: sentiment_cache.store(table("sentiment_cache"), {"iam-probe": answer})
        ],
        "dynamodb:PutItem": [
            lambda: label_table.put_new(table("image_labels"), {"image_id": uuid.uuid4().hex})
        ],
        "s3:ListBucket": [
            lambda: _no_problem(preflight.Bucket(BUCKET)),
            lambda: aws.s3_client().list_objects_v2(Bucket=BUCKET, Prefix="sentiment/", MaxKeys=1),
        ],
        "s3:PutObject": [
            lambda: storage.put_bytes(aws.s3_client(), BUCKET, PROBE_FILE, b"x\n", "text/csv")
        ],
        "s3:GetObject": [lambda: storage.get_text(aws.s3_client(), BUCKET, PROBE_FILE), _labels],
        "s3:DeleteObject": [
            lambda: storage.delete(aws.s3_client(), BUCKET, "sentiment/iam-probe/gone.csv")
        ],
        "comprehend:BatchDetectSentiment": [
            lambda: comprehend.detect_sentiments(aws.comprehend_client(), ["A leading firm."], "en")
        ],
        "rekognition:DetectLabels": [_labels],
        "logs:DescribeLogGroups": [_describe_log_group],
        "logs:CreateLogStream": [lambda: _ship_log(folder)],
        "logs:PutLogEvents": [lambda: _ship_log(folder)],
        "sns:GetTopicAttributes": [_topic_attributes],
        "sns:Publish": [lambda: alerts.publish(ALERTS_TOPIC, alert)],
        "secretsmanager:GetSecretValue": [_secret],
    }


@pytest.fixture(scope="module")
def probe_objects(deployment: Deployment):
    """What the probes read: an image to label and a file, put there by the admin."""
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 90, 220)).save(image, "PNG")
    s3 = deployment.aws.client("s3")
    s3.put_object(Bucket=BUCKET, Key=PROBE_IMAGE, Body=image.getvalue())
    s3.put_object(Bucket=BUCKET, Key=PROBE_FILE, Body=b"x\n")


def refused(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) is IAM's refusal: AWS's codes, or
    Rekognition's answer when it may not read the image."""
    from botocore.exceptions import ClientError

    from enrichment.image_labels.rekognition import ImageRejected

    while error is not None:
        if isinstance(error, ClientError) and error.response["Error"]["Code"] in REFUSED:
            return True
        if isinstance(error, ImageRejected) and "InvalidS3ObjectException" in error.reason:
            return True
        error = error.__cause__ or error.__context__
    return False


def test_every_action_has_the_calls_calls_yaml_names_for_it(tmp_path):
    assert set(probes(tmp_path)) == set(ACTIONS) == set(CALLS["pipelines.json"])
    assert {len(probes(tmp_path)[a]) for a in ACTIONS} == {1, 2}


def test_with_pipelines_json_every_named_call_goes_through(
    deployment: Deployment, probe_objects, control, tmp_path
):
    with deployment.as_pipelines():
        for calls in probes(tmp_path).values():
            for call in calls:
                call()
    assert control.denied() == []


@pytest.mark.parametrize("action", ACTIONS)
def test_without_an_action_the_calls_it_serves_are_refused(
    action: str, deployment: Deployment, probe_objects, control, tmp_path
):
    name = f"without-{action.replace(':', '.')}"
    key = deployment.aws.user(name, as_moto_enforces(without_action(PIPELINES, action)))
    with deployment.as_pipelines(key):
        for call in probes(tmp_path)[action]:
            with pytest.raises(Exception) as failed:  # noqa: PT011 (which one: refused())
                call()
            assert refused(failed.value), failed.value
    assert set(control.denied()) == {f"{user_arn(name)} {action}"}


# -- connections from Secrets Manager ---------------------------------------------------


def test_company_sentiment_reads_its_wikipedia_connection_from_secrets_manager(
    deployment: Deployment, control
):
    """``airflow dags test`` with deploy/secrets-manager.env as it ships, no Wikipedia
    connection in the environment or the metadata database, and the pipelines user as
    ``aws_default`` and as the environment's credentials (what a role gives on AWS). Only
    the endpoint is the stand-in's, as botocore's AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from enrichment.company_sentiment.settings import SentimentSettings

    with create_session() as session:
        stored = session.scalars(select(Connection.conn_id)).all()
    assert "wikipedia_default" not in stored
    env = {name: value for name, value in os.environ.items() if "WIKIPEDIA" not in name.upper()}
    env |= read_env_file(SECRETS_ENV) | deployment.pipelines.env()
    env |= {
        "AIRFLOW_CONN_AWS_DEFAULT": deployment.aws.connection(deployment.pipelines),
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": deployment.aws.url,
    }
    conf = json.dumps(every_param(SentimentSettings))
    done = subprocess.run(
        [AIRFLOW, "dags", "test", "company_sentiment", SECRETS_DS, "--conf", conf],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    rows = result_rows(deployment, SECRETS_DS)
    assert sorted(rows) == sorted(COMPANIES)
    # Each company's Wikipedia call went through (Delta and Globex Corporation are ok or
    # no_article once the review above answered for them, else ambiguous or not_found).
    assert {row["status"] for row in rows.values()} <= {
        "ok",
        "ambiguous",
        "not_found",
        "no_article",
    }
    assert (rows["Enron"]["status"], rows["Enron"]["sentiment"]) == ("ok", "NEGATIVE")
    assert control.calls("GetSecretValue") >= 1
    assert control.denied() == []
