"""``tests/isolated``: everything that hands the crawler refused addresses.

It runs in a network namespace of its own (``tests/support/netns.py``): outside one,
this folder collects only ``test_namespace.py``, which runs the rest inside a new one;
inside, the canaries serve on the refused addresses for the whole session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.netns import ignore_outside_or_inside, in_namespace, require_namespace

if in_namespace():
    from tests.support.netns import canaries  # noqa: F401  (an autouse fixture)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    return ignore_outside_or_inside(collection_path)


def pytest_configure(config: pytest.Config) -> None:
    if in_namespace():
        require_namespace()
