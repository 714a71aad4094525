"""One real Airflow for the end-to-end tests: PostgreSQL, LocalExecutor, the API server.

It is started once per test module, exactly as ``make airflow`` starts it (same runner,
same init steps), on the session's stand-ins, a free port and a PostgreSQL database of
its own that is dropped afterwards; one module at a time, so two never share the two
cores. The figures measured (start-up, run and backfill wall times) are written to
``test-artifacts/e2e-figures.<module>.json``.

``isolated/`` holds the image_labels tests, which feed the crawler refused addresses:
``test_image_labels.py`` runs them in a network namespace of their own.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from dev import PROJECT_ROOT
from dev.airflow_local import (
    ApiClient,
    LocalAirflow,
    MetadataDatabase,
    drop_database,
    postgres_host,
)
from dev.stack import Stack
from tests.conftest import SESSION_DIR
from tests.netns import ISOLATED_ENV
from tests.network import free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
RUN_TIMEOUT = 300.0


collect_ignore = [] if os.environ.get(ISOLATED_ENV) == "1" else ["isolated"]


@pytest.fixture(scope="module")
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, float | str]]:
    measured: dict[str, float | str] = {}
    yield measured
    ARTIFACTS.mkdir(exist_ok=True)
    module = request.module.__name__.rsplit(".", 1)[1]
    (ARTIFACTS / f"e2e-figures.{module}.json").write_text(json.dumps(measured, indent=1) + "\n")


@pytest.fixture(scope="module")
def airflow(stack: Stack, figures: dict[str, float]) -> Iterator[LocalAirflow]:
    host = postgres_host()
    name = f"enrichment_e2e_{secrets.token_hex(4)}"
    state_dir = SESSION_DIR / f"airflow-e2e-{name}"
    # A machine without PostgreSQL gets what `make airflow` gives it: SQLite, one task at
    # a time (slower, never "database is locked").
    database = (
        MetadataDatabase.postgres(host, name)
        if host
        else MetadataDatabase(f"sqlite:///{state_dir / 'airflow' / 'airflow.db'}", parallelism=1)
    )
    figures["metadata_database"] = database.url.split(":", 1)[0]
    local = LocalAirflow(stack, state_dir, port=free_port(), database=database)
    try:
        figures["airflow_start_s"] = round(local.up(), 1)
        yield local
    finally:
        local.down()
        if host:
            drop_database(host, name)


@pytest.fixture(scope="module")
def api(airflow: LocalAirflow) -> ApiClient:
    return airflow.api()


def unpause(api: ApiClient, dag_id: str) -> dict:
    """Unpause as a user does in the UI, and wait for the run that follows: with catchup
    off, the latest interval only. Waiting keeps the timings of later runs unshared."""
    assert api.patch(f"dags/{dag_id}", {"is_paused": False})["is_paused"] is False
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (scheduled := api.get(f"dags/{dag_id}/dagRuns", run_type="scheduled")["dag_runs"]):
        assert time.monotonic() < deadline, f"unpausing {dag_id} scheduled no run"
        time.sleep(1)
    assert len(scheduled) == 1, scheduled
    return wait_for_run(api, dag_id, scheduled[0]["dag_run_id"])


def wait_for_run(api: ApiClient, dag_id: str, run_id: str) -> dict:
    """The run once it has finished (success or failed)."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = api.get(f"dags/{dag_id}/dagRuns/{run_id}")
        if run["state"] in ("success", "failed"):
            return run
        assert time.monotonic() < deadline, f"{run_id} still {run['state']}"
        time.sleep(1)


def task_instances(api: ApiClient, dag_id: str, run_id: str, task_id: str) -> list[dict]:
    found = api.get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", task_id=task_id, limit=1000)
    return found["task_instances"]


def run_seconds(run: dict) -> float:
    """Wall time from queued to finished, as the scheduler recorded it."""
    return (
        datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["queued_at"])
    ).total_seconds()
