"""Create what the pipelines need and seed the companies table; safe to run again, and
the upgrade step: a new version's tables, topics or log groups are made by running it.

- the DynamoDB tables every pipeline's default settings name (``needs()`` of
  ``SentimentSettings``, ``ReviewSettings``, ``ImageLabelsSettings``: ``fang``, key
  ``name``; ``sentiment_cache``, key ``text_sha256``; ``page_timelines``, key ``title``,
  and ``revision_texts``, key ``revision_id``, what was learned of articles' histories;
  ``request_slots``, key ``slot``, the deployment's Wikipedia request slots;
  ``image_labels``, key ``image_id``), on-demand billing, and their S3 bucket
  (``fangsentiment``);
- the SNS topic alerts go to (``enrichment-alerts``, :mod:`enrichment.alerts`);
- the companies of the package's ``config/companies.yaml`` (re-seeding overwrites by name);
- the Airflow pool that keeps company tasks on workers to the 3 Wikipedia request slots;
- with remote logging on (:mod:`enrichment.task_logs`), where task logs go: the CloudWatch
  log group, its retention set to ``--log-retention-days``, or for an ``s3://`` folder a
  lifecycle rule of the bucket that expires the folder's objects after as many days;
- with ``--connections FILE``, the Airflow connections of that file written to AWS
  Secrets Manager, where the deployment's secrets backend reads them
  (``airflow/connections/<conn_id>``; ``deploy/secrets-manager.env``).

``--check`` changes nothing: it lists what is missing or different (the same check each
DAG's first task makes) and exits 1 if anything is. Resources are created through the
``aws_default`` connection, so the same command prepares the local stand-ins, docker
compose or a real AWS account (its policy: ``deploy/iam/bootstrap.json``).

    python -m enrichment.bootstrap [--check] [--companies FILE] [--no-pool]
        [--log-retention-days N] [--connections FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from enrichment import aws, preflight
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment import companies
from enrichment.company_sentiment.operator import POOL, POOL_SLOTS
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.settings import ALERTS_TOPIC

COMPANIES_FILE = resources.files("enrichment") / "config" / "companies.yaml"
# Every pipeline's default settings: what the bootstrap makes and --check looks for.
PIPELINE_SETTINGS = (SentimentSettings(), ReviewSettings(), ImageLabelsSettings())
# Task logs are kept a month: long enough to look into last month's runs, and CloudWatch
# bills storage per GB-month (docs/operations.md#task-logs).
LOG_RETENTION_DAYS = 30
# CloudWatch Logs takes only these retention periods (days).
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
# The id of the bucket lifecycle rule that expires S3 task logs.
LOG_EXPIRY_RULE = "expire-task-logs"
# Where the amazon provider's SecretsManagerBackend looks connections up by default.
CONNECTIONS_PREFIX = "airflow/connections"
# How the secrets backend reaches AWS: never looked up there (deploy/secrets-manager.env).
BACKEND_CONNECTION = aws.AWS_CONN_ID

log = logging.getLogger(__name__)


def needed() -> list[preflight.Resource]:
    """Everything the pipelines' default settings and the deployment need, each once."""
    found = [resource for settings in PIPELINE_SETTINGS for resource in settings.needs()]
    found += preflight.deployment_needs(ALERTS_TOPIC)
    return list(dict.fromkeys(found))


def ensure_table(dynamodb, name: str, key: str) -> bool:
    """Create an on-demand table with string partition key ``key``; False if it existed."""
    try:
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except dynamodb.exceptions.ResourceInUseException:
        return False
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return True


def ensure_bucket(s3, name: str) -> bool:
    """Create the bucket in the client's region; False if it existed."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
        return False
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    region = s3.meta.region_name
    # us-east-1 is S3's default location and must not be named as a constraint.
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    return True


def ensure_pool() -> None:
    """The Airflow pool of ``enrich`` on workers: one worker per Wikipedia request slot,
    so company tasks queue in the scheduler rather than wait for a slot in a worker.
    Made with Airflow's CLI, which creates the pool or updates it to these values."""
    description = "Wikimedia etiquette: company tasks on workers, one per request slot"
    command = [sys.executable, "-m", "airflow", "pools", "set", POOL, str(POOL_SLOTS), description]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`airflow pools set {POOL}` failed: {done.stderr.strip()}")


def ensure_topic(sns, name: str) -> bool:
    """Create the SNS topic (CreateTopic returns the existing one's ARN); whether it was
    missing."""
    existing = {
        arn.rsplit(":", 1)[1]
        for page in sns.get_paginator("list_topics").paginate()
        for arn in (topic["TopicArn"] for topic in page["Topics"])
    }
    sns.create_topic(Name=name)
    return name not in existing


def ensure_log_group(logs, name: str, retention_days: int) -> bool:
    """Create the log group and set its retention (again, if it changed); False if it
    existed."""
    try:
        logs.create_log_group(logGroupName=name)
        created = True
    except logs.exceptions.ResourceAlreadyExistsException:
        created = False
    logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
    return created


def ensure_log_expiry(s3, folder: str, retention_days: int) -> bool:
    """The bucket of ``folder`` (created if missing) with a lifecycle rule expiring the
    folder's objects after ``retention_days``, the bucket's other rules left as they are;
    whether the bucket was created."""
    from botocore.exceptions import ClientError

    bucket, _, prefix = folder.removeprefix("s3://").partition("/")
    created = ensure_bucket(s3, bucket)
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
            raise
        rules = []
    rule = {
        "ID": LOG_EXPIRY_RULE,
        "Filter": {"Prefix": prefix.rstrip("/") + "/"},
        "Status": "Enabled",
        "Expiration": {"Days": retention_days},
    }
    rules = [r for r in rules if r.get("ID") != LOG_EXPIRY_RULE] + [rule]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    return created


