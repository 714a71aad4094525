"""
### Company sentiment

Every day: read the DynamoDB table of companies, fetch each company's Wikipedia intro and
ask AWS Comprehend for its sentiment (one mapped task per company), then write one CSV
for the logical date to `s3://<bucket>/<prefix>ds=YYYY-MM-DD/<table>_sentiment.csv`.

- A missing or ambiguous Wikipedia page is a row with status `not_found` / `ambiguous`.
- Other failures are retried with backoff; after the last retry the company is a row
  with status `error`, and the run fails only when the share of `error` rows is above
  `max_error_share` (the file is written first).
- Re-running or backfilling a date rewrites that date's file whole.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, Param, TriggerRule, dag, task

from enrichment import companies as company_table
from enrichment import company_sentiment as sentiment
from enrichment import results, wikipedia

COMPREHEND_LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"]
# The asset names the default location; each event's extra carries the exact object URI.
SENTIMENT_FILES = Asset(
    name="company_sentiment_csv",
    uri=f"s3://{results.SENTIMENT_BUCKET}/{results.SENTIMENT_PREFIX.rstrip('/')}",
)


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
    },
    params={
        "companies_table": Param(
            company_table.COMPANIES_TABLE,
            type="string",
            minLength=3,
            maxLength=255,
            description="DynamoDB table of companies (partition key `name`).",
        ),
        "bucket": Param(
            results.SENTIMENT_BUCKET,
            type="string",
            minLength=3,
            maxLength=63,
            description="S3 bucket that receives the result file.",
        ),
        "prefix": Param(
            results.SENTIMENT_PREFIX,
            type="string",
            minLength=1,
            description="Key prefix; the file is `<prefix>ds=YYYY-MM-DD/<table>_sentiment.csv`.",
        ),
        "sentences": Param(
            1,
            type="integer",
            minimum=1,
            maximum=10,
            description="Sentences of the Wikipedia intro to analyse.",
        ),
        "language": Param(
            "en",
            type="string",
            enum=COMPREHEND_LANGUAGES,
            description="Comprehend language code of the Wikipedia text.",
        ),
        "max_companies": Param(
            1000,
            type="integer",
            minimum=1,
            description="Fail the scan above this many companies (core.max_map_length caps it).",
        ),
        "max_error_share": Param(
            0.2,
            type="number",
            minimum=0,
            maximum=1,
            description="Fail the run when more than this share of companies ended in `error`.",
        ),
    },
)
def company_sentiment():
    @task
    def scan(params=None) -> list[company_table.Company]:
        return company_table.companies_to_enrich(
            params["companies_table"], max_companies=params["max_companies"]
        )

    @task(
        pool=wikipedia.POOL,
        execution_timeout=timedelta(minutes=2),
        map_index_template="{{ task.op_kwargs['company']['name'] }}",
        multiple_outputs=False,  # one XCom per row, not one per column
    )
    def enrich(company: company_table.Company, params=None, ti=None, dag_run=None) -> dict:
        return sentiment.analyse_or_record_error(
            company,
            ds=results.partition_date(dag_run.logical_date, dag_run.run_after),
            sentences=params["sentences"],
            language=params["language"],
            final_attempt=ti.try_number > ti.max_tries,
        )

    # ALL_DONE: the file is written whatever the mapped tasks did, including when an empty
    # table leaves them skipped; without a company list from scan there is nothing to write.
    @task(outlets=[SENTIMENT_FILES], trigger_rule=TriggerRule.ALL_DONE)
    def load(companies, rows, params=None, dag_run=None, outlet_events=None) -> str:
        ds = results.partition_date(dag_run.logical_date, dag_run.run_after)
        written = sentiment.write_results(
            companies,
            rows,
            ds,
            bucket=params["bucket"],
            key=results.sentiment_key(params["prefix"], ds, params["companies_table"]),
        )
        outlet_events[SENTIMENT_FILES].extra = {"uri": written.uri, "ds": ds}
        sentiment.check_error_share(written, params["max_error_share"])
        return written.uri

    companies = scan()
    load(companies, enrich.expand(company=companies))


company_sentiment()
