"""The network namespace's guard rails for the image_labels end-to-end tests: the same
check and canaries as ``tests/isolated`` (refused addresses bound to loopback, the
session fails if any of them was requested)."""

from tests.isolated.conftest import canaries, pytest_configure

__all__ = ["canaries", "pytest_configure"]
