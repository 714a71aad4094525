"""image_labels end to end through a real scheduler, inside a network namespace of its
own (``tests/netns.py``): Airflow, the stand-ins and the canaries all run in it, and
PostgreSQL is reached through its unix socket."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from enrichment.local.stack import PROJECT_ROOT
from tests.netns import ISOLATED_ENV, isolated_command

pytestmark = pytest.mark.e2e


def test_image_labels_end_to_end_in_its_own_network_namespace():
    pytest_in_namespace = [sys.executable, "-m", "pytest", "tests/e2e/isolated", "-rA"]
    result = subprocess.run(
        isolated_command([*pytest_in_namespace, "-p", "no:cacheprovider"]),
        cwd=PROJECT_ROOT,
        env=os.environ | {ISOLATED_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
