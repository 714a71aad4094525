"""The AWS stand-in's outage control over real HTTP, through the boto3 clients the
pipeline uses: every service answers 503 for the outage's seconds, then works again."""

from __future__ import annotations

import time

import pytest


def test_an_outage_refuses_every_service_until_it_ends(stack, aws_control):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    once = Config(retries={"mode": "standard", "total_max_attempts": 1})
    url = stack.url("aws")
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", config=once)
    dynamodb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", config=once)
    aws_control.outage(2.0)

    for call in (s3.list_buckets, dynamodb.list_tables):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    # The stand-in is the session's: an Airflow another test left running may call it too,
    # so the counts say "at least ours" during the outage and "no more" after it.
    assert aws_control.refused() >= 2
    time.sleep(2.1)
    after_outage = aws_control.refused()
    assert "Buckets" in s3.list_buckets()
    assert "TableNames" in dynamodb.list_tables()
    assert aws_control.refused() == after_outage
