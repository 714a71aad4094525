"""Bootstrap creates tables, bucket, seed and pool, and can run any number of times."""

from __future__ import annotations

from enrichment.bootstrap import COMPANIES_FILE, bootstrap, load_companies


def test_bootstrap_is_idempotent(bootstrapped, dynamodb, s3):
    again = bootstrap()

    made = {
        "DynamoDB table fang (key name)",
        "DynamoDB table sentiment_cache (key text_sha256)",
        "DynamoDB table page_timelines (key title)",
        "DynamoDB table revision_texts (key revision_id)",
        "DynamoDB table request_slots (key slot)",
        "DynamoDB table image_labels (key image_id)",
        "S3 bucket fangsentiment",
        "SNS topic enrichment-alerts",
    }
    assert set(bootstrapped["created"]) == made
    assert again["created"] == dict.fromkeys(made, False)
    seed = load_companies(COMPANIES_FILE)
    assert again["seeded"] == bootstrapped["seeded"] == len(seed)
    items = dynamodb.Table("fang").scan()["Items"]
    assert sorted(i["name"] for i in items) == sorted(c["name"] for c in seed)
    assert dynamodb.Table("image_labels").key_schema == [
        {"AttributeName": "image_id", "KeyType": "HASH"}
    ]
    assert dynamodb.Table("sentiment_cache").key_schema == [
        {"AttributeName": "text_sha256", "KeyType": "HASH"}
    ]
    assert dynamodb.Table("request_slots").key_schema == [
        {"AttributeName": "slot", "KeyType": "HASH"}
    ]
    s3.head_bucket(Bucket="fangsentiment")


def test_seed_has_the_books_fang_companies_and_at_least_25(bootstrapped):
    names = {c["name"] for c in load_companies(COMPANIES_FILE)}
    assert {"Facebook", "Amazon", "Netflix", "Google"} <= names
    assert len(names) >= 25


def test_wikipedia_pool_has_three_slots(bootstrapped):
    from airflow.models.pool import Pool

    assert Pool.get_pool("wikipedia").slots == 3
