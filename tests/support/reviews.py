"""company_review runs as people meet them, through the REST API of a real Airflow: the
review run a company_sentiment file starts, its questions once they wait for an answer,
and an answer given as the UI's *Required actions* gives it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from dev.airflow_api import ApiClient
from dev.airflow_runs import RUN_TIMEOUT

DAG_ID = "company_review"
# Seconds a question must have waited before it is answered: Airflow 3.3.2 loses an answer
# given before the scheduler has taken the parked task's exit (a second, more on a loaded
# machine): the task is failed, retried, and asks again. People do not answer that fast.
SETTLED = 10.0


def review_runs(api: ApiClient) -> list[dict]:
    return api.get(f"dags/{DAG_ID}/dagRuns", order_by="run_after")["dag_runs"]


def new_review_run(api: ApiClient, before: list[dict]) -> dict:
    """The review run the last company_sentiment run's file started (``before``: the
    review runs there were until then)."""
    known = {run["dag_run_id"] for run in before}
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (new := [r for r in review_runs(api) if r["dag_run_id"] not in known]):
        assert time.monotonic() < deadline, "no company_review run followed"
        time.sleep(1)
    assert len(new) == 1, new
    assert new[0]["run_type"] == "asset_triggered"
    return new[0]


def waiting_for(detail: dict) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(detail["created_at"])).total_seconds()


def waiting_reviews(api: ApiClient, run_id: str, table: str, count: int) -> dict[str, dict]:
    """The run's questions about the companies of ``table`` by company, once all ``count``
    have waited :data:`SETTLED` seconds. The first review run after unpausing also reviews
    the newest file of every other table (the seeded one's, of company_sentiment's
    scheduled run): those are answered "Ask again later", so that the run can end."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        details = api.get(f"dags/{DAG_ID}/dagRuns/{run_id}/hitlDetails")["hitl_details"]
        waiting = [
            d
            for d in details
            if d["task_instance"]["state"] == "awaiting_input" and waiting_for(d) > SETTLED
        ]
        ours = [d for d in waiting if f"`{table}`" in d["body"]]
        if len(ours) == count:
            for other in waiting:
                if other not in ours:
                    answer(api, run_id, other, "Ask again later")
            return {d["task_instance"]["rendered_map_index"]: d for d in ours}
        assert time.monotonic() < deadline, f"{len(ours)} of {count} reviews waiting"
        time.sleep(1)


def answer(api: ApiClient, run_id: str, review: dict, option: str) -> dict:
    map_index = review["task_instance"]["map_index"]
    return api.patch(
        f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/review.ask/{map_index}/hitlDetails",
        {"chosen_options": [option], "params_input": {}},
    )
