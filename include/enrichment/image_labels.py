"""The ``image_labels`` pipeline: collect images from sites, label the new ones, report.

1. :func:`collect_images` crawls the sites, downloads each image URL once, checks and
   converts the bytes (:mod:`enrichment.images`), merges URLs with the same bytes into one
   image and stores each image in S3 under its SHA-256. Everything left out is a skip
   with its reason.
2. :func:`label_batch` (one mapped task per batch) asks Rekognition only about images
   the table does not know yet; known ones just get this date and their URLs recorded.
3. :func:`summarise` adds it up, including the number of Rekognition calls (the cost).

Everything that crosses task boundaries is a plain dict, as XCom stores it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import Any

from enrichment import AWS_CONN_ID, image_table, results
from enrichment.crawler import Limits, Site, Skip, crawl_site
from enrichment.images import UnusableImage, prepare_image
from enrichment.rekognition import ImageRejected, detect_labels, rekognition_client

log = logging.getLogger(__name__)


def _skip(url: str, reason: str, site: str, page_url: str | None) -> dict[str, Any]:
    return asdict(Skip(url, reason, site, page_url))


def collect_images(
    sites: list[Site], limits: Limits, bucket: str, image_prefix: str, conn_id: str = AWS_CONN_ID
) -> dict[str, Any]:
    """Crawl ``sites`` and store their distinct images; returns ``images`` (one dict per
    image, with every URL it was found at) and a ``report`` of counts and skips."""
    started = time.monotonic()
    images: dict[str, dict[str, Any]] = {}
    skips: list[dict[str, Any]] = []
    pages = downloads = downloaded_bytes = 0
    for site in sites:
        crawl = crawl_site(site, limits, max_images=limits.max_images - downloads)
        pages += len(crawl.pages)
        downloads += len(crawl.downloads)
        skips.extend(asdict(skip) for skip in crawl.skips)
        for download in crawl.downloads:
            ref = download.ref
            downloaded_bytes += len(download.data)
            source = {"source_url": ref.url, "page_url": ref.page_url, "site": ref.site}
            try:
                prepared = prepare_image(download.data)
            except UnusableImage as unusable:
                skips.append(_skip(ref.url, unusable.reason, ref.site, ref.page_url))
                continue
            if prepared.image_id in images:
                images[prepared.image_id]["sources"].append(source)
                continue
            key = results.image_key(image_prefix, prepared.image_id, prepared.extension)
            results.put_bytes(prepared.data, bucket, key, prepared.content_type, conn_id)
            images[prepared.image_id] = {
                "image_id": prepared.image_id,
                "s3_key": key,
                "content_type": prepared.content_type,
                "source_format": prepared.source_format,
                "width": prepared.width,
                "height": prepared.height,
                "sources": [source],
            }
    for skip in skips:
        log.info(
            "skipped %s (%s) on %s: %s", skip["url"], skip["site"], skip["page_url"], skip["reason"]
        )
    return {
        "images": list(images.values()),
        "report": {
            "pages": pages,
            "downloads": downloads,
            "downloaded_bytes": downloaded_bytes,
            "images": len(images),
            "crawl_seconds": round(time.monotonic() - started, 3),
            "skips": skips,
        },
    }


def batches(images: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """``images`` in consecutive batches of ``size``: one mapped task each."""
    return [images[start : start + size] for start in range(0, len(images), size)]


def label_batch(
    batch: list[dict[str, Any]],
    ds: str,
    table_name: str,
    bucket: str,
    max_labels: int,
    min_confidence: float,
    conn_id: str = AWS_CONN_ID,
) -> dict[str, Any]:
    """Label the batch's new images and record the known ones; returns counts and skips.

    A call to Rekognition is made only for an image without an item: that is the cost
    the table saves on every later run. An image Rekognition rejects is a skip.
    """
    from enrichment.dynamodb import dynamodb_table

    table = dynamodb_table(table_name, conn_id)
    known = image_table.existing_ids(table, (image["image_id"] for image in batch))
    client = rekognition_client(conn_id) if len(known) < len(batch) else None
    outcome: dict[str, Any] = {"labelled": 0, "seen_again": 0, "rekognition_calls": 0, "skips": []}
    for image in batch:
        if image["image_id"] in known:
            image_table.record_sighting(table, image, ds)
            outcome["seen_again"] += 1
            continue
        outcome["rekognition_calls"] += 1
        try:
            labels = detect_labels(client, bucket, image["s3_key"], max_labels, min_confidence)
        except ImageRejected as rejected:
            source = image["sources"][0]
            outcome["skips"].append(
                _skip(source["source_url"], rejected.reason, source["site"], source["page_url"])
            )
            continue
        s3_uri = f"s3://{bucket}/{image['s3_key']}"
        if image_table.put_new(table, image_table.new_item(image, s3_uri, labels, ds)):
            outcome["labelled"] += 1
        else:  # stored meanwhile by a concurrent run of another date
            image_table.record_sighting(table, image, ds)
            outcome["seen_again"] += 1
    log.info(
        "%d images: %d labelled (%d Rekognition calls), %d already known, %d rejected",
        len(batch),
        outcome["labelled"],
        outcome["rekognition_calls"],
        outcome["seen_again"],
        len(outcome["skips"]),
    )
    return outcome


def summarise(report: dict[str, Any], outcomes: list[dict[str, Any]], ds: str) -> dict[str, Any]:
    """The run in numbers (``report`` from :func:`collect_images`), with every skip."""
    skips = report["skips"] + [skip for outcome in outcomes for skip in outcome["skips"]]
    return report | {
        "ds": ds,
        "labelled": sum(outcome["labelled"] for outcome in outcomes),
        "seen_again": sum(outcome["seen_again"] for outcome in outcomes),
        "rekognition_calls": sum(outcome["rekognition_calls"] for outcome in outcomes),
        "skipped": len(skips),
        "skips": sorted(skips, key=lambda skip: (skip["site"], skip["url"])),
    }
