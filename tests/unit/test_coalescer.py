"""The coalescer: asks from concurrent tasks become few batched calls, each ask its answer."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest

from enrichment.company_sentiment.coalescer import Coalescer


class Recorder:
    """A batch call that answers ``item * 10`` and records what it was sent, and when."""

    def __init__(self, seconds: float = 0.0, fail_on: object = None) -> None:
        self.seconds = seconds
        self.fail_on = fail_on
        self.calls: list[tuple[object, list]] = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, group, items):
        with self._lock:
            self.calls.append((group, list(items)))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.seconds)
            if self.fail_on == "call":
                raise ConnectionError("the whole call failed")
            return [
                ValueError(f"bad {item}") if item == self.fail_on else item * 10 for item in items
            ]
        finally:
            with self._lock:
                self.in_flight -= 1


def ask_all(coalescer: Coalescer, asks: list[tuple[object, int]], spread: float = 0.0):
    async def main():
        async def one(index: int, group, item):
            await asyncio.sleep(spread * index)
            return await coalescer.ask(group, item)

        return await asyncio.gather(
            *(one(i, group, item) for i, (group, item) in enumerate(asks)), return_exceptions=True
        )

    return asyncio.run(main())


def test_asks_arriving_together_go_out_as_one_call_each_getting_its_own_answer():
    send = Recorder()
    answers = ask_all(Coalescer(send, max_batch=20, max_in_flight=3), [("g", n) for n in range(7)])
    assert answers == [n * 10 for n in range(7)]
    assert send.calls == [("g", list(range(7)))]


def test_a_full_batch_goes_out_at_once_and_the_rest_after_the_linger():
    send = Recorder()
    coalescer = Coalescer(send, max_batch=20, max_in_flight=3, linger=5.0)
    started = time.monotonic()
    answers = ask_all(coalescer, [("g", n) for n in range(20)])
    assert time.monotonic() - started < 1.0  # did not wait for the 5 s linger
    assert answers == [n * 10 for n in range(20)]
    assert [len(items) for _, items in send.calls] == [20]


def test_asks_spread_over_the_linger_still_share_a_call():
    send = Recorder()
    ask_all(
        Coalescer(send, max_batch=20, max_in_flight=3, linger=0.3),
        [("g", n) for n in range(5)],
        0.02,
    )
    assert [items for _, items in send.calls] == [[0, 1, 2, 3, 4]]


def test_groups_never_share_a_call():
    send = Recorder()
    asks = [("en", 1), ("de", 2), ("en", 3), ("de", 4)]
    assert ask_all(Coalescer(send, max_batch=20, max_in_flight=3), asks) == [10, 20, 30, 40]
    assert sorted(send.calls) == [("de", [2, 4]), ("en", [1, 3])]


def test_no_more_calls_in_flight_than_allowed():
    send = Recorder(seconds=0.1)
    coalescer = Coalescer(send, max_batch=2, max_in_flight=3, linger=0.0)
    answers = ask_all(coalescer, [("g", n) for n in range(20)])
    assert answers == [n * 10 for n in range(20)]
    assert len(send.calls) == 10
    assert send.most_in_flight == 3


def test_a_call_blocked_waiting_leaves_the_event_loop_free():
    # A call may block for a while before it sends (waiting for a Wikipedia request
    # slot); the other triggers of the process keep running meanwhile.
    send = Recorder(seconds=0.5)
    coalescer = Coalescer(send, max_batch=1, max_in_flight=3, linger=0.0)

    async def run() -> list[float]:
        ticks = []
        calls = asyncio.gather(*(coalescer.ask("g", n) for n in range(3)))
        while not calls.done():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)
        return ticks

    ticks = asyncio.run(run())
    assert len(ticks) > 10
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.2


def test_one_bad_item_fails_only_its_own_ask():
    send = Recorder(fail_on=2)
    answers = ask_all(Coalescer(send, max_batch=20, max_in_flight=3), [("g", n) for n in range(4)])
    assert answers[:2] == [0, 10]
    assert answers[3] == 30
    assert isinstance(answers[2], ValueError)
    assert str(answers[2]) == "bad 2"


def test_a_failed_call_fails_every_ask_in_it():
    send = Recorder(fail_on="call")
    answers = ask_all(Coalescer(send, max_batch=20, max_in_flight=3), [("g", n) for n in range(3)])
    assert [type(answer) for answer in answers] == [ConnectionError] * 3


@pytest.mark.parametrize("max_batch", [1, 25])
def test_every_ask_is_answered_whatever_the_batch_size(max_batch):
    send = Recorder()
    asks = [("g", n) for n in range(60)]
    answers = ask_all(Coalescer(send, max_batch=max_batch, max_in_flight=3, linger=0.01), asks)
    assert answers == [n * 10 for n in range(60)]
    assert sorted(item for _, items in send.calls for item in items) == list(range(60))
    assert all(len(items) <= max_batch for _, items in send.calls)
