"""Task logs in CloudWatch Logs through a real Airflow (enrichment.task_logs), as docker
compose ships them: a run's logs read through the REST API once the local files are gone,
one log stream per task try, and a run that succeeds while CloudWatch answers 503.

It runs on the Airflow test_company_sentiment.py starts (the LocalExecutor, companies in
the triggerer, task logs in CloudWatch), after it and test_company_review.py: the three
are one xdist group (tests/conftest.py), as a start costs a minute of both cores. Alone,
it starts that Airflow itself.
"""

from __future__ import annotations

import re

import pytest

from dev.airflow_local import LocalAirflow
from dev.standins.aws_control import AwsControl
from enrichment.task_logs import log_group_of
from tests.support.sentiment_runs import DAG_ID, DEADLINE_AT_ONCE
from tests.support.task_logs import (
    each_task,
    expected_names,
    read_after_local_files_go,
    read_log,
    run_folder,
    shipped,
    small_run,
    without_trigger_suffix,
)


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    """The shared Airflow's (test_alerts.py starts it): company_sentiment's deadline on."""
    return DEADLINE_AT_ONCE


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
