"""Create what the pipelines need and seed the companies table; safe to run again.

- DynamoDB tables ``fang`` (key ``name``) and ``image_labels`` (key ``image_id``),
  on-demand billing;
- the S3 bucket ``fangsentiment``;
- the companies from ``include/config/companies.yaml`` (re-seeding overwrites by name);
- the Airflow pool that keeps at most 3 Wikipedia requests in flight.

Resources are created through the ``aws_default`` connection, so the same command
prepares the local stand-ins, docker compose or a real AWS account.

    python -m enrichment.bootstrap [--companies FILE] [--no-pool]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import yaml

from enrichment import AWS_CONN_ID, companies, wikipedia
from enrichment.companies import COMPANIES_TABLE
from enrichment.image_table import IMAGE_LABELS_TABLE
from enrichment.results import SENTIMENT_BUCKET

COMPANIES_FILE = Path(__file__).resolve().parents[1] / "config" / "companies.yaml"
TABLE_KEYS = {COMPANIES_TABLE: "name", IMAGE_LABELS_TABLE: "image_id"}

log = logging.getLogger(__name__)


def ensure_table(name: str, key: str, conn_id: str = AWS_CONN_ID) -> bool:
    """Create an on-demand table with string partition key ``key``; False if it existed."""
    from airflow.providers.amazon.aws.hooks.dynamodb import DynamoDBHook

    client = DynamoDBHook(aws_conn_id=conn_id).client
    try:
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return True


def ensure_bucket(name: str, conn_id: str = AWS_CONN_ID) -> bool:
    """Create the bucket in the connection's region; False if it existed."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook(aws_conn_id=conn_id)
    if hook.check_for_bucket(name):
        return False
    hook.create_bucket(bucket_name=name)
    return True


def ensure_pool() -> None:
    """The Airflow pool that bounds requests in flight to Wikipedia."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        name=wikipedia.POOL,
        slots=wikipedia.POOL_SLOTS,
        description="Wikimedia etiquette: at most 3 requests in flight",
        include_deferred=False,
    )


def load_companies(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["companies"]


def bootstrap(companies_file: Path = COMPANIES_FILE, pool: bool = True) -> dict[str, Any]:
    created = {name: ensure_table(name, key) for name, key in TABLE_KEYS.items()}
    created[SENTIMENT_BUCKET] = ensure_bucket(SENTIMENT_BUCKET)
    seeded = companies.put_companies(COMPANIES_TABLE, load_companies(companies_file))
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
    log.info("%-16s %d companies", COMPANIES_TABLE, outcome["seeded"])
    if outcome["pool"]:
        log.info("%-16s %d slots", f"pool {wikipedia.POOL}", wikipedia.POOL_SLOTS)


if __name__ == "__main__":
    main()
