"""image_labels through a real scheduler: unpaused, triggered through the REST API with
Params, the labels checked in DynamoDB and the images in S3.

Runs inside its own network namespace (``tests/e2e/test_image_labels.py``): the sample
site links and redirects to the cloud metadata address and a private one, whose canaries
must stay silent while Airflow's own task processes crawl it.
"""

from __future__ import annotations

import json
import math

import pytest

from dev.airflow_runs import run_seconds, task_instances, unpause, wait_for_run

DAG_ID = "image_labels"
DS = "2026-11-10"
BUCKET = "fangsentiment"
# Fresh table and prefixes, so the scheduled run that unpausing starts does not answer
# for the triggered one.
CONF = {
    "labels_table": "e2e_image_labels",
    "image_prefix": "e2e-images/",
    "report_prefix": "e2e-reports/",
    "batch_size": 4,
}


@pytest.fixture(scope="module")
def labels_table(stack) -> str:
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), CONF["labels_table"], "image_id")
    return CONF["labels_table"]


def test_triggered_run_with_params_labels_each_image_once(api, labels_table, dynamodb, s3, figures):
    assert unpause(api, DAG_ID)["state"] == "success"

    run = api.post(f"dags/{DAG_ID}/dagRuns", {"logical_date": f"{DS}T00:00:00Z", "conf": CONF})
    run = wait_for_run(api, DAG_ID, run["dag_run_id"])

    assert run["state"] == "success"
    figures["image_labels_run_s"] = round(run_seconds(run), 1)
    report_key = f"e2e-reports/ds={DS}/summary.json"
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
        assert (item["first_seen_ds"], item["last_seen_ds"]) == (DS, DS)
    reasons = {skip["url"]: skip["reason"] for skip in report["skips"]}
    assert reasons["http://169.254.169.254/latest/meta-data/"] == (
        "refused: link-local address 169.254.169.254"
    )
    assert reasons["http://10.0.0.1/admin"] == "refused: private address 10.0.0.1"

    labelling = task_instances(api, DAG_ID, run["dag_run_id"], "label")
    assert len(labelling) == math.ceil(len(items) / CONF["batch_size"])
    assert sum(int(ti["rendered_map_index"].split()[0]) for ti in labelling) == len(items)
    assert {ti["state"] for ti in labelling} == {"success"}
