"""image_labels end to end (``dag.test()``) as a user holding only
``deploy/iam/pipelines.json``, on the AWS stand-in with IAM enforced, set up by the
bootstrap as a user holding only ``bootstrap.json`` (``tests/support/least_privilege.py``;
company_sentiment and company_review are run so in
``tests/integration/test_least_privilege.py``). Here, in the network namespace: the crawl
of the sample site hands the crawler refused addresses.

Every image is stored under ``images/``, labelled by Rekognition reading it from S3 with
the user's own ``s3:GetObject``, and filed in the labels table; the run summary goes under
``reports/image_labels/``; the stand-in refuses nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support import least_privilege
from tests.support.least_privilege import Deployment, dag_of, every_param

# This moment: image_labels refuses past dates.
NOW = datetime.now(UTC).replace(microsecond=0)
BUCKET = "fangsentiment"
# The distinct images of a crawl of the sample site at depth 3 (test_image_labels_dag.py).
IMAGES = 11


@pytest.fixture(scope="module")
def deployment(stack, bootstrapped, tmp_path_factory):
    with least_privilege.deployment(tmp_path_factory.mktemp("least-privilege")) as built:
        yield built


def test_image_labels_labels_the_sample_sites_images_with_pipelines_json_alone(
    deployment: Deployment,
):
    from enrichment.image_labels.settings import ImageLabelsSettings

    assert deployment.refused_at_setup == []
    control = deployment.control
    control.reset()
    with deployment.as_pipelines():
        run = dag_of("image_labels").test(
            logical_date=NOW, run_conf=every_param(ImageLabelsSettings)
        )

    assert run.state == "success"
    assert control.denied() == []
    s3 = deployment.aws.client("s3")
    key = f"reports/image_labels/ds={NOW.date().isoformat()}/summary.json"
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert (summary["images"], summary["labelled"], summary["rekognition_calls"]) == (
        IMAGES,
        IMAGES,
        IMAGES,
    )
    assert control.calls("DetectLabels") == IMAGES
    items = deployment.aws.client("dynamodb").scan(TableName="image_labels")["Items"]
    assert len(items) == IMAGES
    stored = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="images/")["Contents"]}
    assert {item["s3_uri"]["S"].removeprefix(f"s3://{BUCKET}/") for item in items} == stored
    assert all(item["labels"]["L"] for item in items)
