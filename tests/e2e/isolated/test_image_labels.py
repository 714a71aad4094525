"""image_labels through a real scheduler: unpaused, triggered through the REST API with
Params, the labels checked in DynamoDB and the images in S3; a run for a past date
refused with its message and nothing written.

Runs inside its own network namespace (``tests/e2e/test_image_labels.py``): the sample
site links and redirects to the cloud metadata address and a private one, whose canaries
must stay silent while Airflow's own task processes crawl it.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from dev.airflow_runs import run_seconds, task_instances, unpause, wait_for_run

DAG_ID = "image_labels"
BUCKET = "fangsentiment"
# Fresh table and prefixes, so the scheduled run that unpausing starts does not answer
# for the triggered one.
CONF = {
    "labels_table": "e2e_image_labels",
    "image_prefix": "e2e-images/",
    "report_prefix": "e2e-reports/",
    "batch_size": 4,
}
# The refused run's own table and prefixes: whatever it wrote would show there.
REFUSED_CONF = {
    "labels_table": "e2e_refused_image_labels",
    "image_prefix": "e2e-refused-images/",
    "report_prefix": "e2e-refused-reports/",
}


@pytest.fixture(scope="module")
def unpaused(api) -> dict:
    """The DAG switched on, and the scheduled run of today that follows, finished."""
    return unpause(api, DAG_ID)


def fresh_table(name: str) -> str:
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), name, "image_id")
    return name


@pytest.fixture(scope="module")
def labels_table(stack) -> str:
    return fresh_table(CONF["labels_table"])


@pytest.fixture(scope="module")
def refused_table(stack) -> str:
    return fresh_table(REFUSED_CONF["labels_table"])


def site_requests(stack) -> list[dict]:
    import requests

    return requests.get(stack.url("site") + "/__control__/requests", timeout=5).json()


def test_triggered_run_with_params_labels_each_image_once(
    api, unpaused, labels_table, dynamodb, s3, figures
):
    assert unpaused["state"] == "success"

    # No logical date: the run for now, as the trigger form's "today" is.
    run = api.post(f"dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": CONF})
    run = wait_for_run(api, DAG_ID, run["dag_run_id"])

    assert run["state"] == "success"
    ds = run["run_after"][:10]
    figures["image_labels_run_s"] = round(run_seconds(run), 1)
    report_key = f"e2e-reports/ds={ds}/summary.json"
    report = json.loads(s3.get_object(Bucket=BUCKET, Key=report_key)["Body"].read())
    items = dynamodb.Table(labels_table).scan()["Items"]
    assert items, "no image was labelled"
    assert report["images"] == report["labelled"] == report["rekognition_calls"] == len(items)
    stored = s3.list_objects_v2(Bucket=BUCKET, Prefix="e2e-images/")["Contents"]
    assert sorted(f"s3://{BUCKET}/{o['Key']}" for o in stored) == sorted(
        item["s3_uri"] for item in items
    )
    for item in items:
        assert item["s3_uri"].startswith(f"s3://{BUCKET}/e2e-images/{item['image_id']}.")
        assert item["labels"], item["source_url"]
        assert (item["first_seen_ds"], item["last_seen_ds"]) == (ds, ds)
    reasons = {skip["url"]: skip["reason"] for skip in report["skips"]}
    assert reasons["http://169.254.169.254/latest/meta-data/"] == (
        "refused: link-local address 169.254.169.254"
    )
    assert reasons["http://10.0.0.1/admin"] == "refused: private address 10.0.0.1"

    labelling = task_instances(api, DAG_ID, run["dag_run_id"], "label")
    assert len(labelling) == math.ceil(len(items) / CONF["batch_size"])
    assert sum(int(ti["rendered_map_index"].split()[0]) for ti in labelling) == len(items)
    assert {ti["state"] for ti in labelling} == {"success"}


def test_a_run_for_three_days_back_is_refused_and_writes_nothing(
    api, unpaused, refused_table, stack, dynamodb, s3
):
    import requests

    requests.delete(stack.url("site") + "/__control__/requests", timeout=5).raise_for_status()
    past = datetime.combine(datetime.now(UTC).date() - timedelta(days=3), datetime.min.time(), UTC)

    run = api.post(
        f"dags/{DAG_ID}/dagRuns", {"logical_date": past.isoformat(), "conf": REFUSED_CONF}
    )
    run = wait_for_run(api, DAG_ID, run["dag_run_id"])

    assert run["state"] == "failed"
    (crawl,) = task_instances(api, DAG_ID, run["dag_run_id"], "crawl")
    assert (crawl["state"], crawl["try_number"]) == ("failed", 1)  # retries: 2, tried once
    for task_id in ("batch", "label", "summarise"):
        (downstream,) = task_instances(api, DAG_ID, run["dag_run_id"], task_id)
        assert downstream["state"] == "upstream_failed", task_id
    log = api.get(
        f"dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/crawl/logs/1",
        full_content=True,
    )
    text = json.dumps(log["content"])
    assert f"a run for {past.date()} (its interval ended {past.isoformat()}, 3 days " in text
    assert (
        "Backfills of image_labels are refused: trigger it for today instead "
        "(max_date_lag_days = 1)."
    ) in text
    assert site_requests(stack) == []
    assert dynamodb.Table(refused_table).scan()["Items"] == []
    for prefix in (REFUSED_CONF["image_prefix"], REFUSED_CONF["report_prefix"]):
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix), prefix
