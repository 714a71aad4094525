"""The triggerer side of ``enrich``: one trigger per company task, one process's worth of
clients and coalesced calls for all of them.

A trigger finds its company in its run's company list by its map index (the list and the
run's settings are read once per DAG run per process, not once per company:
:mod:`.triggerer_internals` says why a trigger is not given its company), asks the
process for the row and ends the task itself with ``TaskSuccessEvent``, the row as the
event's XCom. A try that fails ends with ``TaskFailedEvent`` carrying its error row
under :data:`~enrichment.company_sentiment.rows.FAILED_TRY_KEY`: Airflow then retries it
(in the triggerer again), or after its last try marks it failed and stores that row
(:mod:`.rows` says why Airflow decides).

Every running company asks for one Wikipedia lead and one sentiment; the process's
coalescers (:mod:`.coalescer`) send the asks of all companies waiting together as the
batched calls of :mod:`.batched_calls`. While the company runs, the trigger names its
task instance in the UI, beside the work and never waited for.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TaskFailedEvent, TaskSuccessEvent, TriggerEvent

from enrichment.clients import Clients
from enrichment.company_sentiment.batched_calls import TEXTS_PER_CALL, TITLES_PER_CALL, BatchedCalls
from enrichment.company_sentiment.coalescer import Coalescer
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.rows import (
    FAILED_TRY_KEY,
    Row,
    company_row,
    failed_try_row,
    no_article_row,
    outcome,
)
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.triggerer_internals import TaskNames, TriggererAirflow
from enrichment.run_date import run_moment
from enrichment.wikipedia.client import MAX_IN_FLIGHT, OUTAGE_PATIENCE

log = logging.getLogger(__name__)

# How long a company's asks wait for others to share a batched call with. Companies reach
# the triggerer a few at a time, at the scheduler's pace; a second gathers most of a full
# batch and costs the run about a second at its end.
LINGER_SECONDS = 1.0
# Comprehend and DynamoDB calls of one process at once; AWS asks no etiquette of us, this
# only bounds the threads a burst of batches takes. (More Wikipedia calls at once than
# the deployment's request slots would only wait for a slot.)
AWS_CALLS_IN_FLIGHT = 4
# Inputs of this many DAG runs are kept per process (a backfill runs a few at once).
RUNS_KEPT = 16
# Names set at once: the API server answers each in a few milliseconds of its CPU.
NAMING_THREADS = 4


@dataclass(frozen=True)
class RunInputs:
    """What every company task of one DAG run needs: the run's settings, the moment it
    describes and the scan's company list (the task's map index says which company is
    its own)."""

    settings: SentimentSettings
    moment: datetime
    companies: list[Company]


class TriggererProcess:
    """What all the company triggers of one triggerer process share: the clients, the
    coalesced calls, each run's inputs and the naming of task instances."""

    def __init__(self, airflow: TriggererAirflow | None = None) -> None:
        self.airflow = airflow or TriggererAirflow()
        # Waiting here holds no worker slot: Wikipedia outages are waited out in place.
        calls = BatchedCalls(Clients(), wikipedia_patience=OUTAGE_PATIENCE)
        self.leads: Coalescer = Coalescer(
            lambda asked, titles: calls.summaries(*asked, titles),
            max_batch=TITLES_PER_CALL,
            max_in_flight=MAX_IN_FLIGHT,
            linger=LINGER_SECONDS,
        )
        self.scores: Coalescer = Coalescer(
            calls.sentiments,
            max_batch=TEXTS_PER_CALL,
            max_in_flight=AWS_CALLS_IN_FLIGHT,
            linger=LINGER_SECONDS,
        )
        self._runs: OrderedDict[tuple[str, str], asyncio.Task[RunInputs]] = OrderedDict()
        self._names: asyncio.Future[TaskNames] | None = None
        # Naming has threads of its own, so it never holds up a company's calls, and a
        # task is not waited for: a name may appear after its company finished.
        self._naming_threads = ThreadPoolExecutor(NAMING_THREADS, thread_name_prefix="naming")
        self._naming: set[asyncio.Task] = set()

    async def row(self, company: Company, settings: SentimentSettings, moment: datetime) -> Row:
        """The row of one company, its article read as it stood at ``moment``, its calls
        sent with those of the other companies asking now; raises what is worth a retry."""
        if company.get("no_article"):
            return no_article_row(company)
        summary = await self.leads.ask((settings, moment), company["wikipedia_title"])
        scored = (
            await self.scores.ask(settings, summary.snippet) if summary.status == "ok" else None
        )
        return company_row(company, summary, scored)

    async def run_inputs(self, ti: Any, companies_task_id: str) -> RunInputs:
        """The inputs of ``ti``'s run, read once however many of its companies ask."""
        key = (ti.dag_id, ti.run_id)
        if key not in self._runs:
            self._runs[key] = asyncio.create_task(self._read_run(ti, companies_task_id))
            while len(self._runs) > RUNS_KEPT:
                self._runs.popitem(last=False)
        try:
            return await asyncio.shield(self._runs[key])
        except Exception:
            self._runs.pop(key, None)  # the next company reads again
            raise

    async def _read_run(self, ti: Any, companies_task_id: str) -> RunInputs:
        run = await self.airflow.run_inputs(ti, companies_task_id)
        return RunInputs(
            SentimentSettings.from_params(run.params), run_moment(run.dag_run), run.companies
        )

    def show_name(self, ti_id: str, name: str) -> asyncio.Task:
        """Name the task instance in the UI, in the background: never waited for by the
        company's work, and never failing it."""
        task = asyncio.create_task(self._set_name(ti_id, name))
        self._naming.add(task)  # a reference, so the task is not collected mid-flight
        task.add_done_callback(self._naming.discard)
        return task

    async def _set_name(self, ti_id: str, name: str) -> None:
        try:
            loop = asyncio.get_running_loop()
            if self._names is None:  # made once, whichever company asks first
                self._names = loop.run_in_executor(self._naming_threads, self.airflow.task_names)
            names = await asyncio.shield(self._names)
            await loop.run_in_executor(self._naming_threads, names.set, ti_id, name)
        except Exception as error:
            await log_off_the_loop(
                logging.WARNING,
                "Could not name task instance %s %r in the UI",
                ti_id,
                name,
                exc_info=error,
            )


