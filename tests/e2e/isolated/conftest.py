"""Inside the namespace ``tests/netns.py`` made, as for ``tests/isolated``: refuse to run
elsewhere, and serve the canaries on the refused addresses for the whole session."""

from __future__ import annotations

import pytest

from tests.netns import canaries, require_namespace

__all__ = ["canaries"]


def pytest_configure(config: pytest.Config) -> None:
    require_namespace()
