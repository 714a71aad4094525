"""company_sentiment on the CeleryExecutor: two workers on Redis, a PostgreSQL result
backend, and one worker killed in the middle of a run.

With the default settings ``enrich`` runs in the triggerer, and only ``scan`` and
``load`` take a worker: two tasks a run say little about how Celery spreads work, and a
worker killed then would rarely have anything running. So this module's Airflow parses
the DAG with ``ENRICHMENT_SENTIMENT_ON_WORKERS=true``, the deployment switch that runs
every company as a task on a worker (in the ``wikipedia`` pool, 3 at a time): the 36
seeded companies are 38 tasks for two workers, and the worker killed is killed with
companies running on it. ``test_celery_triggerers.py`` runs the default path on Celery.

Each worker records its own name in the task instances it runs (``worker-<n>@<host>``,
``dev/worker_hostname.py``); the tests read it back through the REST API. A task whose
worker died is found by the scheduler once its last heartbeat is older than
``[scheduler] task_instance_heartbeat_timeout`` and goes to the surviving worker as a
retry; a task the dead worker had taken from the queue but not started yet stays queued
until ``[scheduler] task_queued_timeout`` puts it back. Both as shipped in
``deploy/recovery.env`` (60 s and 90 s; Airflow's defaults are 300 s and 600 s).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from dev.airflow_api import ApiClient
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import (
    RUN_TIMEOUT,
    run_seconds,
    task_instances,
    unpause,
    wait_for_run,
)
from enrichment.company_sentiment.operator import ON_WORKERS_ENV
from tests.support.sentiment_runs import (
    DAG_ID,
    RECOVERY,
    objects,
    read_rows,
    synthetic_table,
    trigger,
)

TASKS = ("scan", "enrich", "load")


@pytest.fixture(scope="module")
def airflow_options() -> dict:
    return {"executor": "celery", "workers": 2}


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    return {ON_WORKERS_ENV: "true"}


def hostnames(api: ApiClient, run_id: str) -> dict[str, set[str]]:
    """Task id -> the hostnames its task instances in the run recorded."""
    return {
        task: {ti["hostname"] for ti in task_instances(api, DAG_ID, run_id, task)} for task in TASKS
    }


def test_seeded_companies_run_on_both_workers(
    api, airflow: LocalAirflow, s3, company_names, figures
):
    run = unpause(api, DAG_ID)

    assert run["state"] == "success"
    figures["celery_worker_path_seeded_run_s"] = round(run_seconds(run), 1)
    figures["celery_worker_path_seeded_companies"] = len(company_names)
    ran_on = hostnames(api, run["dag_run_id"])
    workers = set(airflow.worker_hostnames)
    assert len(workers) == 2
    assert ran_on["enrich"] == workers  # each worker took companies
    assert ran_on["scan"] | ran_on["load"] <= workers
    enrich = task_instances(api, DAG_ID, run["dag_run_id"], "enrich")
    assert sorted(ti["rendered_map_index"] for ti in enrich) == company_names
    assert {ti["state"] for ti in enrich} == {"success"}
    key = f"sentiment/ds={run['logical_date'][:10]}/fang_sentiment.csv"
    assert [row["name"] for row in read_rows(s3, key)] == company_names


def test_a_worker_killed_mid_run_loses_and_duplicates_no_company(
    api, airflow: LocalAirflow, s3, wikipedia_control, figures
):
    names = synthetic_table("fang_celery_kill", 24)
    wikipedia_control.latency(2.0)  # each company's task runs a few seconds
    wikipedia_control.reset()  # the in-flight count of this run, kill included
    conf = {"companies_table": "fang_celery_kill", "prefix": "e2e-celery-kill/"}
    run_id = trigger(api, "2026-11-13", conf)
    deadline = time.monotonic() + RUN_TIMEOUT
    # Wait for a worker with companies running on it, after some have finished.
    while True:
        enrich = task_instances(api, DAG_ID, run_id, "enrich")
        running = [ti for ti in enrich if ti["state"] == "running" and ti["hostname"]]
        if running and any(ti["state"] == "success" for ti in enrich):
            break
        assert time.monotonic() < deadline, "no company ran on a worker"
        time.sleep(0.2)
    victim = running[0]["hostname"]
    (survivor,) = set(airflow.worker_hostnames) - {victim}
    component = victim.split("@")[0]
    worker = airflow.process(component)

    assert airflow.kill(component) > 1
    killed_at = datetime.now(UTC)
    # What was running there now, none of which can finish there any more.
    lost = {
        ti["map_index"]
        for ti in task_instances(api, DAG_ID, run_id, "enrich")
        if ti["state"] == "running" and ti["hostname"] == victim
    }
    run = wait_for_run(api, DAG_ID, run_id, timeout=RECOVERY)

    assert not worker.alive()
    assert lost
    assert run["state"] == "success"
    figures["celery_killed_worker_run_s"] = round(run_seconds(run), 1)
    figures["celery_killed_worker_recovery_s"] = round(
        (datetime.fromisoformat(run["end_date"]) - killed_at).total_seconds(), 1
    )
    figures["celery_killed_worker_lost_tasks"] = len(lost)
    enrich = {ti["map_index"]: ti for ti in task_instances(api, DAG_ID, run_id, "enrich")}
    for map_index in lost:  # retried, and finished on the worker left
        assert enrich[map_index]["state"] == "success"
        assert enrich[map_index]["try_number"] >= 2
        assert enrich[map_index]["hostname"] == survivor
    figures["celery_killed_worker_lost_tasks_done_s"] = round(
        max(
            (datetime.fromisoformat(enrich[i]["end_date"]) - killed_at).total_seconds()
            for i in lost
        ),
        1,
    )
    assert sorted(objects(s3, "e2e-celery-kill/")) == [
        "e2e-celery-kill/ds=2026-11-13/fang_celery_kill_sentiment.csv"
    ]
    rows = read_rows(s3, "e2e-celery-kill/ds=2026-11-13/fang_celery_kill_sentiment.csv")
    assert [row["name"] for row in rows] == names  # each company once, none lost
    assert {row["status"] for row in rows} == {"ok"}
    # Wikipedia etiquette across both workers, while one died holding a request slot.
    figures["celery_killed_worker_max_wikipedia_in_flight"] = wikipedia_control.stats()[
        "max_in_flight"
    ]
    assert figures["celery_killed_worker_max_wikipedia_in_flight"] <= 3
