"""What each task of the ``image_labels`` DAG does, given the run's settings.

1. :func:`crawl` first refuses a run for a past date (:func:`refuse_past_date`: the
   crawler sees only today's web), then crawls the sites, downloads each image URL
   once, checks and converts the bytes (:mod:`.formats`), merges URLs with the same
   bytes into one image and stores each image in S3 under its SHA-256. Everything left
   out is a skip with its reason.
2. :func:`batches` cuts the images into batches; :func:`label` (one mapped task per
   batch) asks Rekognition only about images the table does not know yet; known ones
   just get this date and their URLs recorded.
3. :func:`summarise` adds it up, including the number of Rekognition calls (the cost),
   and writes the run's summary.

Each task builds the clients it needs once and passes them on. Everything that crosses
task boundaries is a plain dict, as XCom stores it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from enrichment import aws, storage
from enrichment.image_labels import label_table
from enrichment.image_labels.crawling import Skip, crawl_site
from enrichment.image_labels.formats import UnusableImage, prepare_image
from enrichment.image_labels.keys import image_key, report_key
from enrichment.image_labels.rekognition import ImageRejected, detect_labels
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.image_labels.sites import Limits, Site, load_sites
from enrichment.run_date import DagRunDates, partition_date, run_moment

log = logging.getLogger(__name__)


def _skip(url: str, reason: str, site: str, page_url: str | None) -> dict[str, Any]:
    return asdict(Skip(url, reason, site, page_url))


class PastDateRefused(AirflowFailException):
    """A run for a date the crawler cannot see any more; retrying cannot make it visible."""


def _duration(delta: timedelta) -> str:
    """``5 days 6 hours``: the two largest units of ``delta`` that are not zero."""
    parts, seconds = [], int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "under a second"


def refuse_past_date(ds: str, interval_end: datetime, now: datetime, max_lag_days: int) -> None:
    """Raise :class:`PastDateRefused` if the run for ``ds``, whose data interval ended at
    ``interval_end``, starts at ``now`` more than ``max_lag_days`` days later.

    The crawler sees the web as it is now: a run for a past date would file today's
    images under that date (their ``first_seen_ds``/``last_seen_ds``, its summary).
    Exactly ``max_lag_days`` is still accepted, so a daily run that starts late (the
    scheduler was down for a while) still runs.
    """
    lag = now - interval_end
    if lag > timedelta(days=max_lag_days):
        raise PastDateRefused(
            f"image_labels crawls today's web; a run for {ds} (its interval ended "
            f"{interval_end.isoformat()}, {_duration(lag)} before this run started) would "
            "file today's images under a past date. Backfills of image_labels are refused: "
            f"trigger it for today instead (max_date_lag_days = {max_lag_days})."
        )


def crawl(settings: ImageLabelsSettings, dag_run: DagRunDates) -> dict[str, Any]:
    """Refuse a past date before any request, then crawl the run's sites and store their
    distinct images (one S3 client for all)."""
    refuse_past_date(
        partition_date(dag_run),
        run_moment(dag_run),
        datetime.now(UTC),
        settings.max_date_lag_days,
    )
    return collect_images(
        load_sites(settings.sites),
        settings.limits(),
        aws.s3_client(),
        settings.bucket,
        settings.image_prefix,
    )


def collect_images(
    sites: list[Site], limits: Limits, s3, bucket: str, image_prefix: str
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
            key = image_key(image_prefix, prepared.image_id, prepared.extension)
            storage.put_bytes(s3, bucket, key, prepared.data, prepared.content_type)
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


def label(batch: list[dict[str, Any]], settings: ImageLabelsSettings, ds: str) -> dict[str, Any]:
    """Label one batch: the table's client always, Rekognition's only if there is a new image."""
    return label_batch(
        batch,
        ds,
        aws.dynamodb_table(settings.labels_table),
        aws.rekognition_client,
        settings.bucket,
        settings.max_labels,
        settings.min_confidence,
    )


def label_batch(
    batch: list[dict[str, Any]],
    ds: str,
    table,
    rekognition_client,
    bucket: str,
    max_labels: int,
    min_confidence: float,
) -> dict[str, Any]:
    """Label the batch's new images and record the known ones; returns counts and skips.

    A call to Rekognition is made only for an image without an item: that is the cost
    the table saves on every later run. An image Rekognition rejects is a skip.
    ``rekognition_client`` builds the client, only when the batch has a new image.
    """
    known = label_table.existing_ids(table, (image["image_id"] for image in batch))
    client = rekognition_client() if len(known) < len(batch) else None
    outcome: dict[str, Any] = {"labelled": 0, "seen_again": 0, "rekognition_calls": 0, "skips": []}
    for image in batch:
        if image["image_id"] in known:
            label_table.record_sighting(table, image, ds)
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
        if label_table.put_new(table, label_table.new_item(image, s3_uri, labels, ds)):
            outcome["labelled"] += 1
        else:  # stored meanwhile by a concurrent run of another date
            label_table.record_sighting(table, image, ds)
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


def summary(report: dict[str, Any], outcomes: list[dict[str, Any]], ds: str) -> dict[str, Any]:
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


def summarise(
    report: dict[str, Any], outcomes: list[dict[str, Any]], settings: ImageLabelsSettings, ds: str
) -> dict[str, Any]:
    """Write the run's summary to S3; returns it without the list of skips (for XCom)."""
    document = summary(report, outcomes, ds)
    storage.put_json(
        aws.s3_client(), settings.bucket, report_key(settings.report_prefix, ds), document
    )
    return {key: value for key, value in document.items() if key != "skips"}
