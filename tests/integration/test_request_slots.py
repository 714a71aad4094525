"""The deployment-wide Wikipedia limit: request slots in DynamoDB (the AWS stand-in),
shared by separate OS processes that each send through their own client and coalescer,
as triggerers do, to the Wikipedia stand-in over real HTTP."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest

from enrichment import aws, request_slots
from enrichment.bootstrap import ensure_table
from enrichment.company_sentiment import page_timelines, revision_texts
from enrichment.request_slots import NoSlotFree, RequestSlots
from enrichment.wikipedia.client import MAX_IN_FLIGHT, WikipediaClient, request_slots_in
from enrichment.wikipedia.queries import MAX_TITLES

PROCESSES = 3
# Enough titles for several full batches per process, so each process keeps its
# coalescer's three calls busy for many rounds.
TITLES_PER_PROCESS = 6 * MAX_TITLES
SLOW_ANSWER = 0.4  # seconds per Wikipedia answer: requests overlap for certain


def fetch_like_a_triggerer(slots_table: str, learned: tuple, start, titles: list[str]) -> None:
    """One triggerer's worth: its own clients and coalescer, every title asked at once
    (at a moment after every revision: the daily case, one request per 20 titles)."""
    from enrichment.company_sentiment.settings import SentimentSettings
    from enrichment.company_sentiment.trigger import TriggererProcess

    async def everything() -> None:
        process = TriggererProcess()
        settings = SentimentSettings(
            request_slots_table=slots_table,
            wikipedia_slots=MAX_IN_FLIGHT,
            page_timelines_table=learned[0],
            revision_texts_table=learned[1],
        )
        asked = (settings, datetime(2026, 11, 20, tzinfo=UTC))
        start.wait()  # all processes ready: their requests start together
        summaries = await asyncio.gather(*(process.leads.ask(asked, t) for t in titles))
        assert [s.status for s in summaries] == ["ok"] * len(titles)

    asyncio.run(everything())


def run_triggerers(slots_tables: list[str]) -> None:
    """One process per table in ``slots_tables``, each fetching its own titles, with
    timeline and text tables new to this call (nothing learned before answers)."""
    suffix = uuid.uuid4().hex[:8]
    learned = (f"timelines_{suffix}", f"texts_{suffix}")
    ensure_table(aws.dynamodb_client(), learned[0], page_timelines.KEY)
    ensure_table(aws.dynamodb_client(), learned[1], revision_texts.KEY)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as a triggerer
    start = context.Barrier(len(slots_tables))
    processes = [
        context.Process(
            target=fetch_like_a_triggerer,
            args=(
                table,
                learned,
                start,
                [f"Synthetic Company {n * 1000 + i}" for i in range(TITLES_PER_PROCESS)],
            ),
        )
        for n, table in enumerate(slots_tables)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * len(processes)


@pytest.fixture
def slow_wikipedia(wikipedia_control):
    wikipedia_control.latency(SLOW_ANSWER)
    return wikipedia_control


def slots_table(name: str) -> str:
    ensure_table(aws.dynamodb_client(), name, request_slots.KEY)
    return name


def test_processes_sharing_the_slots_keep_to_three_in_flight(slow_wikipedia):
    shared = slots_table("slots_shared")

    run_triggerers([shared] * PROCESSES)

    stats = slow_wikipedia.stats()
    assert stats["requests"] == PROCESSES * TITLES_PER_PROCESS // MAX_TITLES
    assert stats["max_in_flight"] == MAX_IN_FLIGHT  # never more, and reached


def test_without_a_shared_limit_the_same_processes_exceed_three(slow_wikipedia):
    # A table of slots per process: each keeps to 3 on its own, as triggerers did with
    # only their coalescer's limit.
    own = [slots_table(f"slots_own_{n}") for n in range(PROCESSES)]

    run_triggerers(own)

    assert slow_wikipedia.stats()["max_in_flight"] > MAX_IN_FLIGHT


def test_no_request_goes_out_without_a_slot(wikipedia_control):
    table = aws.dynamodb_table(slots_table("slots_busy"))
    somebody = request_slots_in(table, 1)
    impatient = RequestSlots(table, "wikipedia", 1, lease=somebody.lease, wait=0.5)
    with WikipediaClient() as client:
        with somebody.hold(), pytest.raises(NoSlotFree):
            client.latest(["Sony"], impatient)
        assert wikipedia_control.requests() == []
        assert client.latest(["Sony"], impatient)["Sony"].latest is not None  # released


HOLD_AND_HANG = """
import sys, time
from enrichment import aws
from enrichment.request_slots import RequestSlots
slots = RequestSlots(aws.dynamodb_table(sys.argv[1]), "wikipedia", 1, lease=float(sys.argv[2]))
print("holder", slots.acquire().holder, flush=True)
time.sleep(600)
"""


def test_a_killed_holders_slot_is_taken_over_after_its_lease(stack):
    table = aws.dynamodb_table(slots_table("slots_killed"))
    lease = 3.0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_HANG, table.name, str(lease)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        # Airflow logs to stdout too: the holder's line is the one that says so.
        held_by = next(line for line in holder.stdout if line.startswith("holder "))
        held_by = held_by.split()[1]
        acquired = time.monotonic()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert held_by.split(":")[1] == str(holder.pid)  # host:pid:uuid

    with pytest.raises(NoSlotFree):  # still within the dead holder's lease
        RequestSlots(table, "wikipedia", 1, lease=lease, wait=0.5).acquire()
    taken = RequestSlots(table, "wikipedia", 1, lease=lease, wait=10).acquire()
    waited = time.monotonic() - acquired

    assert taken.holder != held_by
    assert lease - 0.5 <= waited <= lease + 2


def test_release_never_frees_somebody_elses_slot(stack):
    table = aws.dynamodb_table(slots_table("slots_taken_over"))
    short = RequestSlots(table, "wikipedia", 1, lease=0.5, wait=0.3)
    late = short.acquire()
    time.sleep(0.7)  # late's lease runs out while it still thinks it holds the slot
    current = short.acquire()

    assert short.release(late) is False
    with pytest.raises(NoSlotFree):  # the slot is still current's
        short.acquire()
    assert short.release(current) is True
    short.release(short.acquire())


def test_a_missing_table_says_how_to_make_it(stack):
    slots = RequestSlots(aws.dynamodb_table("no_such_slots"), "wikipedia", 1, lease=1)
    with pytest.raises(LookupError, match=r"python -m enrichment\.bootstrap"):
        slots.acquire()
