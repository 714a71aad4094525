"""``EnrichCompanyTrigger.run``, the production trigger, without a scheduler.

The trigger's companies run in one process, as in a triggerer, against the stand-ins
over real HTTP, with its real clients and coalescers. Only what Airflow's triggerer
would give it (the run's inputs, the XCom store, the UI names: the one seam
``triggerer_internals``) is a small local implementation holding the run in memory.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.triggers.base import TaskFailedEvent, TaskSuccessEvent

from enrichment import aws
from enrichment.bootstrap import ensure_table
from enrichment.company_sentiment import sentiment_cache, trigger
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.rows import FAILED_TRY_KEY
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.triggerer_internals import RunContext, TriggererAirflow

MOMENT = datetime(2026, 11, 20, tzinfo=UTC)  # after every revision of the corpus
COMPANIES = [
    Company(name="Amazon", wikipedia_title="Amazon"),
    Company(name="Enron", wikipedia_title="Enron"),
    Company(name="Globex Corporation", wikipedia_title="Globex Corporation"),
    Company(name="Initech", wikipedia_title="Initech", no_article=True),
    Company(name="Netflix", wikipedia_title="Netflix"),
    Company(name="Tesla Motors", wikipedia_title="Tesla Motors"),
]


class RunInMemory(TriggererAirflow):
    """One DAG run held in memory: its Params and dates, the scan's company list, and
    what the company tasks store and show."""

    def __init__(self, settings: SentimentSettings, companies: list[Company]) -> None:
        self.params = {name: getattr(settings, name) for name in settings.param_specs()}
        self.companies = companies
        self.reads = 0
        self.names: dict[str, str] = {}

    async def run_inputs(self, ti: Any, companies_task_id: str) -> RunContext:
        assert companies_task_id == "scan"
        self.reads += 1
        dag_run = SimpleNamespace(logical_date=MOMENT, run_after=MOMENT, data_interval_end=MOMENT)
        return RunContext(self.params, dag_run, self.companies)

    def task_names(self) -> RunInMemory:
        return self

    def set(self, ti_id: str, name: str) -> None:
        self.names[ti_id] = name


def task_instance(map_index: int) -> SimpleNamespace:
    return SimpleNamespace(
        id=f"ti-{map_index}",
        dag_id="company_sentiment",
        task_id="enrich",
        run_id="manual__2026-11-20",
        map_index=map_index,
        try_number=1,
    )


async def run_companies(count: int) -> list[list]:
    """Every company's trigger at once, as a triggerer runs them; their events."""

    async def one(map_index: int) -> list:
        started = trigger.EnrichCompanyTrigger(companies_task_id="scan")
        started.task_instance = task_instance(map_index)
        events = [event async for event in started.run()]
        await asyncio.gather(*trigger.process()._naming)  # names are set beside the work
        return events

    return await asyncio.gather(*(one(index) for index in range(count)))


@pytest.fixture
def run(bootstrapped, unlearned_history, monkeypatch) -> RunInMemory:
    """A run of :data:`COMPANIES` with history tables of its own, and the triggerer
    process its triggers share."""
    settings = SentimentSettings(
        sentiment_cache_table=f"cache_{uuid.uuid4().hex[:8]}", **unlearned_history
    )
    ensure_table(aws.dynamodb_client(), settings.sentiment_cache_table, sentiment_cache.KEY)
    in_memory = RunInMemory(settings, COMPANIES)
    monkeypatch.setattr(trigger, "_process", trigger.TriggererProcess(in_memory))
    return in_memory


class ThreadsLogging(logging.Handler):
    """The thread each record of the package was logged from."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.threads: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.threads.append(record.thread)


@pytest.fixture
def logging_threads():
    """The threads the package logs from while the test runs its triggers (asyncio.run on
    this thread: the event loop's)."""
    handler = ThreadsLogging()
    logger = logging.getLogger("enrichment")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler.threads
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_company_ends_its_task_with_its_row_and_shares_the_calls(
    run, wikipedia_control, aws_control, logging_threads
):
    events = asyncio.run(run_companies(len(COMPANIES)))

    assert [[type(event) for event in each] for each in events] == [[TaskSuccessEvent]] * 6
    # Each event carries its company's row, and nothing else, for Airflow to store.
    assert {tuple(each[0].xcoms) for each in events} == {("return_value",)}
    rows = {each[0].xcoms["return_value"]["name"]: each[0].xcoms["return_value"] for each in events}
    assert list(rows) == [company["name"] for company in COMPANIES]
    statuses = {name: row["status"] for name, row in rows.items()}
    assert statuses == {
        "Amazon": "ambiguous",
        "Enron": "ok",
        "Globex Corporation": "not_found",
        "Initech": "no_article",
        "Netflix": "ok",
        "Tesla Motors": "ok",
    }
    tesla = rows["Tesla Motors"]
    assert (tesla["wikipedia_title"], tesla["sentiment_source"]) == ("Tesla, Inc.", "comprehend")
    # The run's inputs are read once for all its companies; each task is named after its own.
    assert run.reads == 1
    assert run.names == {f"ti-{index}": company["name"] for index, company in enumerate(COMPANIES)}
    # Five titles asked of Wikipedia in one query (Tesla Motors' redirect in a second), the
    # three texts scored in one BatchDetectSentiment call.
    assert wikipedia_control.stats()["requests_by_mode"]["latest"] == 2
    assert aws_control.calls("BatchDetectSentiment") == 1
    # Each company's outcome line, none written from the event loop (log_off_the_loop).
    assert len(logging_threads) >= len(COMPANIES)
    assert threading.get_ident() not in logging_threads


def test_a_failed_call_fails_each_company_that_shared_it_with_its_error_row(
    run, wikipedia_control, logging_threads
):
    """Wikipedia answers the batch's query with HTTP 500 (no throttling: not retried in
    place): each company that shared the query fails its try, leaving its error row for
    Airflow's retry to replace; the company that needs no query still succeeds."""
    wikipedia_control.fault("Netflix", status=500)

    events = asyncio.run(run_companies(len(COMPANIES)))

    kinds = {COMPANIES[index]["name"]: type(each[0]) for index, each in enumerate(events)}
    assert kinds["Initech"] is TaskSuccessEvent
    assert {name for name, kind in kinds.items() if kind is TaskFailedEvent} == {
        "Amazon",
        "Enron",
        "Globex Corporation",
        "Netflix",
        "Tesla Motors",
    }
    (netflix,) = events[4]
    failed = netflix.xcoms[FAILED_TRY_KEY]
    assert list(netflix.xcoms) == [FAILED_TRY_KEY]
    assert (failed["name"], failed["status"]) == ("Netflix", "error")
    assert failed["error"].startswith("WikipediaError: HTTP 500")
    assert len(logging_threads) >= len(COMPANIES)
    assert threading.get_ident() not in logging_threads
