"""Clients built once and kept: the one helper for "build it on first use, then reuse it".

A holder of clients (a task on a worker, a triggerer process, the results page's app)
keeps one :class:`Clients`. The first ``get`` of a name builds the client, so each
connection is looked up once per holder; later calls, from any thread, get the same
object. Threads may ask for the first time together (a coalescer's batches, the page's
request threads): a lock makes sure only one of them builds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

Client = TypeVar("Client")


class Clients:
    """Clients by name, each built by the first caller that asks for it."""

    def __init__(self) -> None:
        # Re-entrant: a client may be built from another one (a table from the DynamoDB
        # resource) while the first is being built.
        self._lock = threading.RLock()
        self._built: dict[str, Any] = {}

    def get(self, name: str, build: Callable[[], Client]) -> Client:
        """The client called ``name``, built by ``build`` if this is the first ask."""
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def close(self) -> None:
        """Close every client built so far that can be closed (sessions, pools)."""
        with self._lock:
            built, self._built = self._built, {}
        for client in built.values():
            if callable(close := getattr(client, "close", None)):
                close()
