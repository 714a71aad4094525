"""What the pipelines write to S3: one sentiment CSV and one image-labels summary per
logical date (replaced whole when that date is re-run), and images keyed by content."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from enrichment import AWS_CONN_ID

SENTIMENT_BUCKET = "fangsentiment"
SENTIMENT_PREFIX = "sentiment/"
IMAGE_PREFIX = "images/"
REPORT_PREFIX = "reports/image_labels/"


def partition_date(logical_date: datetime | None, run_after: datetime) -> str:
    """``YYYY-MM-DD`` of the run's logical date.

    Airflow 3 lets a manual run have no logical date; such a run is filed under the day
    it was asked to run after.
    """
    return (logical_date or run_after).date().isoformat()


def sentiment_key(prefix: str, ds: str, table_name: str) -> str:
    """``sentiment/ds=YYYY-MM-DD/fang_sentiment.csv`` for the default prefix and table."""
    return f"{prefix.strip('/')}/ds={ds}/{table_name}_sentiment.csv"


def image_key(prefix: str, image_id: str, extension: str) -> str:
    """``images/<sha256>.<ext>`` for the default prefix."""
    return f"{prefix.strip('/')}/{image_id}.{extension}"


def report_key(prefix: str, ds: str) -> str:
    """``reports/image_labels/ds=YYYY-MM-DD/summary.json`` for the default prefix."""
    return f"{prefix.strip('/')}/ds={ds}/summary.json"


def to_csv(rows: Sequence[dict], columns: Mapping[str, str]) -> str:
    """CSV text of ``rows`` with exactly ``columns`` (name -> pandas dtype), rows in order."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns)).astype(dict(columns))
    return frame.to_csv(index=False)


def put_text(text: str, bucket: str, key: str, conn_id: str = AWS_CONN_ID) -> str:
    """Write ``text`` to ``s3://bucket/key``, replacing any object there; returns the URI."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    S3Hook(aws_conn_id=conn_id).load_string(text, key=key, bucket_name=bucket, replace=True)
    return f"s3://{bucket}/{key}"


def put_json(document: dict, bucket: str, key: str, conn_id: str = AWS_CONN_ID) -> str:
    """Write ``document`` as indented JSON to ``s3://bucket/key``; returns the URI."""
    return put_text(json.dumps(document, indent=2, sort_keys=True), bucket, key, conn_id)


def put_bytes(
    data: bytes, bucket: str, key: str, content_type: str, conn_id: str = AWS_CONN_ID
) -> str:
    """Write ``data`` to ``s3://bucket/key`` with its Content-Type; returns the URI."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    S3Hook(aws_conn_id=conn_id).get_conn().put_object(
        Bucket=bucket, Key=key, Body=data, ContentType=content_type
    )
    return f"s3://{bucket}/{key}"


def get_text(bucket: str, key: str, conn_id: str = AWS_CONN_ID) -> str:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=conn_id).read_key(key, bucket_name=bucket)
