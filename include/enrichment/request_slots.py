"""At most N requests in flight to one remote service across the whole deployment.

A semaphore kept in a DynamoDB table (partition key ``slot`` (S)), so it holds however
many triggerers, workers and hosts send requests, and needs nothing the project does not
already have: one laptop on the local AWS stand-in, or many hosts on the same account.
Slot ``<service>#<i>`` (``wikipedia#0`` .. ``wikipedia#2``) is held by whoever wrote
its ``holder``:

- acquire is one conditional UpdateItem per slot tried: set ``holder`` and
  ``expires_at`` where the slot has no holder or its lease ran out (the item is made
  by the first acquire, so the table needs no seeding and a larger count just works);
- release is a conditional UpdateItem removing the holder only while it is still ours,
  so a holder whose lease ran out never frees the slot of the one who took it over;
- when every slot is held the caller sleeps a jittered, growing back-off and tries
  again, up to a deadline.

A process killed while holding a slot (SIGKILL, a lost host) never releases it; its
lease runs out instead, so the lease must be longer than the request it covers.

Cost: two writes (acquire and release) per request, plus one failed conditional write
per slot tried while all are busy; at DynamoDB's on-demand price that is cents per
million requests, and the coalesced pipeline makes ~26 requests per 500 companies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

KEY = "slot"
# How far two hosts' clocks may disagree: a lease is written in the acquirer's clock and
# judged expired in the taker's, so a taker whose clock runs ahead by this much sees it
# end this much early. NTP keeps hosts within milliseconds; 10 s also covers the
# DynamoDB round trip between reading the clock and the write landing.
CLOCK_MARGIN = 10.0
# Wait for a free slot at most this long, then fail the caller (a task retries later).
WAIT_SECONDS = 90.0
# Back-off between rounds of tries: doubling from the first to the last, each sleep drawn
# from its upper half so waiters spread out and none polls in a tight loop.
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 0.5

log = logging.getLogger(__name__)


class NoSlotFree(TimeoutError):
    """Every slot stayed held for the whole wait; worth a retry later."""


def lease_seconds(request_timeout: float) -> float:
    """The lease that covers one request of at most ``request_timeout`` seconds, whatever
    the clocks of the hosts sharing the slots (:data:`CLOCK_MARGIN`)."""
    return request_timeout + CLOCK_MARGIN


def slot_keys(service: str, count: int) -> list[str]:
    """``['wikipedia#0', 'wikipedia#1', ...]``: the ``count`` slots of ``service``."""
    return [f"{service}#{n}" for n in range(count)]


def holder_id() -> str:
    """Who holds a slot: host and pid for people reading the table, and a fresh uuid so
    two holds of one process (its threads) are never mistaken for each other."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def backoffs(rng: random.Random) -> Iterator[float]:
    """Sleeps between rounds of tries: jittered, doubling up to :data:`MAX_BACKOFF`."""
    ceiling = FIRST_BACKOFF
    while True:
        yield rng.uniform(ceiling / 2, ceiling)
        ceiling = min(ceiling * 2, MAX_BACKOFF)


@dataclass(frozen=True)
class Lease:
    slot: str
    holder: str
    expires_at: float


class RequestSlots:
    """``count`` slots of ``service`` in ``table`` (a boto3 DynamoDB ``Table``); safe to
    share between threads. See the module docstring."""

    def __init__(
        self, table, service: str, count: int, *, lease: float, wait: float = WAIT_SECONDS
    ) -> None:
        if count < 1:
            raise ValueError(f"{service}: at least one request slot, not {count}")
        self._table = table
        self.service = service
        self.slots = slot_keys(service, count)
        self.lease = lease
        self.wait = wait

    @contextlib.contextmanager
    def hold(self) -> Iterator[Lease]:
        """A slot for the duration of the block: one request's worth."""
        lease = self.acquire()
        try:
            yield lease
        finally:
            self.release(lease)

    def acquire(self) -> Lease:
        """A free (or expired) slot, waiting for one up to ``wait`` seconds."""
        rng = random.Random()
        deadline = time.monotonic() + self.wait
        pauses = backoffs(rng)
        while True:
            # Slots in a random order: waiters of many processes do not all fight over
            # slot 0, and a release anywhere is found in the next round.
            for slot in rng.sample(self.slots, len(self.slots)):
                if lease := self._take(slot):
                    return lease
            pause = next(pauses)
            if time.monotonic() + pause > deadline:
                raise NoSlotFree(
                    f"all {len(self.slots)} {self.service} request slots stayed held "
                    f"for {self.wait:.0f}s"
                )
            time.sleep(pause)

    def release(self, lease: Lease) -> bool:
        """Free ``lease``'s slot if it is still ours; False (logged) if the lease had run
        out and the slot has been taken over meanwhile."""
        try:
            self._table.update_item(
                Key={KEY: lease.slot},
                UpdateExpression="REMOVE holder, expires_at",
                ConditionExpression="holder = :me",
                ExpressionAttributeValues={":me": lease.holder},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            log.warning(
                "Request slot %s was taken over before release: its %.0fs lease ran out",
                lease.slot,
                self.lease,
            )
            return False
        return True

    def _take(self, slot: str) -> Lease | None:
        client = self._table.meta.client
        now = time.time()
        lease = Lease(slot, holder_id(), now + self.lease)
        try:
            self._table.update_item(
                Key={KEY: slot},
                UpdateExpression="SET holder = :me, expires_at = :until",
                ConditionExpression="attribute_not_exists(holder) OR expires_at < :now",
                ExpressionAttributeValues={
                    ":me": lease.holder,
                    ":until": Decimal(f"{lease.expires_at:.3f}"),
                    ":now": Decimal(f"{now:.3f}"),
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        except client.exceptions.ResourceNotFoundException as error:
            raise LookupError(
                f"request slot table {self._table.name!r} does not exist: "
                "create it with `python -m enrichment.bootstrap`"
            ) from error
        return lease
