"""Task logs through a real Airflow with remote logging on (enrichment.task_logs): read
through the REST API once the local files are gone, one stream or object per task try,
and a run that succeeds while the log service answers 503.

The checks run on Airflows that other modules start anyway, as their last tests (a start
costs a minute of both cores): CloudWatch on test_company_sentiment.py's (the LocalExecutor,
companies in the triggerer), S3 on test_celery_triggerers.py's (Celery workers and two
triggerers, each as if on a host of its own: nothing reads another's files).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from dev.airflow_local import ApiClient, LocalAirflow
from dev.airflow_runs import task_instances, unpause, wait_for_run
from dev.standins.aws_control import AwsControl
from enrichment.task_logs import log_group_of
from tests.e2e.test_company_sentiment import DAG_ID, synthetic_table, trigger

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
    if api.get(f"dags/{DAG_ID}")["is_paused"]:  # run alone, not after the module's tests
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
    """Where each try of the run logged, relative to the log folder: scan's and load's on
    a worker, each company's in a triggerer (its worker part never ran)."""
    names = set()
    for task in ("scan", "enrich", "load"):
        for ti in task_instances(api, DAG_ID, run_id, task):
            folder = f"dag_id={DAG_ID}/run_id={run_id}/task_id={task}"
            if ti["map_index"] >= 0:
                folder += f"/map_index={ti['map_index']}"
            names |= {f"{folder}/attempt={n}.log" for n in range(1, ti["try_number"] + 1)}
    return names


def without_trigger_suffix(name: str) -> str:
    return re.sub(r"\.trigger\.\d+\.log$", "", name)


# -- CloudWatch Logs, on test_company_sentiment.py's Airflow ----------------------------


def shipped(list_names, expected: int) -> list[str]:
    """The names ``list_names()`` gives once there are ``expected`` of them: a try's log
    is sent when its task has ended, which may trail the run's end by a moment (deleting
    the local folder before would delete what is still to be sent). At most 30 s."""
    deadline = time.monotonic() + 30
    while len(names := list_names()) < expected and time.monotonic() < deadline:
        time.sleep(1)
    return names


def test_task_logs_are_read_from_cloudwatch_once_the_local_files_are_gone(
    api, airflow: LocalAirflow, logs_client, figures
):
    settings = airflow.task_log_settings()
    group = log_group_of(settings["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"])
    run_id = small_run(api, "2026-10-01", "fang_task_logs")
    prefix = f"dag_id={DAG_ID}/run_id={run_id}".replace(":", "_")
    paginator = logs_client.get_paginator("describe_log_streams")

    def stream_names() -> list[str]:
        pages = paginator.paginate(logGroupName=group, logStreamNamePrefix=prefix)
        return [s["logStreamName"] for page in pages for s in page["logStreams"]]

    expected = expected_names(api, run_id)
    names = shipped(stream_names, len(expected))
    # One stream per task try: scan's and load's, and each company's triggerer log.
    assert len(names) == len(set(names)) == len(expected)
    assert {without_trigger_suffix(n) for n in names} == {n.replace(":", "_") for n in expected}
    figures["task_log_streams_per_run_of_4"] = len(names)

    read_after_local_files_go(api, airflow, run_id, "CloudWatch")


def test_a_run_succeeds_while_cloudwatch_answers_503_and_its_logs_stay_local(
    api, airflow: LocalAirflow, stack
):
    aws = AwsControl(stack.url("aws"))
    aws.reset()
    aws.outage(600, service="logs")
    try:
        run_id = small_run(api, "2026-10-02", "fang_task_logs_outage")
        expected = expected_names(api, run_id)

        def warned() -> list[str]:
            """The tries whose log the scheduler or triggerer said it kept local."""
            said = "".join(
                airflow.process(name).log_path.read_text(errors="replace")
                for name in ("scheduler", "triggerer")
            )
            part = r"(\.trigger\.\d+\.log)?"  # a company's try is its triggerer's part
            return [
                name
                for name in expected
                if re.search(rf"Task log \S*{re.escape(name)}{part} stays local", said)
            ]

        # Each kept log is named in a warning of the component that could not send it
        # (the outage lasts until the last one has tried).
        assert sorted(shipped(warned, len(expected))) == sorted(expected)
        refused = aws.refused()
    finally:
        aws.reset()
    assert refused > 0
    base = airflow.home / "logs"
    kept = run_folder(airflow, run_id).rglob("*.log")
    local = sorted(path.relative_to(base).as_posix() for path in kept)
    assert {without_trigger_suffix(p) for p in local} == expected
    # And the UI still shows them, from the local files.
    for name, (sources, lines) in (
        (name, read_log(api, run_id, ti)) for name, ti in each_task(api, run_id).items()
    ):
        assert any(str(base) in source for source in sources), (name, sources)
        assert lines, name


# -- S3, on test_celery_triggerers.py's Airflow ------------------------------------------


def test_task_logs_are_read_from_s3_once_the_local_files_are_gone(api, airflow: LocalAirflow, s3):
    folder = airflow.task_log_settings()["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"]
    bucket, _, prefix = folder.removeprefix("s3://").partition("/")
    run_id = small_run(api, "2026-10-03", "fang_task_logs_s3")
    run_prefix = f"{prefix}/dag_id={DAG_ID}/run_id={run_id}/"

    def object_names() -> list[str]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=run_prefix).get("Contents", [])
        return [o["Key"].removeprefix(f"{prefix}/") for o in listed]

    expected = expected_names(api, run_id)
    keys = shipped(object_names, len(expected))
    # One object per task try, read by the API server from S3 alone.
    assert len(keys) == len(expected)
    assert {without_trigger_suffix(k) for k in keys} == expected
    read_after_local_files_go(api, airflow, run_id, "s3://")
