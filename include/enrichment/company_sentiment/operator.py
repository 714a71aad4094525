"""The ``enrich`` task: one mapped task instance per company, started in the triggerer.

A company's work is two remote calls that mostly wait. As a plain task each company
would cost a worker process (fork, DAG parse, clients, about a quarter CPU-second of
Airflow overhead) for a few hundred milliseconds of waiting; started in the triggerer
(``start_from_trigger``), it costs a coroutine, and the calls of all companies running
there are coalesced into batched calls (:mod:`.trigger`). Each company is still its own
task instance: retried on its own, its row its own XCom.

``ENRICHMENT_SENTIMENT_ON_WORKERS=true`` in the environment that parses the DAG runs the
same operator's :meth:`~EnrichCompanyOperator.execute` on workers instead, in the
:data:`POOL` pool, one company per worker process: the way back for a deployment
without a triggerer, or when an Airflow upgrade breaks the triggerer path.
``airflow dags test`` always runs ``execute``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import StartTriggerArgs

from enrichment.company_sentiment import tasks
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.rows import FAILED_TRY_KEY, failed_try_row, outcome
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.run_date import run_moment
from enrichment.wikipedia.client import MAX_IN_FLIGHT

if TYPE_CHECKING:
    from airflow.sdk import Context, XComArg

ON_WORKERS_ENV = "ENRICHMENT_SENTIMENT_ON_WORKERS"
# The Airflow pool of ``enrich`` on workers (the bootstrap creates it): one worker per
# Wikipedia request slot, so queued companies wait in the scheduler, not in a worker
# process waiting for a slot.
POOL = "wikipedia"
POOL_SLOTS = MAX_IN_FLIGHT
# How long a company's try may take. On a worker it is the calls alone. In the triggerer
# the clock starts when the scheduler defers the task, before a triggerer takes it up, so
# it covers the queue of a large run or backfill too (a triggerer runs `[triggerer]
# capacity` companies at once); Airflow applies the smaller of this and the trigger's
# own timeout.
WORKER_TIMEOUT = timedelta(minutes=2)
TRIGGER_TIMEOUT = timedelta(hours=1)


def runs_on_workers() -> bool:
    """Whether ``enrich`` runs on workers (the deployment setting above)."""
    return os.environ.get(ON_WORKERS_ENV, "").strip().lower() in ("1", "true", "yes")


class EnrichCompanyOperator(BaseOperator):
    """The sentiment row of one company (see the module docstring for where it runs)."""

    def __init__(
        self,
        *,
        company: Company,
        start_from_trigger: bool = False,
        start_trigger_args: StartTriggerArgs | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.company = company
        # Set per DAG by enrich_each(), not per class: the switch is a deployment setting
        # and the trigger is told the name of the task whose output it maps over.
        self.start_from_trigger = start_from_trigger
        self.start_trigger_args = start_trigger_args

    def execute(self, context: Context) -> dict:
        """The worker path: the triggerer path's code, for one company. A failed try
        leaves its error row (:mod:`.rows`) and fails; Airflow decides on a retry."""
        try:
            settings = SentimentSettings.from_params(context["params"])
            row = tasks.enrich(self.company, settings, run_moment(context["dag_run"]))
        except Exception as error:
            context["ti"].xcom_push(FAILED_TRY_KEY, failed_try_row(self.company, error).record())
            raise
        self.log.info(outcome(row))
        return row.record()


def enrich_each(companies: XComArg, **task_kwargs: Any) -> tuple[XComArg, XComArg]:
    """``enrich`` mapped over ``companies`` (the scan's output), in the triggerer unless
    the deployment says otherwise: its rows (one XCom per company that succeeded) and
    the rows its failed tries left (:mod:`.rows`). The trigger reads the company list
    once per run from the scan's XCom, so it is told which task that is."""
    start = StartTriggerArgs(
        trigger_cls="enrichment.company_sentiment.trigger.EnrichCompanyTrigger",
        trigger_kwargs={"companies_task_id": companies.operator.task_id},
        # Never resumed on a worker: the trigger ends the task itself, with its row.
        next_method="execute",
        next_kwargs=None,
        timeout=TRIGGER_TIMEOUT,
    )
    on_workers = runs_on_workers()
    enrich = EnrichCompanyOperator.partial(
        start_from_trigger=not on_workers,
        start_trigger_args=start,
        execution_timeout=WORKER_TIMEOUT if on_workers else TRIGGER_TIMEOUT,
        pool=POOL,
        **task_kwargs,
    ).expand(company=companies)
    return enrich.output, enrich.output[FAILED_TRY_KEY]
