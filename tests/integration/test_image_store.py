"""The image-labels table and Rekognition on the local AWS endpoint: what one labelling
task relies on, image by image."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from enrichment import aws
from enrichment.bootstrap import ensure_table
from enrichment.image_labels import label_table
from enrichment.image_labels.rekognition import ImageRejected, detect_labels
from enrichment.image_labels.tasks import label_batch


def encoded(colour: tuple[int, int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(out, format=fmt)
    return out.getvalue()


def image(image_id: str, *urls: str, key: str = "") -> dict:
    return {
        "image_id": image_id,
        "s3_key": key or f"images/{image_id}.png",
        "content_type": "image/png",
        "source_format": "png",
        "width": 120,
        "height": 90,
        "sources": [
            {"source_url": url, "page_url": "https://a.example/", "site": "a"} for url in urls
        ],
    }


@pytest.fixture
def table(bootstrapped, dynamodb):
    name = "image_labels_store_test"
    ensure_table(aws.dynamodb_client(), name, "image_id")
    yield aws.dynamodb_table(name)
    dynamodb.Table(name).delete()


def test_detect_labels_by_s3_reference(bootstrapped, s3):
    s3.put_object(Bucket="fangsentiment", Key="test/red.png", Body=encoded((230, 30, 30), "PNG"))

    labels = detect_labels(aws.rekognition_client(), "fangsentiment", "test/red.png", 5, 70.0)

    assert labels == [{"name": "Red", "confidence": Decimal("100.0"), "parents": ["Color"]}]


@pytest.mark.parametrize(
    ("key", "body", "code"),
    [
        pytest.param(
            "test/x.webp", encoded((0, 0, 0), "WEBP"), "InvalidImageFormatException", id="webp"
        ),
        pytest.param("test/missing.png", None, "InvalidS3ObjectException", id="missing-object"),
    ],
)
def test_an_image_rekognition_refuses_is_rejected_with_its_code(bootstrapped, s3, key, body, code):
    if body is not None:
        s3.put_object(Bucket="fangsentiment", Key=key, Body=body)
    with pytest.raises(ImageRejected, match=f"Rekognition {code}"):
        detect_labels(aws.rekognition_client(), "fangsentiment", key, 5, 70.0)


def test_a_known_image_moves_its_dates_outwards_and_gains_urls(table):
    item = label_table.new_item(
        image("a" * 64, "https://a.example/1.png"), "s3://b/k", [], "2026-11-20"
    )
    assert label_table.put_new(table, item)
    assert not label_table.put_new(table, item)
    assert "label_names" not in label_table.get_item(table, "a" * 64)  # no empty set

    for ds, url in [
        ("2026-11-18", "https://a.example/2.png"),
        ("2026-11-22", "https://a.example/1.png"),
        ("2026-11-21", "https://a.example/3.png"),
    ]:
        label_table.record_sighting(table, image("a" * 64, url), ds)

    stored = label_table.get_item(table, "a" * 64)
    assert (stored["first_seen_ds"], stored["last_seen_ds"]) == ("2026-11-18", "2026-11-22")
    assert stored["source_urls"] == {f"https://a.example/{n}.png" for n in (1, 2, 3)}
    assert stored["source_url"] == "https://a.example/1.png"


def test_existing_ids_reads_past_one_batch_get(table):
    with table.batch_writer() as batch:
        for n in range(130):
            batch.put_item(Item={"image_id": f"{n:064x}"})

    found = label_table.existing_ids(table, [f"{n:064x}" for n in range(250)])

    assert found == {f"{n:064x}" for n in range(130)}


def test_a_rejected_image_is_a_skip_and_the_rest_of_the_batch_is_labelled(table, s3):
    s3.put_object(Bucket="fangsentiment", Key="images/good.png", Body=encoded((40, 90, 220), "PNG"))
    s3.put_object(Bucket="fangsentiment", Key="images/bad.png", Body=b"<html>not an image</html>")
    batch = [
        image("b" * 64, "https://a.example/bad.png", key="images/bad.png"),
        image("c" * 64, "https://a.example/good.png", key="images/good.png"),
    ]

    outcome = label_batch(
        batch, "2026-11-20", table, aws.rekognition_client, "fangsentiment", 10, 70.0
    )

    assert (outcome["labelled"], outcome["rekognition_calls"], outcome["seen_again"]) == (1, 2, 0)
    assert [(skip["url"], skip["reason"].split(":")[0]) for skip in outcome["skips"]] == [
        ("https://a.example/bad.png", "Rekognition InvalidImageFormatException")
    ]
    good = label_table.get_item(table, "c" * 64)
    assert good["label_names"] == {"Blue"}
    assert good["s3_uri"] == "s3://fangsentiment/images/good.png"
    assert label_table.get_item(table, "b" * 64) is None

    again = label_batch(
        batch, "2026-11-21", table, aws.rekognition_client, "fangsentiment", 10, 70.0
    )
    assert (again["labelled"], again["rekognition_calls"], again["seen_again"]) == (0, 1, 1)
