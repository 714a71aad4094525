"""The image_labels results: the labels table, its images in S3, a run's crawl summary.

The table (:mod:`enrichment.image_labels.label_table`) is read with the DynamoDB client
of :func:`enrichment.aws.dynamodb_client` (the provider's resource client: items come as
Python values), which one API server shares between its request threads (a boto3
``Table`` resource may not be shared). Images are streamed from S3 by id only: the key is always
``<image_prefix><64 hex>.<png|jpg>`` (:func:`~enrichment.image_labels.keys.image_key`),
so no request can name another object.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from enrichment import storage
from enrichment.image_labels import label_table
from enrichment.image_labels.formats import SENT_AS_IS
from enrichment.image_labels.keys import image_key, report_key
from enrichment.image_labels.settings import ImageLabelsSettings

IMAGE_ID = re.compile(r"[0-9a-f]{64}")
# Extension -> Content-Type of the two formats the pipeline stores.
IMAGE_TYPES = {extension: content_type for content_type, extension in SENT_AS_IS.values()}
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Label:
    name: str
    confidence: float | None
    parents: tuple[str, ...]


@dataclass(frozen=True)
class Image:
    """One item of the table, with what the gallery shows of it."""

    image_id: str
    s3_uri: str | None
    source_url: str | None
    page_url: str | None
    site: str | None
    content_type: str | None
    width: int | None
    height: int | None
    labels: tuple[Label, ...]
    label_names: frozenset[str]
    first_seen_ds: str | None
    last_seen_ds: str | None
    source_urls: tuple[str, ...] = ()
    page_urls: tuple[str, ...] = ()

    @property
    def extension(self) -> str | None:
        """``png`` or ``jpg``, from the stored object's name (else its Content-Type)."""
        if self.s3_uri:
            extension = self.s3_uri.rsplit(".", 1)[-1]
            if extension in IMAGE_TYPES:
                return extension
        return SENT_AS_IS.get((self.content_type or "").removeprefix("image/"), (None, None))[1]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def _label(value: Any) -> Label | None:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    parents = value.get("parents")
    return Label(
        name=value["name"],
        confidence=_number(value.get("confidence")),
        parents=tuple(p for p in parents if isinstance(p, str))
        if isinstance(parents, list)
        else (),
    )


def _text(item: dict, name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def _strings(item: dict, name: str) -> tuple[str, ...]:
    value = item.get(name)
    return tuple(sorted(v for v in value if isinstance(v, str))) if isinstance(value, set) else ()


def image_from_item(item: dict[str, Any]) -> Image | None:
    """The image of a deserialised item; None for an item that is not one (no id)."""
    image_id = item.get(label_table.KEY)
    if not isinstance(image_id, str) or not IMAGE_ID.fullmatch(image_id):
        return None
    raw_labels = item.get("labels")
    labels = [_label(v) for v in raw_labels] if isinstance(raw_labels, list) else []
    labels = sorted(
        (label for label in labels if label is not None),
        key=lambda label: (-(label.confidence or 0), label.name),
    )
    width, height = _number(item.get("width")), _number(item.get("height"))
    return Image(
        image_id=image_id,
        s3_uri=_text(item, "s3_uri"),
        source_url=_text(item, "source_url"),
        page_url=_text(item, "page_url"),
        site=_text(item, "site"),
        content_type=_text(item, "content_type"),
        width=int(width) if width is not None else None,
        height=int(height) if height is not None else None,
        labels=tuple(labels),
        label_names=frozenset(_strings(item, "label_names")),
        first_seen_ds=_text(item, "first_seen_ds"),
        last_seen_ds=_text(item, "last_seen_ds"),
        source_urls=_strings(item, "source_urls"),
        page_urls=_strings(item, "page_urls"),
    )


def scan_images(dynamodb, table_name: str) -> list[Image]:
    """Every image of the table (all Scan pages), most recently seen first."""
    images = []
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=table_name):
        for item in page.get("Items", []):
            image = image_from_item(item)
            if image is not None:
                images.append(image)
    images.sort(key=lambda image: image.image_id)
    images.sort(key=lambda image: image.last_seen_ds or "", reverse=True)
    return images


class ScannedImages:
    """Each table's scanned images, kept while its version (see :func:`table_version`)
    is unchanged and for at most ``max_age`` seconds.

    DynamoDB has no ETag; the summaries the image_labels runs write last are the next
    best thing: a finished run adds or rewrites one, so a scan is reused until a run
    finishes, and ``max_age`` bounds how long items written any other way stay unseen.
    """

    def __init__(self, max_age: float = 300.0) -> None:
        self.max_age = max_age
        self._scans: dict[str, tuple[object, float, list[Image]]] = {}
        self._lock = threading.Lock()

    def get(self, table_name: str, version: object) -> list[Image] | None:
        with self._lock:
            kept = self._scans.get(table_name)
        if kept is None or kept[0] != version or time.monotonic() - kept[1] > self.max_age:
            return None
        return kept[2]

    def put(self, table_name: str, version: object, images: list[Image]) -> None:
        with self._lock:
            self._scans[table_name] = (version, time.monotonic(), images)


