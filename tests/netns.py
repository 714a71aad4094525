"""Run tests where a bug cannot send a request off the machine: a new network namespace.

Tests that hand the crawler refused addresses (the cloud metadata endpoint, private
ranges) must not rely on the guard under test to keep those requests local. They live
in ``tests/isolated/`` and run in a network namespace made for them (``unshare --net``)
that has only a loopback interface; the refused addresses are bound to that loopback,
where canary servers record any request that reaches them. Nothing in the namespace has
a route anywhere else.
"""

from __future__ import annotations

import os
import socket

# The refused addresses the sample site links to, each given a canary in the namespace.
CANARY_ADDRESSES = ("169.254.169.254", "10.0.0.1")
ISOLATED_ENV = "ENRICHMENT_ISOLATED_NETNS"


def isolated_command(argv: list[str]) -> list[str]:
    """``argv`` wrapped to run in a new network namespace with loopback and the canaries'
    addresses up. As a normal user, a user namespace grants the rights to set that up."""
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "-r"]
    setup = " && ".join(
        ["ip link set lo up", *(f"ip addr add {address}/32 dev lo" for address in CANARY_ADDRESSES)]
    )
    return [*unshare, "sh", "-c", f'{setup} && exec "$@"', "isolated", *argv]


def network_interfaces() -> list[str]:
    """Interfaces of this process's network namespace (sysfs may show the host's)."""
    return sorted(name for _, name in socket.if_nameindex())
