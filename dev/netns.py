"""A network namespace of its own, where a request cannot leave the machine: for whatever
hands the crawler refused addresses (the isolated tests, the crawl benchmark).

``unshare --net`` makes a namespace that has only a loopback interface; the refused
addresses the sample site links to (the cloud metadata endpoint, a private range) are
bound to that loopback, so a request to one that gets past the crawler's guard still
stays local (where the tests' canaries record it, ``tests/support/netns.py``).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

# The refused addresses the sample site links to, bound to the namespace's loopback.
CANARY_ADDRESSES = ("169.254.169.254", "10.0.0.1")
# Set to "1" for the command run in the namespace, so it knows where it runs.
ISOLATED_ENV = "ENRICHMENT_ISOLATED_NETNS"


def isolated_command(argv: list[str]) -> list[str]:
    """``argv`` wrapped to run in a new network namespace with loopback and the canaries'
    addresses up. As a normal user, a user namespace grants the rights to set that up."""
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "-r"]
    setup = " && ".join(
        ["ip link set lo up", *(f"ip addr add {address}/32 dev lo" for address in CANARY_ADDRESSES)]
    )
    return [*unshare, "sh", "-c", f'{setup} && exec "$@"', "isolated", *argv]


def run_isolated(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` of ``argv`` in a namespace of its own, told so by ``ISOLATED_ENV``."""
    env = kwargs.pop("env", os.environ) | {ISOLATED_ENV: "1"}
    return subprocess.run(isolated_command(argv), env=env, **kwargs)


def in_namespace() -> bool:
    """Whether this process was started by :func:`run_isolated`."""
    return os.environ.get(ISOLATED_ENV) == "1"
