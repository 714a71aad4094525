"""The shipped IAM policies (``deploy/iam/``) follow the settings and the code.

Each action is one a named call needs (``deploy/iam/calls.yaml``, checked against the
files), no action is a wildcard, and the resources are exactly the tables, bucket,
prefixes, log group, topic and secret prefixes the shipped settings name: a setting the
policy does not cover, or a resource the settings no longer name, fails here. moto
matches resource ARNs only for S3, SQS, IAM and STS, so these ARNs are checked here; the
run of every DAG under ``pipelines.json`` (tests/integration/test_least_privilege.py)
checks the actions.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from dev import PROJECT_ROOT
from enrichment import preflight
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.settings import ALERTS_TOPIC
from enrichment.task_logs import log_group_of

IAM = PROJECT_ROOT / "deploy" / "iam"
POLICIES = ("pipelines.json", "bootstrap.json", "api-server.json")
CALLS = yaml.safe_load((IAM / "calls.yaml").read_text(encoding="utf-8"))
SETTINGS = (SentimentSettings(), ReviewSettings(), ImageLabelsSettings())


def statements(name: str) -> list[dict]:
    return json.loads((IAM / name).read_text(encoding="utf-8"))["Statement"]


def actions(name: str) -> set[str]:
    return {action for statement in statements(name) for action in statement["Action"]}


def resources(name: str) -> set[str]:
    return {resource for statement in statements(name) for resource in statement["Resource"]}


def env_file(name: str) -> dict[str, str]:
    lines = (PROJECT_ROOT / "deploy" / name).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def needed_tables() -> set[str]:
    return {r.name for s in SETTINGS for r in s.needs() if isinstance(r, preflight.Table)}


def task_log_group() -> str:
    return log_group_of(env_file("task-logs.env")["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"])


@pytest.mark.parametrize("name", POLICIES)
def test_every_action_is_named_and_allowed_only(name):
    for statement in statements(name):
        assert statement["Effect"] == "Allow"
        assert set(statement) == {"Sid", "Effect", "Action", "Resource"}
        for action in statement["Action"]:
            assert re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z]+", action), action


@pytest.mark.parametrize("name", POLICIES)
def test_each_action_serves_calls_the_code_makes(name):
    assert set(CALLS[name]) == actions(name)
    for action, calls in CALLS[name].items():
        for call in calls:
            ((path, text),) = call.items()
            assert text in (PROJECT_ROOT / path).read_text(encoding="utf-8"), (action, path, text)


def test_the_pipelines_reach_exactly_the_tables_the_settings_name():
    named = {
        arn.rsplit("/", 1)[1]
        for name in ("pipelines.json", "bootstrap.json")
        for arn in resources(name)
        if arn.startswith("arn:aws:dynamodb:")
    }
    assert named == needed_tables()
    checked = next(s for s in statements("pipelines.json") if s["Sid"] == "CheckTables")
    assert {arn.rsplit("/", 1)[1] for arn in checked["Resource"]} == needed_tables()


def test_the_pipelines_write_only_under_the_prefixes_the_settings_name():
    sentiment, images = SentimentSettings(), ImageLabelsSettings()
    assert sentiment.bucket == images.bucket
    bucket = f"arn:aws:s3:::{sentiment.bucket}"
    prefixes = {sentiment.prefix, images.image_prefix, images.report_prefix}
    for name in ("pipelines.json", "api-server.json"):
        objects = {arn for arn in resources(name) if arn.startswith(f"{bucket}/")}
        assert {arn.removeprefix(f"{bucket}/").removesuffix("*") for arn in objects} <= prefixes
    written = {
        arn.removeprefix(f"{bucket}/").removesuffix("*")
        for statement in statements("pipelines.json")
        if "s3:PutObject" in statement["Action"]
        for arn in statement["Resource"]
    }
    assert written == prefixes
    s3 = {arn for name in POLICIES for arn in resources(name) if arn.startswith("arn:aws:s3:")}
    assert {arn.split("/", 1)[0] for arn in s3} == {bucket}


def test_logs_topic_and_secrets_are_the_deployments():
    group = f"arn:aws:logs:*:*:log-group:{task_log_group()}"
    for name in POLICIES:
        logs = {arn for arn in resources(name) if arn.startswith("arn:aws:logs:")}
        assert logs <= {group, f"{group}:log-stream:*", "arn:aws:logs:*:*:log-group:*"}
        topics = {arn for arn in resources(name) if arn.startswith("arn:aws:sns:")}
        assert topics <= {f"arn:aws:sns:*:*:{ALERTS_TOPIC}"}
    backend = json.loads(env_file("secrets-manager.env")["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    readable = {
        f"arn:aws:secretsmanager:*:*:secret:{backend[prefix]}/*"
        for prefix in ("connections_prefix", "variables_prefix")
    }
    for name in ("pipelines.json", "api-server.json"):
        assert {arn for arn in resources(name) if ":secretsmanager:" in arn} == readable


def test_only_services_without_resource_level_permissions_take_any_resource():
    for name in POLICIES:
        for statement in statements(name):
            if "*" in statement["Resource"]:
                assert {action.split(":")[0] for action in statement["Action"]} <= {
                    "comprehend",
                    "rekognition",
                    "sns",
                }, statement["Sid"]


def test_the_secrets_backend_is_the_same_for_workers_and_the_rest():
    settings = env_file("secrets-manager.env")
    assert settings["AIRFLOW__SECRETS__BACKEND"] == settings["AIRFLOW__WORKERS__SECRETS_BACKEND"]
    kwargs = json.loads(settings["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    assert kwargs == json.loads(settings["AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS"])
    lookup = re.compile(kwargs["connections_lookup_pattern"], re.IGNORECASE)
    assert not lookup.match("aws_default")
    assert lookup.match("wikipedia_default")


def test_calls_file_lists_only_the_three_policies():
    assert set(CALLS) == set(POLICIES)
    assert sorted(path.name for path in IAM.glob("*.json")) == sorted(POLICIES)
