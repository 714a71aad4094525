"""Following DAG runs of a real Airflow through its REST API (``dev.airflow_api.ApiClient``):
for the end-to-end tests and the benchmarks that start one."""

from __future__ import annotations

import time
from datetime import datetime

from dev.airflow_api import ApiClient

RUN_TIMEOUT = 300.0


def unpause(api: ApiClient, dag_id: str, stop_its_run: bool = False) -> dict:
    """Unpause as a user does in the UI, and wait for the run that follows: with catchup
    off, the latest interval only. Waiting keeps the timings of later runs unshared.
    ``stop_its_run`` marks that run failed at once, as a user stops a run in the UI, for
    callers that only need the DAG scheduling their own runs (a minute saved on a seeded
    table of companies on workers)."""
    if api.patch(f"dags/{dag_id}", {"is_paused": False})["is_paused"] is not False:
        raise RuntimeError(f"{dag_id} is still paused")
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (scheduled := api.get(f"dags/{dag_id}/dagRuns", run_type="scheduled")["dag_runs"]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"unpausing {dag_id} scheduled no run")
        time.sleep(1)
    if len(scheduled) != 1:
        raise RuntimeError(f"unpausing {dag_id} scheduled {len(scheduled)} runs: {scheduled}")
    run_id = scheduled[0]["dag_run_id"]
    if stop_its_run:
        api.patch(f"dags/{dag_id}/dagRuns/{run_id}", {"state": "failed"})
    return wait_for_run(api, dag_id, run_id)


def wait_for_run(api: ApiClient, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
    """The run once it has finished (success or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        run = api.get(f"dags/{dag_id}/dagRuns/{run_id}")
        if run["state"] in ("success", "failed"):
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"{run_id} still {run['state']}")
        time.sleep(1)


def start_backfill(
    api: ApiClient, dag_id: str, first: str, last: str, conf: dict, max_active_runs: int, **options
) -> dict:
    """A backfill of ``dag_id`` from logical date ``first`` to ``last`` (YYYY-MM-DD) with
    run conf ``conf``; ``options``: the API's others (``reprocess_behavior``)."""
    body = {
        "dag_id": dag_id,
        "from_date": f"{first}T00:00:00Z",
        "to_date": f"{last}T00:00:00Z",
        "dag_run_conf": conf,
        "max_active_runs": max_active_runs,
    }
    return api.post("backfills", body | options)


def wait_for_backfill(api: ApiClient, backfill_id: int, timeout: float = RUN_TIMEOUT) -> dict:
    """The backfill once it has completed (every run of it finished)."""
    deadline = time.monotonic() + timeout
    while not (backfill := api.get(f"backfills/{backfill_id}"))["completed_at"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"backfill {backfill_id} not done")
        time.sleep(1)
    return backfill


def backfill_runs(api: ApiClient, dag_id: str) -> dict[str, dict]:
    """The DAG's backfill runs by logical date; two of one date fail."""
    runs = api.get(f"dags/{dag_id}/dagRuns", run_type="backfill", limit=100)["dag_runs"]
    by_date = {run["logical_date"][:10]: run for run in runs}
    if len(by_date) != len(runs):
        raise AssertionError(f"two backfill runs of {dag_id} for one date")
    return by_date


def task_instances(api: ApiClient, dag_id: str, run_id: str, task_id: str) -> list[dict]:
    """Every task instance of ``task_id`` in the run, page by page (the API's pages hold
    at most 100)."""
    found: list[dict] = []
    while True:
        page = api.get(
            f"dags/{dag_id}/dagRuns/{run_id}/taskInstances",
            task_id=task_id,
            limit=100,
            offset=len(found),
        )
        found.extend(page["task_instances"])
        if len(found) >= page["total_entries"] or not page["task_instances"]:
            return found


def run_seconds(run: dict) -> float:
    """Wall time from queued to finished, as the scheduler recorded it."""
    return (
        datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["queued_at"])
    ).total_seconds()
