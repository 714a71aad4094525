"""Run tests where a bug cannot send a request off the machine: a new network namespace.

Tests that hand the crawler refused addresses (the cloud metadata endpoint, private
ranges) must not rely on the guard under test to keep those requests local. They live
in ``isolated/`` folders (``tests/isolated/``, ``tests/e2e/isolated/``) and run in a
network namespace made for them (``unshare --net``) that has only a loopback interface;
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
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# The refused addresses the sample site links to, each given a canary in the namespace.
CANARY_ADDRESSES = ("169.254.169.254", "10.0.0.1")
ISOLATED_ENV = "ENRICHMENT_ISOLATED_NETNS"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUNNER = "test_namespace.py"


def isolated_command(argv: list[str]) -> list[str]:
    """``argv`` wrapped to run in a new network namespace with loopback and the canaries'
    addresses up. As a normal user, a user namespace grants the rights to set that up."""
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "-r"]
    setup = " && ".join(
        ["ip link set lo up", *(f"ip addr add {address}/32 dev lo" for address in CANARY_ADDRESSES)]
    )
    return [*unshare, "sh", "-c", f'{setup} && exec "$@"', "isolated", *argv]


def run_in_namespace(test_path: str, timeout: float) -> None:
    """Run the pytest suite at ``test_path`` in a namespace of its own; fail with its output."""
    pytest_argv = [sys.executable, "-m", "pytest", test_path, "-p", "no:cacheprovider", "-rA"]
    result = subprocess.run(
        isolated_command(pytest_argv),
        cwd=PROJECT_ROOT,
        env=os.environ | {ISOLATED_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def in_namespace() -> bool:
    """Whether this pytest session was started by :func:`run_in_namespace`."""
    return os.environ.get(ISOLATED_ENV) == "1"


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
