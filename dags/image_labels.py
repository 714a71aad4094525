"""
### Image labels

Every day: crawl the configured web sites (robots.txt obeyed, bounded depth, pages,
images and bytes), store each distinct image in S3 as `<image_prefix><sha256>.<ext>`,
ask AWS Rekognition for the labels of the images not seen before (one mapped task per
batch of images) and keep them in the DynamoDB table, then write a summary of the run
to `s3://<bucket>/<report_prefix>ds=YYYY-MM-DD/summary.json`.

- Sites come from the package's `config/sites.yaml` (`ENRICHMENT_SITES_FILE` picks another
  file); the `sites` Param narrows the run to some of them.
- An image already in the table is never sent to Rekognition again: only its
  `last_seen_ds` and URLs are updated. The summary counts the Rekognition calls.
- A bad page or image (broken, refused address, not really an image, too big) is a
  skip with its reason in the summary, never a failed run.
- The crawler sees only today's web, so a run for a past date is refused: `crawl`
  fails before any request when the run's data interval ended more than
  `max_date_lag_days` before it started, and nothing is written. Trigger it for today.
- `preflight` first checks that the tables and bucket the run uses exist: when one is
  missing it fails at once, naming it and `python -m enrichment.bootstrap`. A failed run
  is told to the SNS topic `alerts_topic`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import TriggerRule, dag, task

from enrichment.alerts import alert_failed_run, record_failure
from enrichment.image_labels import tasks
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.preflight import check_run
from enrichment.run_date import partition_date


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
        "on_failure_callback": record_failure,
    },
    params=ImageLabelsSettings.dag_params(),
    on_failure_callback=alert_failed_run,
)
def image_labels():
    @task
    def preflight(params=None) -> None:
        check_run(ImageLabelsSettings.from_params(params))

    @task
    def crawl(params=None, dag_run=None) -> dict:
        return tasks.crawl(ImageLabelsSettings.from_params(params), dag_run)

    @task
    def batch(collected: dict, params=None) -> list[list[dict]]:
        return tasks.batches(
            collected["images"], ImageLabelsSettings.from_params(params).batch_size
        )

    @task(map_index_template="{{ task.op_kwargs['batch'] | length }} images")
    def label(batch: list[dict], params=None, dag_run=None) -> dict:
        return tasks.label(batch, ImageLabelsSettings.from_params(params), partition_date(dag_run))

    # NONE_FAILED: runs when no image was found (labelling skipped), not after a failure.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def summarise(collected: dict, outcomes, params=None, dag_run=None) -> dict:
        return tasks.summarise(
            collected["report"],
            list(outcomes),
            ImageLabelsSettings.from_params(params),
            partition_date(dag_run),
        )

    collected = crawl()
    preflight() >> collected
    summarise(collected, label.expand(batch=batch(collected)))


image_labels()