async def log_off_the_loop(level: int, message: str, *args: Any, exc_info=None) -> None:
    """Log from a thread, never from the triggerer's event loop. A log write blocks while
    the triggerer's supervisor is not reading the runner's output, which it does not while
    it sends the runner a large message (new triggers carry the whole serialized DAG);
    the runner reads that message on its event loop, so a write blocking the loop waits
    for a read that waits for it: the triggerer hangs, every trigger with it (seen in a
    3-date backfill of 500 companies). Airflow's own trigger logging writes from threads
    too; the context (which trigger's log a line goes to) goes with the thread."""
    await asyncio.to_thread(log.log, level, message, *args, exc_info=exc_info)


_process: TriggererProcess | None = None


def process() -> TriggererProcess:
    """This triggerer process's shared state, made by the first company to run."""
    global _process  # one per process by design: that is what coalesces the calls
    if _process is None:
        _process = TriggererProcess()
    return _process


class EnrichCompanyTrigger(BaseTrigger):
    """Runs one company's ``enrich`` try in the triggerer (see the module docstring)."""

    def __init__(self, companies_task_id: str) -> None:
        super().__init__()
        self.companies_task_id = companies_task_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__name__}", {
            "companies_task_id": self.companies_task_id
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        ti = self.task_instance
        shared = process()
        company = None
        try:
            run = await shared.run_inputs(ti, self.companies_task_id)
            company = run.companies[ti.map_index]
            # What map_index_template renders on workers, shown while the company runs.
            shared.show_name(str(ti.id), company["name"])
            row = await shared.row(company, run.settings, run.moment)
        except Exception as error:
            await log_off_the_loop(
                logging.ERROR,
                "enrich try %d failed; Airflow decides on a retry",
                ti.try_number,
                exc_info=error,
            )
            # Stored by Airflow only if this try was the last (not for one it retries).
            failed = None if company is None else failed_try_row(company, error)
            yield TaskFailedEvent(xcoms=failed and {FAILED_TRY_KEY: failed.record()})
            return
        # The one line of the try in the company's log (a cost: docs/operations.md#task-logs).
        await log_off_the_loop(logging.INFO, outcome(row))
        # The row travels in the event that ends the task: Airflow stores it as the task's
        # XCom in the same transaction, no call of its own (triggerer_internals says how).
        yield TaskSuccessEvent(xcoms={"return_value": row.record()})
