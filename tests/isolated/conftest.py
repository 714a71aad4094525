"""``tests/isolated``: everything that hands the crawler refused addresses.

It runs in a network namespace of its own (``tests/support/netns.py``): outside one,
this folder collects only ``test_namespace.py``, which runs the rest inside a new one;
inside, the canaries serve on the refused addresses for the whole session.
"""

from __future__ import annotations

from tests.support.netns import canaries, pytest_configure, pytest_ignore_collect

__all__ = ["canaries", "pytest_configure", "pytest_ignore_collect"]
