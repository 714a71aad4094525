"""The README's main command, run the way a user runs it, twice in a row."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from enrichment.local.stack import PROJECT_ROOT, port_is_free
from tests.network import free_port

pytestmark = pytest.mark.integration


def test_demo_runs_end_to_end_and_again(tmp_path):
    ports = {"ENRICHMENT_AWS_PORT": free_port(), "ENRICHMENT_WIKIPEDIA_PORT": free_port()}
    env = os.environ | {k: str(v) for k, v in ports.items()}
    env["ENRICHMENT_STATE_DIR"] = str(tmp_path / "state")
    for run in (1, 2):
        result = subprocess.run(
            [sys.executable, "-m", "enrichment.local.demo", "--date", "2026-11-02"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"run {run}:\n{result.stdout}\n{result.stderr}"
        out = result.stdout
        assert "Result: s3://fangsentiment/sentiment/ds=2026-11-02/fang_sentiment.csv" in out
        assert "Enron                  ok         NEGATIVE" in out
        assert "Delta                  ambiguous  -" in out
        assert "1 ambiguous, 2 not_found, 33 ok" in out
        assert all(port_is_free(port) for port in ports.values()), "stand-ins left running"
        assert not list((tmp_path / "state").glob("*.pid"))
