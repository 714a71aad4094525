"""Create what the pipelines need and seed the companies table; safe to run again.

- the DynamoDB tables of both pipelines' default settings (``fang``, key ``name``;
  ``sentiment_cache``, key ``text_sha256``; ``page_timelines``, key ``title``, and
  ``revision_texts``, key ``revision_id``, what was learned of articles' histories;
  ``request_slots``, key ``slot``, the deployment's Wikipedia request slots;
  ``image_labels``, key ``image_id``), on-demand billing;
- their S3 bucket (``fangsentiment``);
- the companies of the package's ``config/companies.yaml`` (re-seeding overwrites by name);
- the Airflow pool that keeps company tasks on workers to the 3 Wikipedia request slots.

Resources are created through the ``aws_default`` connection, so the same command
prepares the local stand-ins, docker compose or a real AWS account.

    python -m enrichment.bootstrap [--companies FILE] [--no-pool]
"""

from __future__ import annotations

import argparse
import logging
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from enrichment import aws, request_slots
from enrichment.company_sentiment import (
    companies,
    page_history,
    revision_texts,
    sentiment_cache,
    wikipedia,
)
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels import label_table
from enrichment.image_labels.settings import ImageLabelsSettings

COMPANIES_FILE = resources.files("enrichment") / "config" / "companies.yaml"
TABLE_KEYS = {
    SentimentSettings.companies_table: companies.KEY,
    SentimentSettings.sentiment_cache_table: sentiment_cache.KEY,
    SentimentSettings.page_timelines_table: page_history.KEY,
    SentimentSettings.revision_texts_table: revision_texts.KEY,
    SentimentSettings.request_slots_table: request_slots.KEY,
    ImageLabelsSettings.labels_table: label_table.KEY,
}
BUCKETS = sorted({SentimentSettings.bucket, ImageLabelsSettings.bucket})

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
    so company tasks queue in the scheduler rather than wait for a slot in a worker."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        name=wikipedia.POOL,
        slots=wikipedia.MAX_IN_FLIGHT,
        description="Wikimedia etiquette: company tasks on workers, one per request slot",
        include_deferred=False,
    )


def load_companies(path: Traversable) -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["companies"]


def bootstrap(companies_file: Traversable = COMPANIES_FILE, pool: bool = True) -> dict[str, Any]:
    dynamodb = aws.dynamodb_client()
    s3 = aws.s3_client()
    created = {name: ensure_table(dynamodb, name, key) for name, key in TABLE_KEYS.items()}
    created |= {name: ensure_bucket(s3, name) for name in BUCKETS}
    seeded = companies.put_companies(
        aws.dynamodb_table(SentimentSettings.companies_table), load_companies(companies_file)
    )
    if pool:
        ensure_pool()
    return {"created": created, "seeded": seeded, "pool": pool}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=Path, default=COMPANIES_FILE)
    parser.add_argument(
        "--no-pool", action="store_true", help="skip the Airflow pool (no metadata DB at hand)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    outcome = bootstrap(args.companies, pool=not args.no_pool)
    for name, was_created in outcome["created"].items():
        log.info("%-16s %s", name, "created" if was_created else "already there")
    log.info("%-16s %d companies", SentimentSettings.companies_table, outcome["seeded"])
    if outcome["pool"]:
        log.info("%-16s %d slots", f"pool {wikipedia.POOL}", wikipedia.MAX_IN_FLIGHT)


if __name__ == "__main__":
    main()
