"""The README's main command, run the way a user runs it, twice in a row.

In its own network namespace: the demo crawls the sample site, which links to refused
addresses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from dev import PROJECT_ROOT
from dev.ports import free_port, port_is_free
from dev.stack import SERVICES


def test_demo_runs_end_to_end_and_again(tmp_path):
    ports = {service.port_env(): free_port() for service in SERVICES}
    env = os.environ | {k: str(v) for k, v in ports.items()}
    env["ENRICHMENT_STATE_DIR"] = str(tmp_path / "state")
    for run in (1, 2):
        started = datetime.now(UTC).date().isoformat()
        result = subprocess.run(
            # A date after the corpus's last revision: the articles as they are now.
            [sys.executable, "-m", "dev.demo", "--date", "2026-11-20"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"run {run}:\n{result.stdout}\n{result.stderr}"
        out = result.stdout
        assert "Result: s3://fangsentiment/sentiment/ds=2026-11-20/fang_sentiment.csv" in out
        assert "Enron                  ok         NEGATIVE" in out
        assert "Delta                  ambiguous  -" in out
        assert "1 ambiguous, 2 not_found, 33 ok" in out
        # The questions company_review would ask, each with its candidates.
        assert "company_review would ask a person about 3 companies:" in out
        # Only the demo's own tables and questions: no log line of the package among them.
        assert [line for line in out.splitlines() if "[enrichment." in line] == []
        assert "Delta (ambiguous):\n   1. Delta Air Lines: Delta Air Lines is" in out
        assert "Zyxwv Holdings (not_found):\n      or: None of these / Ask again later" in out
        # The backfill: each date its own revision, the tone changing with the article.
        header = "Backfill 2026-11-17 .. 2026-11-19: each date read as its articles stood then"
        backfill = out.split(header, 1)[1].splitlines()
        theranos = next(line for line in backfill if line.startswith("Theranos "))
        assert theranos.split()[1::3] == ["POSITIVE", "NEGATIVE", "NEGATIVE"], theranos
        boeing = next(line for line in backfill if line.startswith("Boeing "))
        assert boeing.split()[1::3] == ["NEUTRAL", "NEUTRAL", "NEGATIVE"], boeing
        assert "companies changed sentiment over these dates" in out
        assert (
            "7 pages, 11 distinct images, 11 labelled, 0 already known, "
            "11 Rekognition calls, 18 skipped:"
        ) in out
        assert "/images/huge.png             1450x1450  Gray, Pattern" in out
        assert "/images/fake.jpg: not an image (no known magic number)" in out
        # image_labels ran for today, not for --date: it refuses past dates.
        today = {started, datetime.now(UTC).date().isoformat()}  # a run may cross midnight
        assert any(f"image_labels for {ds} ... done" in out for ds in today), out
        assert any(
            f"summary s3://fangsentiment/reports/image_labels/ds={ds}/summary.json" in out
            for ds in today
        )
        assert all(port_is_free(port) for port in ports.values()), "stand-ins left running"
        assert not list((tmp_path / "state").glob("*.pid"))
