"""Objects in S3: each written whole, replacing what was under its key.

Writes are idempotent by key: a re-run of a date writes the same keys again and leaves
nothing behind from the earlier run. The S3 client is the caller's
(:func:`enrichment.aws.s3_client`, built once per task).
"""

from __future__ import annotations

import json


def put_bytes(s3, bucket: str, key: str, data: bytes, content_type: str) -> str:
    """Write ``data`` to ``s3://bucket/key`` with its Content-Type; returns the URI."""
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
    return f"s3://{bucket}/{key}"


def put_json(s3, bucket: str, key: str, document: dict) -> str:
    """Write ``document`` as indented, key-sorted JSON; returns the URI."""
    text = json.dumps(document, indent=2, sort_keys=True)
    return put_bytes(s3, bucket, key, text.encode("utf-8"), "application/json")


def delete(s3, bucket: str, key: str) -> None:
    """Remove ``s3://bucket/key``; nothing happens when there is no such object."""
    s3.delete_object(Bucket=bucket, Key=key)


def get_text(s3, bucket: str, key: str) -> str:
    """The UTF-8 text of ``s3://bucket/key``."""
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
