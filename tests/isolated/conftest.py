"""Canary servers on the refused addresses, inside the namespace ``tests/netns.py`` made.

The session refuses to start outside such a namespace, and fails if any canary was hit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.netns import CANARY_ADDRESSES, ISOLATED_ENV, network_interfaces


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(ISOLATED_ENV) != "1" or network_interfaces() != ["lo"]:
        raise pytest.UsageError(
            "tests/isolated runs only inside its own network namespace (it feeds the crawler "
            "refused addresses); run it through tests/integration/test_isolated_suite.py"
        )


class Canary(ThreadingHTTPServer):
    def __init__(self, address: str) -> None:
        self.hits: list[str] = []
        canary = self

        class Record(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.hits.append(f"{self.command} http://{address}{self.path}")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        super().__init__((address, 80), Record)


@pytest.fixture(scope="session", autouse=True)
def canaries() -> Iterator[dict[str, Canary]]:
    """Listening canaries; the session fails at the end if any of them was reached."""
    servers = {address: Canary(address) for address in CANARY_ADDRESSES}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()
    hits = [hit for server in servers.values() for hit in server.hits]
    assert not hits, f"refused addresses were requested: {hits}"
