"""Task logs through a real Airflow with remote logging on (enrichment.task_logs), for
``tests/e2e/test_task_logs_cloudwatch.py`` and ``test_task_logs_s3.py``: a small run,
where each try logged, a try's log read through the REST API as the UI reads it, and the
reads once the local files are gone."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from dev.airflow_api import ApiClient
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import task_instances, unpause, wait_for_run
from tests.support.sentiment_runs import DAG_ID, synthetic_table, trigger

SOURCES_START = "::group::Log message source details"
COMPANIES = 4


def read_log(api: ApiClient, run_id: str, ti: dict) -> tuple[list[str], list[str]]:
    """A task try's log as the UI shows it: where it was read from, and its lines."""
    content = api.get(
        f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{ti['try_number']}",
        map_index=ti["map_index"],
        full_content=True,
    )["content"]
    events = [part["event"] for part in content]
    end = events.index("::endgroup::")
    return events[events.index(SOURCES_START) + 1 : end], events[end + 1 :]


def run_folder(airflow: LocalAirflow, run_id: str) -> Path:
    return airflow.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}"


def small_run(api: ApiClient, ds: str, table: str) -> str:
    if api.get(f"dags/{DAG_ID}")["is_paused"]:  # run alone, not after the group's modules
        unpause(api, DAG_ID)
    synthetic_table(table, COMPANIES)
    conf = {"companies_table": table, "prefix": "e2e-logs/"}
    run = wait_for_run(api, DAG_ID, trigger(api, ds, conf))
    assert run["state"] == "success"
    return run["dag_run_id"]


def each_task(api: ApiClient, run_id: str) -> dict[str, dict]:
    """The run's scan, first company and load, by name."""
    tis = {task: task_instances(api, DAG_ID, run_id, task) for task in ("scan", "enrich", "load")}
    assert len(tis["enrich"]) == COMPANIES
    return {
        "scan": tis["scan"][0],
        "enrich": next(ti for ti in tis["enrich"] if ti["map_index"] == 0),
        "load": tis["load"][0],
    }


def read_after_local_files_go(api: ApiClient, airflow: LocalAirflow, run_id: str, service: str):
    """Delete the run's local log folder, then read scan, a company and load through the
    REST API: each from ``service`` alone, each with its lines."""
    shutil.rmtree(run_folder(airflow, run_id), ignore_errors=True)
    logs = {name: read_log(api, run_id, ti) for name, ti in each_task(api, run_id).items()}
    for name, (sources, _) in logs.items():
        assert sources, name
        assert all(service in source for source in sources), (name, sources)
    scan, enrich, load = (lines for _, lines in logs.values())
    assert any(line.startswith(f"Scanned {COMPANIES} items") for line in scan), scan
    # The company ran in the triggerer: its try is the triggerer's log, with one line of
    # its outcome.
    (outcome,) = [line for line in enrich if line.startswith("Synthetic Company 0:")]
    assert outcome.startswith("Synthetic Company 0: ok, "), enrich
    assert any(re.match(r"trigger .* starting", line) for line in enrich), enrich
    assert any(line.startswith(f"Wrote {COMPANIES} rows") for line in load), load
    return logs


def expected_names(api: ApiClient, run_id: str) -> set[str]:
    """Where each try of the run logged, relative to the log folder: preflight's, scan's
    and load's on a worker, each company's in a triggerer (its worker part never ran)."""
    names = set()
    for task in ("preflight", "scan", "enrich", "load"):
        for ti in task_instances(api, DAG_ID, run_id, task):
            folder = f"dag_id={DAG_ID}/run_id={run_id}/task_id={task}"
            if ti["map_index"] >= 0:
                folder += f"/map_index={ti['map_index']}"
            names |= {f"{folder}/attempt={n}.log" for n in range(1, ti["try_number"] + 1)}
    return names


def without_trigger_suffix(name: str) -> str:
    return re.sub(r"\.trigger\.\d+\.log$", "", name)


def shipped(list_names, expected: int) -> list[str]:
    """The names ``list_names()`` gives once there are ``expected`` of them: a try's log
    is sent when its task has ended, which may trail the run's end by a moment (deleting
    the local folder before would delete what is still to be sent). At most 30 s."""
    deadline = time.monotonic() + 30
    while len(names := list_names()) < expected and time.monotonic() < deadline:
        time.sleep(1)
    return names
