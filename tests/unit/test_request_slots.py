"""Request slots: the pure parts (names, holders, leases, back-off); the DynamoDB side is
tested against the AWS stand-in in tests/integration/test_request_slots.py."""

from __future__ import annotations

import itertools
import os
import random
import socket

import pytest

from enrichment.request_slots import (
    CLOCK_MARGIN,
    FIRST_BACKOFF,
    MAX_BACKOFF,
    RequestSlots,
    backoffs,
    holder_id,
    lease_seconds,
    slot_keys,
)
from enrichment.wikipedia.client import LEASE_SECONDS, REQUEST_TIMEOUT


def test_slots_are_numbered_per_service():
    assert slot_keys("wikipedia", 3) == ["wikipedia#0", "wikipedia#1", "wikipedia#2"]


def test_a_holder_names_host_and_pid_and_is_never_reused():
    first, second = holder_id(), holder_id()
    host, pid, token = first.split(":")
    assert (host, pid) == (socket.gethostname(), str(os.getpid()))
    assert len(token) == 32
    assert first != second  # two threads of one process never share a hold


def test_a_wikipedia_lease_outlives_the_longest_request_by_the_clock_margin():
    assert lease_seconds(25.0) == 25.0 + CLOCK_MARGIN
    assert sum(REQUEST_TIMEOUT) + CLOCK_MARGIN <= LEASE_SECONDS


def test_back_off_grows_to_a_cap_and_never_polls_in_a_tight_loop():
    pauses = list(itertools.islice(backoffs(random.Random(7)), 50))
    assert FIRST_BACKOFF / 2 <= pauses[0] <= FIRST_BACKOFF
    assert all(MAX_BACKOFF / 2 <= pause <= MAX_BACKOFF for pause in pauses[10:])
    assert len(set(pauses)) == len(pauses)  # jittered: waiters spread out


def test_no_slots_is_refused():
    with pytest.raises(ValueError, match="at least one request slot"):
        RequestSlots(table=None, service="wikipedia", count=0, lease=1)
