"""
### Company review

After each company_sentiment run (its result file is this DAG's asset), ask a person
which Wikipedia article each company is that the run filed as `ambiguous` (its title
opens a disambiguation page) or `not_found` (no page under its title).

- `find_candidates` reads the run's file, takes the companies a review may ask about
  now (never one whose review is open, or that was answered since the file was written,
  or that has no article), and finds at most 10 candidate articles for each: the links
  of its disambiguation page, or what a search for its name finds, each with the first
  sentence of its lead.
- `review.ask` (one per company) waits in **Required actions** for a person to choose
  an article, "None of these" or "Ask again later" (the answer taken after
  `timeout_days`); `review.record` writes the answer to the company's item:
  `wikipedia_title` with `reviewed_by` / `reviewed_at`, or `review_status: no_article`.
- The next company_sentiment run analyses the chosen article, or files the company as
  `no_article`.

Triggered by hand, it reviews the latest result file.
- `preflight` first checks that the tables and bucket the run uses exist: when one is
  missing it fails at once, naming it and `python -m enrichment.bootstrap`. A failed run
  is told to the SNS topic `alerts_topic`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task, task_group

from enrichment.alerts import alert_failed_run, record_failure
from enrichment.company_review import tasks
from enrichment.company_review.operator import CompanyReviewOperator
from enrichment.company_review.questions import Review
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment.settings import RESULT_FILES
from enrichment.preflight import check_run


@dag(
    schedule=[RESULT_FILES],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    doc_md=__doc__,
    tags=["enrichment", "wikipedia", "human-in-the-loop"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        # The work of each task; a review's wait for a person is `timeout_days`.
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": record_failure,
    },
    params=ReviewSettings.dag_params(),
    on_failure_callback=alert_failed_run,
)
def company_review():
    @task
    def preflight(params=None) -> None:
        check_run(ReviewSettings.from_params(params))

    @task(inlets=[RESULT_FILES])
    def find_candidates(
        params=None, run_id=None, triggering_asset_events=None, inlet_events=None
    ) -> list[Review]:
        # The run's triggering events; triggered by hand, the latest result file.
        events = triggering_asset_events.get(RESULT_FILES) or inlet_events[RESULT_FILES][-1:]
        return tasks.open_reviews(
            [{**event.extra, "timestamp": event.timestamp} for event in events],
            ReviewSettings.from_params(params),
            run_id,
            datetime.now(UTC),
        )

    @task_group
    def review(company: Review):
        # Each company's answer is recorded as soon as it is given, whatever the others do.
        ask = CompanyReviewOperator(
            task_id="ask",
            review=company,
            map_index_template="{{ task.review['company'] }}",
        )

        @task(map_index_template="{{ task.op_kwargs['company']['company'] }}")
        def record(company: Review, answer: dict) -> str:
            return tasks.record(company, answer)

        record(company=company, answer=ask.output)

    candidates = find_candidates()
    preflight() >> candidates
    review.expand(company=candidates)


company_review()
