"""Create what the pipelines need and seed the companies table; safe to run again.

- the DynamoDB tables of both pipelines' default settings (``fang``, key ``name``;
  ``sentiment_cache``, key ``text_sha256``; ``page_timelines``, key ``title``, and
  ``revision_texts``, key ``revision_id``, what was learned of articles' histories;
  ``request_slots``, key ``slot``, the deployment's Wikipedia request slots;
  ``image_labels``, key ``image_id``), on-demand billing;
- their S3 bucket (``fangsentiment``);
- the companies of the package's ``config/companies.yaml`` (re-seeding overwrites by name);
- the Airflow pool that keeps company tasks on workers to the 3 Wikipedia request slots;
- with remote logging on (:mod:`enrichment.task_logs`), where task logs go: the CloudWatch
  log group, its retention set to ``--log-retention-days``, or for an ``s3://`` folder a
  lifecycle rule of the bucket that expires the folder's objects after as many days.

Resources are created through the ``aws_default`` connection, so the same command
prepares the local stand-ins, docker compose or a real AWS account.

    python -m enrichment.bootstrap [--companies FILE] [--no-pool] [--log-retention-days N]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from enrichment import aws, request_slots
from enrichment.company_sentiment import (
    companies,
    page_timelines,
    revision_texts,
    sentiment_cache,
)
from enrichment.company_sentiment.operator import POOL, POOL_SLOTS
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels import label_table
from enrichment.image_labels.settings import ImageLabelsSettings

COMPANIES_FILE = resources.files("enrichment") / "config" / "companies.yaml"
TABLE_KEYS = {
    SentimentSettings.companies_table: companies.KEY,
    SentimentSettings.sentiment_cache_table: sentiment_cache.KEY,
    SentimentSettings.page_timelines_table: page_timelines.KEY,
    SentimentSettings.revision_texts_table: revision_texts.KEY,
    SentimentSettings.request_slots_table: request_slots.KEY,
    ImageLabelsSettings.labels_table: label_table.KEY,
}
BUCKETS = sorted({SentimentSettings.bucket, ImageLabelsSettings.bucket})
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

log = logging.getLogger(__name__)


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
    from airflow.sdk import conf

    # Imported once Airflow is: Airflow's own start-up imports this logging configuration
    # module, which must not be the one that starts Airflow.
    from enrichment import task_logs

    where = task_logs.destination()
    if where is None:
        return {}
    kind, name = where
    if kind == "s3":
        return {name: ensure_log_expiry(s3, name, retention_days)}
    folder = conf.get("logging", "remote_base_log_folder")
    logs = aws.logs_client(region_name=task_logs.region_of(folder))
    return {f"log group {name}": ensure_log_group(logs, name, retention_days)}


def load_companies(path: Traversable) -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["companies"]


def bootstrap(
    companies_file: Traversable = COMPANIES_FILE,
    pool: bool = True,
    log_retention_days: int = LOG_RETENTION_DAYS,
) -> dict[str, Any]:
    dynamodb = aws.dynamodb_client()
    s3 = aws.s3_client()
    created = {name: ensure_table(dynamodb, name, key) for name, key in TABLE_KEYS.items()}
    created |= {name: ensure_bucket(s3, name) for name in BUCKETS}
    logs = ensure_task_logs(s3, log_retention_days)
    created |= logs
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=Path, default=COMPANIES_FILE)
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
    outcome = bootstrap(
        args.companies, pool=not args.no_pool, log_retention_days=args.log_retention_days
    )
    for name, was_created in outcome["created"].items():
        log.info("%-16s %s", name, "created" if was_created else "already there")
    log.info("%-16s %d companies", SentimentSettings.companies_table, outcome["seeded"])
    if outcome["log_retention_days"]:
        log.info("%-16s kept %d days", "task logs", outcome["log_retention_days"])
    if outcome["pool"]:
        log.info("%-16s %d slots", f"pool {POOL}", POOL_SLOTS)


if __name__ == "__main__":
    main()
