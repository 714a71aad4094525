"""``tests/isolated`` inside a network namespace of its own (see ``tests/support/netns.py``)."""

from __future__ import annotations

from tests.support.netns import run_in_namespace


def test_isolated_suite_passes_in_its_own_network_namespace() -> None:
    run_in_namespace("tests/isolated", timeout=1200)
