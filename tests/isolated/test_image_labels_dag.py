"""The image_labels DAG end to end (``dag.test()``) on the sample site and the local AWS.

Runs inside its own network namespace (tests/support/netns.py): the sample site links and
redirects to the cloud metadata address and a private one, whose canaries must stay
silent. The crawler sees only today's web, so the runs are for now (a past date is
refused: the first test).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dev.standins.aws_server import label_image
from dev.standins.sample_site import build_site

# The logical date of the runs: this moment, so the runs stay within max_date_lag_days of
# it however long the module takes (a midnight one would be refused a day later).
NOW = datetime.now(UTC).replace(microsecond=0)
DS = NOW.date().isoformat()
# Sample-site images a correct crawl at depth 3 stores: path -> stored extension.
STORED = {
    "/images/hero.jpg": "jpg",
    "/images/logo.png": "png",  # also found as /images/logo-copy.png: same bytes
    "/images/product-small.webp": "png",
    "/images/product-large.jpg": "jpg",
    "/images/banner.webp": "png",
    "/images/banner.png": "png",
    "/images/spinner.gif": "png",
    "/images/huge.png": "png",
    "/images/team.jpg": "jpg",
    "/images/blog/launch.jpg": "jpg",
    "/images/blog/older.png": "png",
}
PAGES = {
    "/",
    "/products.html",
    "/products.html?sort=price",
    "/blog/",
    "/about",
    "/blog/2026/launch.html",
    "/blog/2026/archive/older.html",
}


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    from dev import PROJECT_ROOT

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["image_labels"]


@pytest.fixture(scope="module")
def site(stack):
    return build_site(stack.ports["site"])


def run(dag, logical_date: datetime, **conf):
    return dag.test(logical_date=logical_date, run_conf=conf)


def site_requests(stack) -> list[dict]:
    import requests

    return requests.get(stack.url("site") + "/__control__/requests", timeout=5).json()


def clear_site_requests(stack) -> None:
    import requests

    requests.delete(stack.url("site") + "/__control__/requests", timeout=5).raise_for_status()


def summary(s3, ds: str) -> dict:
    key = f"reports/image_labels/ds={ds}/summary.json"
    return json.loads(s3.get_object(Bucket="fangsentiment", Key=key)["Body"].read())


def all_items(dynamodb) -> dict[str, dict]:
    return {item["image_id"]: item for item in dynamodb.Table("image_labels").scan()["Items"]}


def image_keys(s3) -> set[str]:
    listing = s3.list_objects_v2(Bucket="fangsentiment", Prefix="images/")
    return {entry["Key"] for entry in listing.get("Contents", [])}


def report_keys(s3) -> set[str]:
    listing = s3.list_objects_v2(Bucket="fangsentiment", Prefix="reports/image_labels/")
    return {entry["Key"] for entry in listing.get("Contents", [])}


def test_a_run_for_three_days_back_is_refused_and_writes_nothing(
    bootstrapped, dag, stack, s3, dynamodb, capsys
):
    items, images, reports = all_items(dynamodb), image_keys(s3), report_keys(s3)
    clear_site_requests(stack)
    past = datetime.combine(NOW.date() - timedelta(days=3), datetime.min.time(), UTC)

    dag_run = run(dag, past)

    assert dag_run.state == "failed"
    states = {ti.task_id: (ti.state, ti.try_number) for ti in dag_run.get_task_instances()}
    assert states["crawl"] == ("failed", 1)  # retries: 2, yet tried once
    log = capsys.readouterr().out
    assert f"a run for {past.date()} (its interval ended {past.isoformat()}, 3 days " in log
    assert (
        "Backfills of image_labels are refused: trigger it for today instead "
        "(max_date_lag_days = 1)."
    ) in log
    assert {states[task] for task in ("batch", "label", "summarise")} == {("upstream_failed", 0)}
    assert site_requests(stack) == []
    assert (all_items(dynamodb), image_keys(s3), report_keys(s3)) == (items, images, reports)


def test_daily_run_labels_each_distinct_image_once(bootstrapped, dag, site, stack, s3, dynamodb):
    origin = site.origin
    expected_ids = {hashlib.sha256(site.get(path).body).hexdigest(): path for path in STORED}
    clear_site_requests(stack)

    dag_run = run(dag, NOW)

    assert dag_run.state == "success"
    report = summary(s3, DS)
    assert report["pages"] == len(PAGES)
    assert (report["images"], report["labelled"], report["rekognition_calls"]) == (11, 11, 11)
    assert report["seen_again"] == 0

    # Exactly the expected images, stored once each under their SHA-256.
    items = all_items(dynamodb)
    assert set(items) == set(expected_ids)
    assert image_keys(s3) == {f"images/{i}.{STORED[p]}" for i, p in expected_ids.items()}
    for image_id, path in expected_ids.items():
        item = items[image_id]
        stored = s3.get_object(Bucket="fangsentiment", Key=f"images/{image_id}.{STORED[path]}")
        data = stored["Body"].read()
        assert item["s3_uri"] == f"s3://fangsentiment/images/{image_id}.{STORED[path]}"
        assert item["content_type"] == stored["ContentType"]
        assert item["site"] == "sample"
        assert item["source_url"] == origin + path
        assert (item["first_seen_ds"], item["last_seen_ds"]) == (DS, DS)
        labels = [
            {
                "name": label["Name"],
                "confidence": Decimal(str(round(label["Confidence"], 2))),
                "parents": [parent["Name"] for parent in label["Parents"]],
            }
            for label in label_image(data, max_labels=10, min_confidence=70.0)
        ]
        assert item["labels"] == labels, path
        assert item.get("label_names", set()) == {label["name"] for label in labels}
    logo = items[hashlib.sha256(site.get("/images/logo.png").body).hexdigest()]
    assert logo["source_urls"] == {origin + "/images/logo.png", origin + "/images/logo-copy.png"}
    assert "White" in logo["label_names"]
    huge = items[hashlib.sha256(site.get("/images/huge.png").body).hexdigest()]
    assert huge["label_names"] >= {"Pattern"}
    assert int(huge["width"]) * int(huge["height"]) > 0

    # Skips, each with its reason.
    reasons = {skip["url"]: skip["reason"] for skip in report["skips"]}
    assert reasons[origin + "/private/staff.html"] == "disallowed by robots.txt"
    assert reasons[origin + "/missing.html"] == "HTTP 404"
    assert reasons[origin + "/images/missing.png"] == "HTTP 404"
    assert reasons[origin + "/images/fake.jpg"] == "not an image (no known magic number)"
    assert (
        reasons[origin + "/images/diagram.svg"]
        == "SVG is a vector format Rekognition does not take"
    )
    assert reasons[origin + "/blog/2026/archive/oldest.html"] == "deeper than max_depth (3)"
    link_local = "refused: link-local address 169.254.169.254"
    assert reasons["http://169.254.169.254/latest/meta-data/"] == link_local
    metadata = "http://169.254.169.254/latest/meta-data/"
    assert reasons[origin + "/go/metadata"] == f"redirect to {metadata}: {link_local}"
    assert reasons[origin + "/images/avatar.png"] == (
        f"redirect to {metadata}iam/security-credentials/: {link_local}"
    )
    assert reasons["http://10.0.0.1/admin"] == "refused: private address 10.0.0.1"
    assert reasons["file:///etc/passwd"] == "refused: scheme 'file' is not http/https"
    assert reasons["javascript:alert(1)"] == "refused: scheme 'javascript' is not http/https"
    assert reasons["https://example.org/partners"] == "off-site"
    assert (
        reasons[f"http://127.0.0.1:{site.port + 1}/admin"] == "refused: loopback address 127.0.0.1"
    )

    # Nothing outside the allowed part of the site was fetched, robots.txt came first.
    requested = [entry["path"] for entry in site_requests(stack)]
    assert requested[0] == "/robots.txt"
    assert not [path for path in requested if path.startswith("/private/")]
    assert "/blog/2026/archive/oldest.html" not in requested
    assert "/images/blog/oldest.jpg" not in requested
    assert len(requested) == len(set(requested))

    labelling = [ti for ti in dag_run.get_task_instances() if ti.task_id == "label"]
    assert len(labelling) == 1  # 11 images, batch_size 25


def test_second_run_of_the_same_date_makes_no_rekognition_calls(bootstrapped, dag, s3, dynamodb):
    before = all_items(dynamodb)
    objects_before = image_keys(s3)
    assert before, "runs after the first test"

    dag_run = run(dag, NOW, batch_size=4)

    assert dag_run.state == "success"
    report = summary(s3, DS)
    assert (report["rekognition_calls"], report["labelled"], report["seen_again"]) == (0, 0, 11)
    assert all_items(dynamodb) == before
    assert image_keys(s3) == objects_before
    labelling = [ti for ti in dag_run.get_task_instances() if ti.task_id == "label"]
    assert sorted(ti.rendered_map_index for ti in labelling) == ["3 images", "4 images", "4 images"]


def test_an_earlier_date_allowed_by_max_date_lag_days_moves_first_seen_only(
    bootstrapped, dag, s3, dynamodb
):
    earlier = NOW - timedelta(days=2)
    earlier_ds = earlier.date().isoformat()

    dag_run = run(dag, earlier, max_date_lag_days=3)

    assert dag_run.state == "success"
    assert summary(s3, earlier_ds)["rekognition_calls"] == 0
    items = all_items(dynamodb).values()
    assert {(item["first_seen_ds"], item["last_seen_ds"]) for item in items} == {(earlier_ds, DS)}
