"""A component killed in the middle of a company_sentiment run, with the settings the
project ships (``deploy/recovery.env``, nothing lowered): the run ends well by itself,
with one row per company, none duplicated, none ``error``.

This module's Airflow is the LocalExecutor with every company a task of its own on the
executor (``ENRICHMENT_SENTIMENT_ON_WORKERS=true``): task processes are what a dead
scheduler takes with it and what talks to the API server. A killed Celery worker is in
``test_celery.py``, a killed triggerer in ``test_company_sentiment.py``;
``bench/recovery.py`` measures every fault, these and the slower ones (database, broker,
a long Wikipedia outage), at 100 companies.

Each run must end within what the shipped timeouts allow: a task of a dead process is
failed after ``task_instance_heartbeat_timeout``, a queued one taken back after
``task_queued_timeout``, and its retry runs; with Airflow's defaults (300 s and 600 s)
the same faults take minutes longer and these waits run out.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from dev.airflow_api import ApiClient
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import RUN_TIMEOUT, task_instances, unpause, wait_for_run
from enrichment.company_sentiment.operator import ON_WORKERS_ENV
from tests.support.sentiment_runs import DAG_ID, RECOVERY, read_rows, synthetic_table, trigger

COMPANIES = 20
API_SERVER_DOWN = 20.0
AWS_OUTAGE = 20.0


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    return {ON_WORKERS_ENV: "true"}


@pytest.fixture(scope="module")
def unpaused(api):
    # The seeded table's run would take a minute of the workers before the faults' runs.
    return unpause(api, DAG_ID, stop_its_run=True)


@pytest.fixture
def slowed(wikipedia_control, aws_control):
    """Wikipedia and AWS answering as slowly as the real ones, so a run lasts long enough
    to be hit a fifth of the way in."""
    wikipedia_control.latency(0.15)
    aws_control.latency(0.05)
    yield
    aws_control.latency(0)


def companies(name: str, history: dict[str, str]) -> tuple[dict, list[str]]:
    """``COMPANIES`` made-up companies in table ``name``, and a run conf over them with
    page history of its own (every company asks Wikipedia)."""
    names = synthetic_table(name, COMPANIES)
    return {"companies_table": name, "prefix": f"e2e-{name}/"} | history, names


def a_fifth_done(api: ApiClient, run_id: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while sum(ti["state"] == "success" for ti in task_instances(api, DAG_ID, run_id, "enrich")) < (
        COMPANIES // 5
    ):
        assert time.monotonic() < deadline, "a fifth of the companies never finished"
        time.sleep(0.2)


def restart(airflow: LocalAirflow, component: str, after: float = 0.0) -> int:
    """Kill ``component`` as when its machine dies, start it again ``after`` seconds later;
    how many processes died."""
    killed = airflow.kill(component)
    time.sleep(after)
    airflow.start(component)
    return killed


def wait_through_outage(airflow: LocalAirflow, run_id: str) -> dict:
    """The run once ended, asked of an API server that may still be starting."""
    deadline = time.monotonic() + RECOVERY
    while True:
        try:
            return wait_for_run(airflow.api(), DAG_ID, run_id, timeout=RECOVERY)
        except (RuntimeError, OSError):  # refused, or a 5xx while it starts
            assert time.monotonic() < deadline, "the API server did not come back"
            time.sleep(1)


def assert_whole(s3, name: str, ds: str, names: list[str]) -> None:
    """One row per company, none twice, none ``error``."""
    rows = read_rows(s3, f"e2e-{name}/ds={ds}/{name}_sentiment.csv")
    assert Counter(row["name"] for row in rows) == Counter(names)
    assert {row["status"] for row in rows} == {"ok"}


def test_a_killed_scheduler_started_again_loses_nothing(
    api, unpaused, airflow, s3, slowed, unlearned_history, figures
):
    conf, names = companies("recovery_scheduler", unlearned_history)
    run_id = trigger(api, "2026-11-03", conf)
    a_fifth_done(api, run_id)

    killed = restart(airflow, "scheduler")
    back = time.monotonic()
    run = wait_through_outage(airflow, run_id)

    assert killed > 1  # the scheduler and the task processes of its LocalExecutor
    assert run["state"] == "success"
    figures["scheduler_killed_back_to_success_s"] = round(time.monotonic() - back, 1)
    assert_whole(s3, "recovery_scheduler", "2026-11-03", names)


def test_an_api_server_down_for_20_s_loses_nothing(
    api, unpaused, airflow, s3, slowed, unlearned_history, figures
):
    conf, names = companies("recovery_api", unlearned_history)
    run_id = trigger(api, "2026-11-04", conf)
    a_fifth_done(api, run_id)

    restart(airflow, "api-server", after=API_SERVER_DOWN)
    back = time.monotonic()
    run = wait_through_outage(airflow, run_id)

    assert run["state"] == "success"
    figures["api_server_down_back_to_success_s"] = round(time.monotonic() - back, 1)
    assert_whole(s3, "recovery_api", "2026-11-04", names)


def test_aws_refusing_every_call_for_the_first_20_s_loses_nothing(
    api, unpaused, airflow, s3, slowed, aws_control, unlearned_history, figures
):
    conf, names = companies("recovery_aws", unlearned_history)
    aws_control.outage(AWS_OUTAGE)
    started = time.monotonic()
    run_id = trigger(api, "2026-11-05", conf)
    run = wait_for_run(api, DAG_ID, run_id, timeout=RECOVERY)

    assert aws_control.refused() > 0
    assert run["state"] == "success"
    figures["aws_outage_start_to_success_s"] = round(time.monotonic() - started, 1)
    assert_whole(s3, "recovery_aws", "2026-11-05", names)
