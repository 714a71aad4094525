"""
### Company sentiment

Every day: read the DynamoDB table of companies, fetch each company's Wikipedia intro and
ask AWS Comprehend for its sentiment (one mapped task per company, run in the triggerer,
the calls of all companies batched), then write one CSV for the logical date to
`s3://<bucket>/<prefix>ds=YYYY-MM-DD/<table>_sentiment.csv`.

Each row describes the article as it stood at the end of the run's data interval
(midnight UTC of its date; a manual run without a logical date: when it was created),
and names that revision: a backfilled date holds that date's text, a re-run the same.

- A missing or ambiguous Wikipedia page is a row with status `not_found` / `ambiguous`;
  `company_review` then asks a person which article it is. A company a person said has
  no article is a row with status `no_article`, and Wikipedia is not asked.
- Other failures are retried with backoff; after the last retry the company's task
  fails and the company is a row with status `error` and its last error. The run fails
  only when the share of `error` rows is above `max_error_share` (the file is written
  first).
- Re-running or backfilling a date rewrites that date's file whole.
- A text analysed before comes from the sentiment cache at no cost (`reuse_sentiment`).
- `preflight` first checks that every table and bucket the run uses exists: when one is
  missing it fails at once, naming it and `python -m enrichment.bootstrap`.
- A failed run, or a result file not written two hours after its date, is told to the
  SNS topic `alerts_topic`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import TriggerRule, dag, task

from enrichment.alerts import alert_failed_run, record_failure
from enrichment.company_sentiment import tasks
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.deadline import deadline_alert
from enrichment.company_sentiment.operator import enrich_each
from enrichment.company_sentiment.settings import RESULT_FILES, SentimentSettings
from enrichment.preflight import check_run
from enrichment.run_date import partition_date, run_moment


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    # Past dates are filled on purpose with a backfill, never by unpausing.
    catchup=False,
    max_active_runs=3,
    doc_md=__doc__,
    tags=["enrichment", "wikipedia", "comprehend", "s3"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(seconds=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": record_failure,
    },
    params=SentimentSettings.dag_params(),
    on_failure_callback=alert_failed_run,
    deadline=deadline_alert(),
)
def company_sentiment():
    @task
    def preflight(params=None) -> None:
        check_run(SentimentSettings.from_params(params))

    @task
    def scan(params=None, dag_run=None) -> list[Company]:
        return tasks.scan(SentimentSettings.from_params(params), run_moment(dag_run))

    # ALL_DONE: the file is written whatever the mapped tasks did, including when an empty
    # table leaves them skipped; without a company list from scan there is nothing to write.
    @task(outlets=[RESULT_FILES], trigger_rule=TriggerRule.ALL_DONE)
    def load(companies, rows, failed_tries, params=None, dag_run=None, outlet_events=None) -> str:
        settings = SentimentSettings.from_params(params)
        ds = partition_date(dag_run)
        # Sliced, the mapped rows come in one request rather than one per company.
        written = tasks.load(companies, rows[:], failed_tries[:], settings, ds)
        outlet_events[RESULT_FILES].extra = {
            "uri": written.uri,
            "ds": ds,
            "companies_table": settings.companies_table,
        }
        written.check_error_share(settings.max_error_share)
        return written.uri

    companies = scan()
    preflight() >> companies
    rows, failed_tries = enrich_each(
        companies, task_id="enrich", map_index_template="{{ task.company['name'] }}"
    )
    load(companies, rows, failed_tries)


company_sentiment()
