"""
### Image labels

Every day: crawl the configured web sites (robots.txt obeyed, bounded depth, pages,
images and bytes), store each distinct image in S3 as `<image_prefix><sha256>.<ext>`,
ask AWS Rekognition for the labels of the images not seen before (one mapped task per
batch of images) and keep them in the DynamoDB table, then write a summary of the run
to `s3://<bucket>/<report_prefix>ds=YYYY-MM-DD/summary.json`.

- Sites come from `include/config/sites.yaml` (`ENRICHMENT_SITES_FILE` picks another
  file); the `sites` Param narrows the run to some of them.
- An image already in the table is never sent to Rekognition again: only its
  `last_seen_ds` and URLs are updated. The summary counts the Rekognition calls.
- A bad page or image (broken, refused address, not really an image, too big) is a
  skip with its reason in the summary, never a failed run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, TriggerRule, dag, task

from enrichment import image_labels as pipeline
from enrichment import image_table, results
from enrichment.crawler import Limits
from enrichment.images import MAX_REKOGNITION_BYTES


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    # One crawl of a site at a time: politeness limits hold per run, not across runs.
    max_active_runs=1,
    doc_md=__doc__,
    tags=["enrichment", "crawler", "rekognition", "dynamodb", "s3"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(seconds=10),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=30),
    },
    params={
        "sites": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Names of sites from the sites file to crawl; empty: all of them.",
        ),
        "labels_table": Param(
            image_table.IMAGE_LABELS_TABLE,
            type="string",
            minLength=3,
            maxLength=255,
            description="DynamoDB table of image labels (partition key `image_id`).",
        ),
        "bucket": Param(
            results.SENTIMENT_BUCKET,
            type="string",
            minLength=3,
            maxLength=63,
            description="S3 bucket for the images and the run summary.",
        ),
        "image_prefix": Param(
            results.IMAGE_PREFIX,
            type="string",
            minLength=1,
            description="Key prefix of the images: `<prefix><sha256>.<ext>`.",
        ),
        "report_prefix": Param(
            results.REPORT_PREFIX,
            type="string",
            minLength=1,
            description="Key prefix of the run summary: `<prefix>ds=YYYY-MM-DD/summary.json`.",
        ),
        "max_depth": Param(
            3, type="integer", minimum=0, maximum=10, description="Link hops from a start URL."
        ),
        "max_pages": Param(
            50, type="integer", minimum=1, description="Pages fetched per site at most."
        ),
        "max_images": Param(
            200, type="integer", minimum=1, description="Images downloaded per run at most."
        ),
        "max_image_bytes": Param(
            MAX_REKOGNITION_BYTES,
            type="integer",
            minimum=1024,
            maximum=MAX_REKOGNITION_BYTES,
            description="Largest image downloaded, in bytes (Rekognition takes 15 MB).",
        ),
        "batch_size": Param(
            25,
            type="integer",
            minimum=1,
            maximum=500,
            description="Images per labelling task (one mapped task per batch).",
        ),
        "max_labels": Param(
            10, type="integer", minimum=1, maximum=100, description="DetectLabels MaxLabels."
        ),
        "min_confidence": Param(
            70.0,
            type="number",
            minimum=0,
            maximum=100,
            description="DetectLabels MinConfidence, in percent.",
        ),
    },
)
def image_labels():
    @task
    def crawl(params=None) -> dict:
        from enrichment.sites import load_sites

        limits = Limits(
            max_depth=params["max_depth"],
            max_pages=params["max_pages"],
            max_images=params["max_images"],
            max_image_bytes=params["max_image_bytes"],
        )
        return pipeline.collect_images(
            load_sites(params["sites"]), limits, params["bucket"], params["image_prefix"]
        )

    @task
    def batch(collected: dict, params=None) -> list[list[dict]]:
        return pipeline.batches(collected["images"], params["batch_size"])

    @task(map_index_template="{{ task.op_kwargs['batch'] | length }} images")
    def label(batch: list[dict], params=None, dag_run=None) -> dict:
        return pipeline.label_batch(
            batch,
            ds=results.partition_date(dag_run.logical_date, dag_run.run_after),
            table_name=params["labels_table"],
            bucket=params["bucket"],
            max_labels=params["max_labels"],
            min_confidence=params["min_confidence"],
        )

    # NONE_FAILED: runs when no image was found (labelling skipped), not after a failure.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def summarise(collected: dict, outcomes, params=None, dag_run=None) -> dict:
        ds = results.partition_date(dag_run.logical_date, dag_run.run_after)
        summary = pipeline.summarise(collected["report"], list(outcomes), ds)
        results.put_json(summary, params["bucket"], results.report_key(params["report_prefix"], ds))
        return {key: value for key, value in summary.items() if key != "skips"}

    collected = crawl()
    summarise(collected, label.expand(batch=batch(collected)))


image_labels()
