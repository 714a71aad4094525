"""company_sentiment over the seeded companies on the LocalExecutor and on the
CeleryExecutor, one after the other in one run on one machine.

Each case starts a local Airflow as ``make airflow`` does (a PostgreSQL database of its
own) on stand-ins shared by all cases and slowed like the real services (Wikipedia
150 ms, AWS 50 ms per answer), unpauses company_sentiment (its scheduled run is the
warm-up), then triggers one run over the seeded table with the sentiment cache off, so
every case pays the same calls. It prints the run's wall time (queued to finished, as
the scheduler records it), where its tasks ran and the most Wikipedia requests in
flight. ``enrich`` runs in the triggerer by default and on workers with
``ENRICHMENT_SENTIMENT_ON_WORKERS=true``: the executor matters most there. Celery runs
two workers of 4 slots, the LocalExecutor's 8 slots.

    .venv/bin/python -m bench.executors [--cases local,celery,celery-2-triggerers,...]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dev.airflow_local import LocalAirflow
from dev.airflow_runs import run_seconds, task_instances, unpause, wait_for_run
from dev.metadata_database import throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

WIKIPEDIA_LATENCY = 0.15
AWS_LATENCY = 0.05
DAG_ID = "company_sentiment"


@dataclass(frozen=True)
class Case:
    name: str
    executor: str
    on_workers: bool = False
    triggerers: int = 1


CASES = {
    case.name: case
    for case in (
        Case("local", "local"),
        Case("celery", "celery"),
        Case("celery-2-triggerers", "celery", triggerers=2),
        Case("local-on-workers", "local", on_workers=True),
        Case("celery-on-workers", "celery", on_workers=True),
    )
}


def measure(case: Case, stack: Stack, state: Path) -> dict:
    with throwaway_database(state / case.name) as database:
        if database.url.startswith("sqlite"):
            raise SystemExit("bench.executors needs PostgreSQL (the CeleryExecutor does)")
        return _measure(case, stack, state, database)


def _measure(case: Case, stack: Stack, state: Path, database) -> dict:
    from enrichment.company_sentiment.operator import ON_WORKERS_ENV

    airflow = LocalAirflow(
        stack,
        state / case.name,
        port=free_port(),
        database=database,
        executor=case.executor,
        triggerers=case.triggerers,
        # The DAG is parsed for the path of this case.
        extra_env={ON_WORKERS_ENV: str(case.on_workers).lower()},
    )
    wikipedia = WikipediaControl(stack.url("wikipedia"))
    try:
        started = airflow.up()
        api = airflow.api()
        unpause(api, DAG_ID)
        wikipedia.reset()
        body = {
            "logical_date": "2026-07-01T00:00:00Z",
            "conf": {"prefix": f"bench/executors/{case.name}/", "reuse_sentiment": False},
        }
        run = wait_for_run(api, DAG_ID, api.post(f"dags/{DAG_ID}/dagRuns", body)["dag_run_id"])
        if run["state"] != "success":
            raise SystemExit(f"{case.name}: the run ended {run['state']}")
        ran_on = {
            ti["hostname"] or "triggerer"
            for task in ("scan", "enrich", "load")
            for ti in task_instances(api, DAG_ID, run["dag_run_id"], task)
        }
        return {
            "start": started,
            "wall": run_seconds(run),
            "companies": len(task_instances(api, DAG_ID, run["dag_run_id"], "enrich")),
            "ran_on": ", ".join(sorted(ran_on)),
            "in_flight": wikipedia.stats()["max_in_flight"],
        }
    finally:
        airflow.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    cases = [CASES[name] for name in args.cases.split(",")]
    state = Path(tempfile.mkdtemp(prefix="enrichment-executors-"))
    with Stack.on_free_ports(state / "stack") as stack:
        WikipediaControl(stack.url("wikipedia")).latency(WIKIPEDIA_LATENCY)
        AwsControl(stack.url("aws")).latency(AWS_LATENCY)
        print(f"{'case':<22} {'start s':>7} {'run s':>6} {'companies':>9} {'in flight':>9}  ran on")
        for case in cases:
            measured = measure(case, stack, state)
            print(
                f"{case.name:<22} {measured['start']:>7.1f} {measured['wall']:>6.1f} "
                f"{measured['companies']:>9} {measured['in_flight']:>9}  {measured['ran_on']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
