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


def test_latency_of_one_operation_or_service_overrides_every_calls(stack, aws_control):
    """What bench/fanout.py sets: an operation's latency, else its service's, else all."""
    import boto3

    url = stack.url("aws")
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    dynamodb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    comprehend = boto3.client("comprehend", endpoint_url=url, region_name="us-east-1")

    def seconds(call) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    s3.list_buckets()  # connections made before anything is timed
    dynamodb.list_tables()
    comprehend.batch_detect_sentiment(TextList=["fine"], LanguageCode="en")
    aws_control.latency(0.0, services={"s3": 1.0}, operations={"BatchDetectSentiment": 2.0})
    try:
        assert 1.0 <= seconds(s3.list_buckets) < 2.0
        assert seconds(dynamodb.list_tables) < 1.0
        batch = seconds(
            lambda: comprehend.batch_detect_sentiment(TextList=["fine"], LanguageCode="en")
        )
        assert batch >= 2.0
        assert seconds(lambda: comprehend.detect_sentiment(Text="fine", LanguageCode="en")) < 1.0
    finally:
        aws_control.latency(0)
