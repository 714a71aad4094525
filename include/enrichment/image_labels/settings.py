"""Every default, limit and name of the ``image_labels`` pipeline, in one place.

The DAG's Params are built from :class:`ImageLabelsSettings` (``dag_params()``), and each
task turns its run's params back into it (``from_params()``).
"""

from __future__ import annotations

from dataclasses import dataclass

from enrichment.image_labels import label_table
from enrichment.image_labels.formats import MAX_REKOGNITION_BYTES
from enrichment.image_labels.sites import Limits
from enrichment.preflight import Bucket, Resource, Table
from enrichment.settings import Settings, alerts_topic, setting


@dataclass(frozen=True)
class ImageLabelsSettings(Settings):
    sites: tuple[str, ...] = setting(
        (), "Names of sites from the sites file to crawl; empty: all of them."
    )
    labels_table: str = setting(
        "image_labels",
        "DynamoDB table of image labels (partition key `image_id`).",
        minLength=3,
        maxLength=255,
    )
    bucket: str = setting(
        "fangsentiment",
        "S3 bucket for the images and the run summary.",
        minLength=3,
        maxLength=63,
    )
    image_prefix: str = setting(
        "images/", "Key prefix of the images: `<prefix><sha256>.<ext>`.", minLength=1
    )
    report_prefix: str = setting(
        "reports/image_labels/",
        "Key prefix of the run summary: `<prefix>ds=YYYY-MM-DD/summary.json`.",
        minLength=1,
    )
    max_depth: int = setting(3, "Link hops from a start URL.", minimum=0, maximum=10)
    max_pages: int = setting(50, "Pages fetched per site at most.", minimum=1)
    max_images: int = setting(200, "Images downloaded per run at most.", minimum=1)
    max_image_bytes: int = setting(
        MAX_REKOGNITION_BYTES,
        "Largest image downloaded, in bytes (Rekognition takes 15 MB).",
        minimum=1024,
        maximum=MAX_REKOGNITION_BYTES,
    )
    batch_size: int = setting(
        25, "Images per labelling task (one mapped task per batch).", minimum=1, maximum=500
    )
    max_labels: int = setting(10, "DetectLabels MaxLabels.", minimum=1, maximum=100)
    min_confidence: float = setting(
        70.0, "DetectLabels MinConfidence, in percent.", minimum=0, maximum=100
    )
    max_date_lag_days: int = setting(
        1,
        "Days a run's data interval may have ended before the run starts. The crawler "
        "sees only today's web, so an older date is refused rather than given today's "
        "images.",
        minimum=0,
        maximum=30,
    )

    alerts_topic: str = alerts_topic()

    def needs(self) -> list[Resource]:
        """What a run with these settings reads and writes, as the code reads it."""
        return [Table(self.labels_table, label_table.KEY), Bucket(self.bucket)]

    def limits(self) -> Limits:
        """The crawl's limits."""
        return Limits(
            max_depth=self.max_depth,
            max_pages=self.max_pages,
            max_images=self.max_images,
            max_image_bytes=self.max_image_bytes,
        )
