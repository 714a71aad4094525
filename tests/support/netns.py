"""Run tests where a bug cannot send a request off the machine: a new network namespace.

Tests that hand the crawler refused addresses (the cloud metadata endpoint, private
ranges) must not rely on the guard under test to keep those requests local. They live
in ``isolated/`` folders (``tests/isolated/``, ``tests/e2e/isolated/``) and run in a
network namespace made for them (``dev/netns.py``) that has only a loopback interface;
the refused addresses are bound to that loopback, where :class:`Canary` servers record
any request that reaches them. Nothing in the namespace has a route anywhere else.

Each such folder holds a runner, ``test_namespace.py``, that runs the folder's suite
through :func:`run_in_namespace`, and a ``conftest.py`` that takes this module's hooks
and fixture: outside a namespace only the runner is collected, inside one everything
but the runner, with the canaries listening for the whole session.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dev import PROJECT_ROOT
from dev.netns import CANARY_ADDRESSES, in_namespace, run_isolated

RUNNER = "test_namespace.py"


def run_in_namespace(test_path: str, timeout: float, env: dict[str, str] | None = None) -> None:
    """Run the pytest suite at ``test_path`` in a namespace of its own, with ``env`` added
    to its environment; fail with its output."""
    pytest_argv = [sys.executable, "-m", "pytest", test_path, "-p", "no:cacheprovider", "-rA"]
    result = run_isolated(
        pytest_argv,
        env=os.environ | (env or {}),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def network_interfaces() -> list[str]:
    """Interfaces of this process's network namespace (sysfs may show the host's)."""
    return sorted(name for _, name in socket.if_nameindex())


def require_namespace() -> None:
    """Stop a pytest session that was started outside such a namespace."""
    if not in_namespace() or network_interfaces() != ["lo"]:
        raise pytest.UsageError(
            "this suite feeds the crawler refused addresses and runs only inside its own "
            "network namespace; run it through its test_namespace.py"
        )


class Canary(ThreadingHTTPServer):
    """An HTTP server on a refused address that records every request reaching it."""

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
    """Listening canaries; the session fails at the end if any of them was reached.
    Outside a namespace (where only the runner is collected) there are none."""
    if not in_namespace():
        yield {}
        return
    servers = {address: Canary(address) for address in CANARY_ADDRESSES}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()
    hits = [hit for server in servers.values() for hit in server.hits]
    assert not hits, f"refused addresses were requested: {hits}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Outside a namespace every test module but the runner is left out, inside one the
    runner is."""
    if not (collection_path.suffix == ".py" and collection_path.name.startswith("test_")):
        return None
    return (collection_path.name == RUNNER) == in_namespace()


def pytest_configure(config: pytest.Config) -> None:
    if in_namespace():
        require_namespace()
