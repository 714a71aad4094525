"""``tests/isolated`` inside a network namespace of its own (see ``tests/netns.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

from enrichment.local.stack import PROJECT_ROOT
from tests.netns import ISOLATED_ENV, isolated_command


def test_isolated_suite_passes_in_its_own_network_namespace() -> None:
    result = subprocess.run(
        isolated_command(
            [sys.executable, "-m", "pytest", "tests/isolated", "-p", "no:cacheprovider", "-rA"]
        ),
        cwd=PROJECT_ROOT,
        env=os.environ | {ISOLATED_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
