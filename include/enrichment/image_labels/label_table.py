"""The DynamoDB table of image labels: one item per distinct image, keyed by its SHA-256.

Items are updated, never appended: an image seen again (any URL, any date) only moves
``first_seen_ds``/``last_seen_ds`` outwards and adds its URLs to the ``source_urls`` and
``page_urls`` sets, so re-runs and backfills in any order give the same item.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from enrichment.dynamodb import get_items

# The table's partition key (S); the table name is a setting.
KEY = "image_id"


def existing_ids(table, image_ids: Iterable[str]) -> set[str]:
    """The ``image_ids`` that already have an item."""
    return {item[KEY] for item in get_items(table, KEY, image_ids, projection=KEY)}


def new_item(
    image: dict[str, Any], s3_uri: str, labels: list[dict[str, Any]], ds: str
) -> dict[str, Any]:
    """The item of an image labelled for the first time (``image`` as collected)."""
    first = image["sources"][0]
    item = {
        "image_id": image["image_id"],
        "s3_uri": s3_uri,
        "source_url": first["source_url"],
        "page_url": first["page_url"],
        "site": first["site"],
        "content_type": image["content_type"],
        "source_format": image["source_format"],
        "width": image["width"],
        "height": image["height"],
        "labels": labels,
        "first_seen_ds": ds,
        "last_seen_ds": ds,
        "source_urls": {source["source_url"] for source in image["sources"]},
        "page_urls": {source["page_url"] for source in image["sources"]},
    }
    if labels:  # DynamoDB has no empty sets: no label above MinConfidence, no attribute
        item["label_names"] = {label["name"] for label in labels}
    return item


def put_new(table, item: dict[str, Any]) -> bool:
    """Store ``item`` unless its image is already there; False if it was (then only
    :func:`record_sighting` applies)."""
    from botocore.exceptions import ClientError

    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(image_id)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_sighting(table, image: dict[str, Any], ds: str) -> None:
    """Add this run's URLs of a known image and widen its seen-dates to include ``ds``.

    Each date moves only outwards under a condition, so concurrent runs for different
    dates (a backfill next to the daily run) cannot move it back.
    """
    from botocore.exceptions import ClientError

    key = {"image_id": image["image_id"]}
    table.update_item(
        Key=key,
        UpdateExpression="ADD source_urls :urls, page_urls :pages",
        ExpressionAttributeValues={
            ":urls": {source["source_url"] for source in image["sources"]},
            ":pages": {source["page_url"] for source in image["sources"]},
        },
    )
    for attribute, moves_when in (("last_seen_ds", "<"), ("first_seen_ds", ">")):
        try:
            table.update_item(
                Key=key,
                UpdateExpression=f"SET {attribute} = :ds",
                ConditionExpression=f"{attribute} {moves_when} :ds",
                ExpressionAttributeValues={":ds": ds},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


def get_item(table, image_id: str) -> dict[str, Any] | None:
    return table.get_item(Key={"image_id": image_id}, ConsistentRead=True).get("Item")
