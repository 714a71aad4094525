"""company_sentiment on the CeleryExecutor the default way: ``enrich`` in two triggerers,
``scan`` and ``load`` on the Celery workers, Wikipedia's 3 requests in flight kept for
the whole deployment (a limit each triggerer kept on its own would allow 6); task logs
in S3, which test_task_logs_s3.py reads after this module, on its Airflow (one xdist
group, in that order: tests/conftest.py)."""

from __future__ import annotations

import time

import pytest

from dev.airflow_local import LocalAirflow
from dev.airflow_runs import RUN_TIMEOUT, run_seconds, task_instances, unpause
from tests.support.sentiment_runs import (
    CELERY_TWO_TRIGGERERS,
    DAG_ID,
    read_rows,
    synthetic_table,
    trigger,
)


@pytest.fixture(scope="module")
def airflow_options() -> dict:
    return dict(CELERY_TWO_TRIGGERERS)


def test_two_triggerers_keep_to_three_wikipedia_requests_in_flight(
    api, airflow: LocalAirflow, s3, wikipedia_control, figures
):
    unpause(api, DAG_ID)  # the seeded table's run, which also warms both triggerers up
    names = synthetic_table("fang_two_triggerers", 120)
    wikipedia_control.latency(3.0)  # slow answers: the two triggerers' requests overlap
    wikipedia_control.reset()  # the in-flight count from here on
    conf = {"companies_table": "fang_two_triggerers", "prefix": "e2e-triggerers/"}
    run_id = trigger(api, "2026-11-14", conf)
    # Which triggerer holds each deferred company, seen while the run goes on.
    triggerers: set[int] = set()
    deadline = time.monotonic() + RUN_TIMEOUT
    while (run := api.get(f"dags/{DAG_ID}/dagRuns/{run_id}"))["state"] not in ("success", "failed"):
        enrich = task_instances(api, DAG_ID, run_id, "enrich")
        triggerers |= {ti["trigger"]["triggerer_id"] for ti in enrich if ti["trigger"]}
        assert time.monotonic() < deadline, f"{run_id} still {run['state']}"
        time.sleep(0.5)

    assert run["state"] == "success"
    figures["celery_two_triggerers_120_companies_s"] = round(run_seconds(run), 1)
    assert len(triggerers - {None}) == 2  # both triggerers ran companies
    stats = wikipedia_control.stats()
    figures["celery_two_triggerers_max_wikipedia_in_flight"] = stats["max_in_flight"]
    enrich = task_instances(api, DAG_ID, run_id, "enrich")
    assert {ti["state"] for ti in enrich} == {"success"}
    assert not [ti for ti in enrich if ti["hostname"]]  # none took a worker
    for task in ("scan", "load"):
        (ti,) = task_instances(api, DAG_ID, run_id, task)
        assert ti["hostname"] in airflow.worker_hostnames
    rows = read_rows(s3, "e2e-triggerers/ds=2026-11-14/fang_two_triggerers_sentiment.csv")
    assert [row["name"] for row in rows] == names
    assert {row["status"] for row in rows} == {"ok"}
    # Wikipedia etiquette holds for the deployment, not for each triggerer (DESIGN.md).
    assert stats["max_in_flight"] <= 3
