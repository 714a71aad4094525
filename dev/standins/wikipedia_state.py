"""What the Wikipedia stand-in's control API sets and reads, shared by the handler's
threads: faults queued for a title (a number of times, or every request for some seconds:
an outage), the latency added to every answer, the log of the requests received and how
many are in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from dev.standins.wikipedia_pages import normalise_title
from dev.standins.wikipedia_params import MODES, request_mode


@dataclass
class Fault:
    title: str  # a normalised title, or "*" for any request
    remaining: int
    status: int
    retry_after: str | None
    kind: str  # "http" or "maxlag"
    # A fault for a while (an outage): every request until this time.monotonic() takes it,
    # whatever ``remaining`` says.
    until: float = 0.0

    def takes(self, now: float) -> bool:
        return self.remaining > 0 or now < self.until


class State:
    """Faults queued by tests and the log of requests received, shared by handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def stats(self) -> dict[str, Any]:
        with self.lock:
            modes = Counter(request_mode(r["params"]) for r in self.requests)
            return {
                "requests": len(self.requests),
                "requests_by_mode": {mode: modes[mode] for mode in MODES},
                "titles": sum(
                    len([t for t in r["params"].get("titles", "").split("|") if t])
                    for r in self.requests
                ),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "latency": self.latency,
            }

    def take_fault(self, titles: list[str]) -> Fault | None:
        wanted = {normalise_title(t) for t in titles}
        now = time.monotonic()
        with self.lock:
            for fault in self.faults:
                if fault.takes(now) and (fault.title == "*" or fault.title in wanted):
                    fault.remaining -= 1
                    return fault
        return None
