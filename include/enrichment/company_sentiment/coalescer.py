"""Many small asks from concurrent tasks, sent as few batched calls: a coalescer.

In a triggerer process every running company task asks for one Wikipedia intro and one
sentiment. A :class:`Coalescer` collects those asks, groups them by what must be the
same within one call (the run's settings, and for leads its moment), and sends a group
as soon as it holds ``max_batch`` items or ``linger`` seconds after its first
item arrived, whichever comes first. At most ``max_in_flight`` calls run at once per
process (Wikipedia's "3 requests in flight" across processes is held by the request
slots its client takes, :mod:`enrichment.request_slots`).

The calls themselves are the pipeline's ordinary blocking clients, run in worker
threads, so the event loop (and every other trigger of the process) never waits on
them, nor on a call's wait for a free request slot. Each ask gets its own answer back,
or its own exception: one bad item fails one company, not its batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Group = TypeVar("Group", bound=Hashable)
Item = TypeVar("Item")
Answer = TypeVar("Answer")

# Sends one batch: (group, items) -> one answer or exception per item, in item order.
Send = Callable[[Group, Sequence[Item]], Sequence[Any]]


@dataclass
class _Pending(Generic[Item]):
    items: list[Item] = field(default_factory=list)
    futures: list[asyncio.Future] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


class Coalescer(Generic[Group, Item, Answer]):
    """Batches :meth:`ask` calls per group into calls of ``send`` (see the module)."""

    def __init__(
        self, send: Send, *, max_batch: int, max_in_flight: int, linger: float = 0.05
    ) -> None:
        self._send = send
        self.max_batch = max_batch
        self.linger = linger
        self._slots = asyncio.Semaphore(max_in_flight)
        # Threads of its own: a batch never waits for a thread behind other work.
        self._threads = ThreadPoolExecutor(max_in_flight, thread_name_prefix="coalescer")
        self._pending: dict[Group, _Pending[Item]] = {}
        self._flushes: set[asyncio.Task] = set()
        self.calls = 0  # batches sent, for logs and tests

    async def ask(self, group: Group, item: Item) -> Answer:
        """The answer for ``item``, sent in a batch with the other asks of ``group``."""
        future = asyncio.get_running_loop().create_future()
        pending = self._pending.setdefault(group, _Pending())
        pending.items.append(item)
        pending.futures.append(future)
        if len(pending.items) >= self.max_batch:
            self._flush(group)
        elif pending.timer is None:
            pending.timer = asyncio.get_running_loop().call_later(self.linger, self._flush, group)
        return await future

    def _flush(self, group: Group) -> None:
        pending = self._pending.pop(group, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        task = asyncio.create_task(self._call(group, pending.items, pending.futures))
        self._flushes.add(task)  # a reference, so the task is not collected mid-flight
        task.add_done_callback(self._flushes.discard)

    async def _call(self, group: Group, items: list[Item], futures: list[asyncio.Future]) -> None:
        async with self._slots:
            self.calls += 1
            try:
                answers = await asyncio.get_running_loop().run_in_executor(
                    self._threads, self._send, group, items
                )
            except Exception as error:  # the whole call failed: every ask in it fails
                answers = [error] * len(items)
        for future, answer in zip(futures, answers, strict=True):
            if future.done():  # the asking trigger was cancelled meanwhile
                continue
            if isinstance(answer, BaseException):
                future.set_exception(answer)
            else:
                future.set_result(answer)