def table_version(s3, settings: ImageLabelsSettings) -> tuple[tuple[str, str], ...] | None:
    """Key and ETag of every run summary under the report prefix (one ListObjectsV2
    walk); None when there is no bucket to list."""
    from botocore.exceptions import ClientError

    prefix = f"{settings.report_prefix.strip('/')}/"
    found = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=settings.bucket, Prefix=prefix
        ):
            found.extend((listed["Key"], listed["ETag"]) for listed in page.get("Contents", []))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return None
        raise
    return tuple(sorted(found))


def cached_scan(s3, dynamodb, settings: ImageLabelsSettings, scans: ScannedImages) -> list[Image]:
    """The table's images, scanned again only when a run finished since (or too long)."""
    version = table_version(s3, settings)
    images = scans.get(settings.labels_table, version)
    if images is None:
        images = scan_images(dynamodb, settings.labels_table)
        scans.put(settings.labels_table, version, images)
    return images


def get_image(dynamodb, table_name: str, image_id: str) -> Image | None:
    if not IMAGE_ID.fullmatch(image_id):
        return None
    response = dynamodb.get_item(
        TableName=table_name, Key={label_table.KEY: image_id}, ConsistentRead=True
    )
    item = response.get("Item")
    return image_from_item(item) if item else None


@dataclass(frozen=True)
class GalleryFilters:
    """The gallery's filters: a label (in ``label_names``) and a site; None: any."""

    label: str | None = None
    site: str | None = None

    def keep(self, image: Image) -> bool:
        return (self.label is None or self.label in image.label_names) and (
            self.site is None or image.site == self.site
        )


@dataclass(frozen=True)
class Gallery:
    images: list[Image]  # those that pass the filters
    total: int  # in the table
    labels: list[tuple[str, int]] = field(default_factory=list)  # name, images; most first
    sites: list[str] = field(default_factory=list)


def gallery(images: list[Image], filters: GalleryFilters) -> Gallery:
    """The images passing ``filters``, and every label and site to filter by."""
    labels = Counter(name for image in images for name in image.label_names)
    return Gallery(
        images=[image for image in images if filters.keep(image)],
        total=len(images),
        labels=sorted(labels.items(), key=lambda pair: (-pair[1], pair[0])),
        sites=sorted({image.site for image in images if image.site}),
    )


def image_object_key(settings: ImageLabelsSettings, file_name: str) -> str | None:
    """The S3 key of ``<image id>.<png|jpg>`` under the image prefix, or None when
    ``file_name`` is anything else (checked before any call to S3)."""
    stem, _, extension = file_name.partition(".")
    if not IMAGE_ID.fullmatch(stem) or extension not in IMAGE_TYPES:
        return None
    return image_key(settings.image_prefix, stem, extension)


@dataclass(frozen=True)
class ImageObject:
    content_type: str
    length: int
    etag: str
    chunks: Iterator[bytes]


def open_image(s3, bucket: str, key: str) -> ImageObject | None:
    """The object's bytes as a stream of chunks; None when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchBucket", "404"):
            return None
        raise
    return ImageObject(
        # The type follows the key's extension, not what the object claims to be.
        content_type=IMAGE_TYPES[key.rsplit(".", 1)[1]],
        length=response["ContentLength"],
        etag=response["ETag"],
        chunks=response["Body"].iter_chunks(STREAM_CHUNK),
    )


class UnreadableSummary(ValueError):
    """A run summary object that is missing or not a summary; the message says why."""


def read_summary(s3, settings: ImageLabelsSettings, ds: str) -> tuple[str, dict[str, Any]]:
    """The crawl summary the ``summarise`` task wrote for ``ds``: its key and content."""
    from botocore.exceptions import ClientError

    key = report_key(settings.report_prefix, ds)
    try:
        text = storage.get_text(s3, settings.bucket, key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            raise UnreadableSummary(
                f"no crawl summary for {ds} (s3://{settings.bucket}/{key}): the run has "
                "not reached its summarise task, or failed before it"
            ) from None
        raise
    except UnicodeDecodeError:
        raise UnreadableSummary(f"s3://{settings.bucket}/{key} is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableSummary(f"s3://{settings.bucket}/{key} is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("skips", []), list):
        raise UnreadableSummary(f"s3://{settings.bucket}/{key} is not a crawl summary")
    return key, document