def ensure_task_logs(s3, retention_days: int) -> dict[str, bool]:
    """Where remote logging sends task logs, ready: name -> whether it was created (empty
    with remote logging off)."""
    # Imported once Airflow is: Airflow's own start-up imports this logging configuration
    # module, which must not be the one that starts Airflow.
    from enrichment import task_logs

    where = task_logs.destination()
    if where is None:
        return {}
    kind, name = where
    if kind == "s3":
        return {name: ensure_log_expiry(s3, name, retention_days)}
    logs = aws.logs_client(region_name=task_logs.region_of(task_logs.configured_folder()))
    return {f"log group {name}": ensure_log_group(logs, name, retention_days)}


def load_companies(path: Traversable) -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["companies"]


def load_connections(path: Path) -> dict[str, Any]:
    """Connection id -> the connection, from a YAML or JSON file of them (each a URI
    string or a dict of ``conn_type``, ``host``, ``login``, ``password``, ``extra``...,
    as ``AIRFLOW_CONN_*`` variables take them)."""
    import yaml

    found = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if BACKEND_CONNECTION in found:
        raise SystemExit(
            f"{path}: {BACKEND_CONNECTION} stays out of Secrets Manager: it is how the "
            "secrets backend reaches AWS (the workers' role or environment gives it)"
        )
    return found


def put_connections(secrets, connections: dict[str, Any]) -> dict[str, bool]:
    """Write each connection to ``airflow/connections/<conn_id>`` (a JSON document, as the
    provider's backend reads it); conn_id -> whether the secret was new."""
    written = {}
    for conn_id, connection in connections.items():
        name = f"{CONNECTIONS_PREFIX}/{conn_id}"
        value = connection if isinstance(connection, str) else json.dumps(connection)
        try:
            secrets.put_secret_value(SecretId=name, SecretString=value)
            written[conn_id] = False
        except secrets.exceptions.ResourceNotFoundException:
            secrets.create_secret(Name=name, SecretString=value)
            written[conn_id] = True
    return written


def bootstrap(
    companies_file: Traversable = COMPANIES_FILE,
    pool: bool = True,
    log_retention_days: int = LOG_RETENTION_DAYS,
    connections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    dynamodb = aws.dynamodb_client()
    s3 = aws.s3_client()
    wanted = needed()
    created = {
        str(r): ensure_table(dynamodb, r.name, r.key)
        for r in wanted
        if isinstance(r, preflight.Table)
    }
    created |= {
        str(r): ensure_bucket(s3, r.name) for r in wanted if isinstance(r, preflight.Bucket)
    }
    topics = [r for r in wanted if isinstance(r, preflight.Topic)]
    if topics:
        sns = aws.sns_client()
        created |= {str(topic): ensure_topic(sns, topic.name) for topic in topics}
    logs = ensure_task_logs(s3, log_retention_days)
    created |= logs
    if connections:
        written = put_connections(aws.secrets_manager_client(), connections)
        created |= {f"secret {CONNECTIONS_PREFIX}/{c}": new for c, new in written.items()}
    seeded = companies.put_companies(
        aws.dynamodb_table(SentimentSettings.companies_table), load_companies(companies_file)
    )
    if pool:
        ensure_pool()
    return {
        "created": created,
        "seeded": seeded,
        "pool": pool,
        "log_retention_days": log_retention_days if logs else None,
    }


def check() -> int:
    """What is missing or different, one line each; 1 if anything is, else 0."""
    found = preflight.problems(needed())
    for problem in found:
        log.warning("missing: %s", problem)
    if found:
        log.warning("%d missing or different: run `%s`", len(found), preflight.FIX)
        return 1
    log.info("everything the pipelines need is there")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="list what is missing or different; change nothing"
    )
    parser.add_argument("--companies", type=Path, default=COMPANIES_FILE)
    parser.add_argument(
        "--connections",
        type=Path,
        help="YAML/JSON file of Airflow connections to write to AWS Secrets Manager",
    )
    parser.add_argument(
        "--no-pool", action="store_true", help="skip the Airflow pool (no metadata DB at hand)"
    )
    parser.add_argument(
        "--log-retention-days",
        type=int,
        choices=CLOUDWATCH_RETENTION_DAYS,
        default=LOG_RETENTION_DAYS,
        metavar="DAYS",
        help=f"how long task logs are kept (default {LOG_RETENTION_DAYS}; CloudWatch's "
        "periods: 1, 3, 5, 7, 14, 30, 60, 90, ...)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.check:
        sys.exit(check())
    outcome = bootstrap(
        args.companies,
        pool=not args.no_pool,
        log_retention_days=args.log_retention_days,
        connections=load_connections(args.connections) if args.connections else None,
    )
    for name, was_created in outcome["created"].items():
        log.info("%-44s %s", name, "created" if was_created else "already there")
    log.info("%-44s %d companies", SentimentSettings.companies_table, outcome["seeded"])
    if outcome["log_retention_days"]:
        log.info("%-44s kept %d days", "task logs", outcome["log_retention_days"])
    if outcome["pool"]:
        log.info("%-44s %d slots", f"pool {POOL}", POOL_SLOTS)


if __name__ == "__main__":
    main()
