"""Results as the pipelines write them, made up in bulk: for the results page's tests,
benchmark and screenshots.

Files, items and summaries go through the pipelines' own writers (``result_file``'s
formats and key, ``label_table.new_item``/``put_new``, the image key, ``tasks.summary``
and ``storage``), so the page reads exactly what a DAG run leaves behind.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

from enrichment import aws, storage
from enrichment.company_sentiment.result_file import FORMATS, result_key
from enrichment.company_sentiment.rows import Row
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels import label_table
from enrichment.image_labels.formats import prepare_image
from enrichment.image_labels.keys import image_key, report_key
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.image_labels.tasks import summary

LABELS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
LABEL_NAMES = ("Logo", "Text", "Person", "Car", "Building", "Tree", "Sky", "Animal")


def dates(last: str, count: int) -> list[str]:
    """``count`` consecutive dates ending with ``last``, oldest first."""
    end = date.fromisoformat(last)
    return [(end - timedelta(days=n)).isoformat() for n in reversed(range(count))]


def company_row(name: str, number: int, day: int) -> Row:
    """A result row: company ``number`` changes sentiment every ``number % 7 + 2`` days,
    each time with a new revision of its article, except every 9th, whose scores change
    on the same revision; every 50th has no page and every 97th ended in error."""
    if number % 50 == 49:
        return Row(name, name, "", status="not_found", error="no such page")
    if number % 97 == 96:
        return Row(name, name, "", status="error", error="timed out")
    period = day // (number % 7 + 2)
    label = LABELS[(number + period) % len(LABELS)]
    edits = 0 if number % 9 == 8 else period
    saved = date(2026, 1, 1) + timedelta(days=edits)
    strong = 0.55 + (number * 7 + day * 3) % 40 / 100
    scores = dict.fromkeys(("positive", "negative", "neutral", "mixed"), (1 - strong) / 3)
    scores[label.lower()] = strong
    return Row(
        name,
        name,
        f"{name} is a made-up company number {number}.",
        sentiment=label,
        characters_sent=40,
        billed_units=3,
        sentiment_source="comprehend",
        status="ok",
        error="",
        wikipedia_revision_id=1_000_000 * (number + 1) + edits,
        wikipedia_revision_timestamp=f"{saved.isoformat()}T12:00:00Z",
        **{score: round(value, 4) for score, value in scores.items()},
    )


def write_sentiment(
    s3, settings: SentimentSettings, ds: str, rows: list[Row], file_format: str = "csv"
) -> str:
    """The date's result file, as the load task writes it; returns its key."""
    key = result_key(settings.prefix, ds, settings.companies_table, file_format)
    encoded = FORMATS[file_format]
    storage.put_bytes(s3, settings.bucket, key, encoded.encode(rows), encoded.content_type)
    return key


def seed_sentiment(
    s3, settings: SentimentSettings, companies: int, days: list[str], file_format: str = "csv"
) -> list[str]:
    """``companies`` made-up companies on each of ``days``; returns their names."""
    names = [f"Company {n:04d}" for n in range(companies)]
    for day, ds in enumerate(days):
        rows = [company_row(name, n, day) for n, name in enumerate(names)]
        write_sentiment(s3, settings, ds, rows, file_format)
    return names


def png(number: int, size: int = 96) -> bytes:
    """A distinct small PNG per ``number`` (its colour)."""
    from PIL import Image

    colour = ((number * 37) % 256, (number * 91) % 256, (number * 53) % 256)
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


def _image(number: int, site_url: str) -> tuple[object, dict, list[dict]]:
    prepared = prepare_image(png(number))
    site = "site-a" if number % 2 == 0 else "site-b"
    image = {
        "image_id": prepared.image_id,
        "content_type": prepared.content_type,
        "source_format": prepared.source_format,
        "width": prepared.width,
        "height": prepared.height,
        "sources": [
            {
                "source_url": f"{site_url}/images/{number}.png",
                "page_url": f"{site_url}/page/{number // 10}.html",
                "site": site,
            }
        ],
    }
    labels = [  # as rekognition.detect_labels gives them: Decimal confidences
        {
            "name": LABEL_NAMES[(number + shift) % len(LABEL_NAMES)],
            "confidence": Decimal(confidence),
            "parents": ["Thing"] if shift else [],
        }
        for shift, confidence in ((0, "98.5"), (3, "81.25"))
    ]
    return prepared, image, labels


def seed_images(
    s3, settings: ImageLabelsSettings, count: int, ds: str, site_url: str, workers: int = 8
) -> list[str]:
    """``count`` labelled images stored and recorded as the label task records them;
    image ``n`` has labels ``LABEL_NAMES[n % 8]`` and ``LABEL_NAMES[(n + 3) % 8]`` and is
    on site ``site-a`` (even) or ``site-b`` (odd). Returns their ids, in that order."""

    def store(numbers: range) -> list[str]:
        table = aws.dynamodb_table(settings.labels_table)  # a resource per thread
        ids = []
        for number in numbers:
            prepared, image, labels = _image(number, site_url)
            key = image_key(settings.image_prefix, prepared.image_id, prepared.extension)
            uri = storage.put_bytes(s3, settings.bucket, key, prepared.data, prepared.content_type)
            label_table.put_new(table, label_table.new_item(image, uri, labels, ds))
            ids.append(prepared.image_id)
        return ids

    shares = [range(first, count, workers) for first in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        stored = dict(zip(shares, pool.map(store, shares), strict=True))
    return [stored[shares[n % workers]][n // workers] for n in range(count)]


def write_summary(s3, settings: ImageLabelsSettings, ds: str, skips: list[dict]) -> str:
    """A crawl summary for ``ds`` as the summarise task writes it; returns its key."""
    report = {
        "pages": 3,
        "downloads": 2,
        "downloaded_bytes": 2048,
        "images": 2,
        "crawl_seconds": 0.5,
        "skips": skips,
    }
    outcomes = [{"labelled": 2, "seen_again": 0, "rekognition_calls": 2, "skips": []}]
    key = report_key(settings.report_prefix, ds)
    storage.put_json(s3, settings.bucket, key, summary(report, outcomes, ds))
    return key
