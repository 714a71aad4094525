"""Recovery from a component that dies mid-run, with the settings the project ships.

For each fault: a local Airflow as ``make airflow`` starts and keeps it (PostgreSQL, the
settings of ``deploy/recovery.env``, a component that exits started again) on stand-ins
slowed like the real services (Wikipedia 150 ms, AWS 50 ms), one fresh run of
company_sentiment over 100 made-up companies (page timelines, texts and sentiments of
its own, so every company asks Wikipedia and Comprehend), and the fault injected a fifth
of the way in (20 companies done) or at the start. It prints one row per fault: seconds
from the fault to the run's success (and from the component's return, for those that
come back), rows in the file, rows duplicated, companies with ``error``, the longest a
task of the run waited from queued to started, and whether a person had to act (a
failed run is cleared once, as a user would, and followed to its end).

Faults (``--faults``, comma-separated; all by default):

- ``worker``: a Celery worker SIGKILLed with its task processes, companies on workers
  (``ENRICHMENT_SENTIMENT_ON_WORKERS=true``), so it dies holding running tasks;
- ``scheduler``: the scheduler SIGKILLed (LocalExecutor, companies on workers: its task
  processes die with it), started again at once;
- ``triggerer``: the triggerer SIGKILLed while companies are deferred in it, started again;
- ``api-server``: the API server SIGKILLed for 20 s, then started again (companies on
  workers, which talk to it through the Execution API);
- ``database``: the metadata database restarted, down for 10 s (a private PostgreSQL
  cluster);
- ``broker``: Redis restarted with its queue lost (a private Redis; Celery, companies on
  workers);
- ``aws``: every AWS call answering 503 for the first 20 s of the run;
- ``wikipedia``: Wikipedia answering 503 for 60 s in the middle of the run.

Each fault runs twice, one after the other: with ``deploy/recovery.env`` (``shipped``)
and without it (``airflow-defaults``: Airflow's defaults, as before the file existed), the
baseline of the comparison in docs/operations.md#recovery; ``--settings`` picks one.

    .venv/bin/python -m bench.recovery [--faults worker,aws] [--settings shipped]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.fanout import DAG_ID, ENDED, Bench
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import unpause
from dev.faults import PrivatePostgres, PrivateRedis
from dev.metadata_database import MetadataDatabase, throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

COMPANIES = 100
DS = "2026-11-02"
API_SERVER_DOWN = 20.0
# A real server's restart (crash recovery, then start) is seconds, not the stand-in
# cluster's half second: every component meets the outage.
DATABASE_DOWN = 10.0
AWS_OUTAGE = 20.0
WIKIPEDIA_OUTAGE = 60.0
# A run of COMPANIES made-up companies, whose articles were last edited before its date,
# asks Wikipedia 5 times (the latest revisions of 20 titles a request), early in the run:
# the outage starts once the first answer is in.
REQUESTS_BEFORE_FAULT = 1
# Longer than the slowest recovery with Airflow's defaults (a task queued on a dead
# worker waits 600 s, then a retry).
RUN_TIMEOUT = 1800.0
# What recovery.env replaced: Airflow's defaults, and the broker visibility timeout the
# local runner set before (Airflow's own default too).
AIRFLOW_DEFAULTS = {"AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "86400"}


@dataclass
class Run:
    """One fault's Airflow, stand-ins and run, as the fault's steps see them."""

    bench: Bench  # the Airflow, the stand-ins' controls, the AWS clients
    database: Database
    run_id: str = ""
    redis: PrivateRedis | None = None
    postgres: PrivatePostgres | None = None
    back_at: float | None = None  # when a killed component was started again

    def restart(self, component: str, after: float = 0.0) -> None:
        """Kill ``component`` (the keeper leaves it dead), start it ``after`` s later."""
        self.bench.airflow.kill(component)
        time.sleep(after)
        self.bench.airflow.start(component)
        self.back_at = time.monotonic()

    def kill_busy_worker(self) -> None:
        """Kill the Celery worker running the most companies right now (its machine dies
        and does not come back)."""
        while not (
            busiest := self.database.rows(
                "SELECT hostname FROM task_instance WHERE dag_id = :dag AND run_id = :run "
                "AND state = 'running' AND hostname LIKE 'worker-%' "
                "GROUP BY hostname ORDER BY count(*) DESC LIMIT 1",
                dag=DAG_ID,
                run=self.run_id,
            )
        ):
            time.sleep(0.1)  # between one company and the next: none running for a moment
        self.bench.airflow.kill(busiest[0][0].split("@")[0])


@dataclass(frozen=True)
class Fault:
    name: str
    executor: str
    on_workers: bool
    inject: Callable[[Run], None]
    # When it strikes: "companies" (a fifth of them done), "requests" (the run's first
    # Wikipedia answer in: in the triggerer a run's requests come early, before most
    # companies finish) or "start" (before the run is triggered).
    when: str = "companies"
    private_redis: bool = False
    private_postgres: bool = False


def _broker(run: Run) -> None:
    run.redis.crash()
    run.redis.start()
    run.back_at = time.monotonic()


def _database(run: Run) -> None:
    run.postgres.restart(down_for=DATABASE_DOWN)
    run.back_at = time.monotonic()


FAULTS = {
    fault.name: fault
    for fault in (
        Fault("worker", "celery", True, Run.kill_busy_worker),
        Fault("scheduler", "local", True, lambda run: run.restart("scheduler")),
        Fault("triggerer", "local", False, lambda run: run.restart("triggerer")),
        Fault("api-server", "local", True, lambda run: run.restart("api-server", API_SERVER_DOWN)),
        Fault("database", "local", False, _database, private_postgres=True),
        Fault("broker", "celery", True, _broker, private_redis=True),
        Fault("aws", "local", False, lambda run: run.bench.aws.outage(AWS_OUTAGE), when="start"),
        Fault(
            "wikipedia",
            "local",
            False,
            lambda run: run.bench.wikipedia.outage(WIKIPEDIA_OUTAGE),
            when="requests",
        ),
    )
}


@dataclass
class Measured:
    fault_to_success: float | None
    back_to_success: float | None
    rows: int
    duplicated: int
    errors: int
    person_acted: bool
    state: str
    # The longest a task of the run waited from queued to started (the margin under
    # task_queued_timeout); None when no task went through the executor's queue.
    longest_queued: float | None


class Database:
    """The metadata database read directly: the REST API may be the component that is
    down, and the database may be, for a moment, too (then a read waits for it)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def rows(self, sql: str, **params) -> list[tuple]:
        import sqlalchemy

        while True:
            try:
                with self.engine.connect() as connection:
                    return connection.execute(sqlalchemy.text(sql), params).all()
            except sqlalchemy.exc.OperationalError:
                time.sleep(1)

    def one(self, sql: str, **params) -> tuple:
        (row,) = self.rows(sql, **params)
        return row


def _state(database: Database, run_id: str) -> tuple[str, int]:
    """The run's state and how many companies are done."""
    (state,) = database.one(
        "SELECT state FROM dag_run WHERE dag_id = :dag AND run_id = :run", dag=DAG_ID, run=run_id
    )
    (done,) = database.one(
        "SELECT count(*) FROM task_instance WHERE dag_id = :dag AND run_id = :run "
        "AND task_id = 'enrich' AND state = 'success'",
        dag=DAG_ID,
        run=run_id,
    )
    return state, done


def _time_for(fault: Fault, run: Run) -> bool:
    if fault.when == "requests":
        return run.bench.wikipedia.stats()["requests"] >= REQUESTS_BEFORE_FAULT
    return _state(run.database, run.run_id)[1] >= COMPANIES // 5


def _until_ended(database: Database, run_id: str, deadline: float) -> str:
    while (state := _state(database, run_id)[0]) not in ENDED:
        if time.monotonic() > deadline:
            return f"{state} after {RUN_TIMEOUT:.0f} s"
        time.sleep(1)
    return state


def _api(airflow: LocalAirflow, method: str, path: str, body: dict | None = None):
    """A REST call that waits for the API server while it is down."""
    import requests

    deadline = time.monotonic() + 120
    while True:
        try:
            return airflow.api().request(method, path, json=body)
        except (requests.ConnectionError, RuntimeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def measure(fault: Fault, settings: str, stack: Stack, state: Path) -> Measured:
    redis = PrivateRedis(state) if fault.private_redis else None
    postgres = PrivatePostgres() if fault.private_postgres else None
    try:
        if redis:
            redis.start()
        if postgres:
            postgres.start()
            return _measure(
                fault,
                settings,
                stack,
                state,
                MetadataDatabase.postgres(postgres.host, "airflow"),
                redis,
                postgres,
            )
        with throwaway_database(state) as database:
            if database.url.startswith("sqlite"):
                raise SystemExit("bench.recovery needs PostgreSQL, as the CeleryExecutor does")
            return _measure(fault, settings, stack, state, database, redis, postgres)
    finally:
        if redis:
            redis.stop()
        if postgres:
            postgres.stop()


def _measure(fault, settings, stack, state, database, redis, postgres) -> Measured:
    from enrichment.company_sentiment.operator import ON_WORKERS_ENV

    airflow = LocalAirflow(
        stack,
        state,
        port=free_port(),
        database=database,
        executor=fault.executor,
        recovery=AIRFLOW_DEFAULTS if settings == "airflow-defaults" else None,
        broker_url=redis.url if redis else None,
        # The DAG is parsed for this fault's path.
        extra_env={ON_WORKERS_ENV: str(fault.on_workers).lower()},
    )
    stop_keeping = threading.Event()
    keeper = threading.Thread(target=_keep, args=(airflow, stop_keeping), daemon=True)
    try:
        airflow.up()
        keeper.start()
        bench = Bench(airflow, stack)
        unpause(bench.api, DAG_ID)  # the scheduled run over the seeded table, unmeasured
        run = Run(bench, Database(bench.database), redis=redis, postgres=postgres)
        name = f"recovery_{fault.name.replace('-', '_')}_{os.getpid()}"
        conf = {
            "companies_table": bench.table(name, "name", COMPANIES),
            "prefix": f"bench-recovery/{name}/",
            "sentiment_cache_table": bench.table(f"{name}_cache", "text_sha256"),
            "page_timelines_table": bench.table(f"{name}_timelines", "title"),
            "revision_texts_table": bench.table(f"{name}_texts", "revision_id"),
        }
        bench.reset_counts()
        bench.slow_down()
        if fault.when == "start":
            fault_at = time.monotonic()
            fault.inject(run)
        body = {"logical_date": f"{DS}T00:00:00Z", "conf": conf}
        run.run_id = _api(airflow, "POST", f"dags/{DAG_ID}/dagRuns", body)["dag_run_id"]
        deadline = time.monotonic() + RUN_TIMEOUT
        if fault.when != "start":
            while not _time_for(fault, run):
                if time.monotonic() > deadline or _state(run.database, run.run_id)[0] in ENDED:
                    raise SystemExit(f"{fault.name}: the run ended before its fault")
                time.sleep(0.2)
            fault_at = time.monotonic()
            fault.inject(run)
        ended = _until_ended(run.database, run.run_id, deadline)
        person_acted = False
        if ended == "failed":
            # What a user does: Clear the failed tasks of the run, once.
            person_acted = True
            body = {"dag_run_id": run.run_id, "dry_run": False, "only_failed": True}
            _api(airflow, "POST", f"dags/{DAG_ID}/clearTaskInstances", body)
            ended = _until_ended(run.database, run.run_id, time.monotonic() + RUN_TIMEOUT)
        finished = time.monotonic()
        (longest_queued,) = run.database.one(
            "SELECT max(extract(epoch FROM start_date - queued_dttm)) FROM task_instance "
            "WHERE dag_id = :dag AND run_id = :run AND start_date >= queued_dttm",
            dag=DAG_ID,
            run=run.run_id,
        )
        rows = _rows(bench, conf)
        counts = Counter(row["name"] for row in rows)
        return Measured(
            fault_to_success=finished - fault_at if ended == "success" else None,
            back_to_success=finished - run.back_at if run.back_at and ended == "success" else None,
            rows=len(rows),
            duplicated=sum(n - 1 for n in counts.values()),
            errors=sum(row["status"] == "error" for row in rows),
            person_acted=person_acted,
            state=ended,
            longest_queued=None if longest_queued is None else float(longest_queued),
        )
    finally:
        stop_keeping.set()
        AwsControl(stack.url("aws")).latency(0)
        WikipediaControl(stack.url("wikipedia")).latency(0)
        airflow.down()


def _keep(airflow: LocalAirflow, stop: threading.Event) -> None:
    """What `make airflow` does while it runs: start again a component that exited."""
    while not stop.wait(1.0):
        for name in airflow.keep():
            print(f"  ({name} exited; started again)", flush=True)


def _rows(bench: Bench, conf: dict) -> list[dict[str, str]]:
    """The run's result file, as the pipeline named it; none if it wrote none."""
    from enrichment import storage
    from enrichment.company_sentiment.result_file import result_key
    from enrichment.company_sentiment.settings import SentimentSettings

    key = result_key(conf["prefix"], DS, conf["companies_table"])
    try:
        text = storage.get_text(bench.s3, SentimentSettings.bucket, key)
    except bench.s3.exceptions.NoSuchKey:
        return []
    return list(csv.DictReader(io.StringIO(text)))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument(
        "--settings",
        default="shipped,airflow-defaults",
        help="comma-separated: shipped (deploy/recovery.env), airflow-defaults (the baseline)",
    )
    args = parser.parse_args()
    faults = [FAULTS[name] for name in args.faults.split(",")]
    settings = args.settings.split(",")
    if not set(settings) <= {"shipped", "airflow-defaults"}:
        parser.error(f"--settings {args.settings}: shipped and/or airflow-defaults")
    root = Path(tempfile.mkdtemp(prefix="enrichment-recovery-"))
    print(f"{COMPANIES} companies a run; state in {root}")
    print(
        f"{'fault':<11} {'settings':<16} {'executor':<8} {'companies on':<12} {'fault->ok s':>11} "
        f"{'back->ok s':>10} {'rows':>5} {'dup':>4} {'error':>5} {'queued s':>8}  "
        "person acted  run"
    )
    with Stack.on_free_ports(root / "stack") as stack:
        for fault in faults:
            for chosen in settings:
                measured = measure(fault, chosen, stack, root / f"{fault.name}-{chosen}")
                print(
                    f"{fault.name:<11} {chosen:<16} {fault.executor:<8} "
                    f"{'workers' if fault.on_workers else 'triggerer':<12} "
                    f"{_seconds(measured.fault_to_success):>11} "
                    f"{_seconds(measured.back_to_success):>10} {measured.rows:>5} "
                    f"{measured.duplicated:>4} {measured.errors:>5} "
                    f"{_seconds(measured.longest_queued):>8}  "
                    f"{'yes' if measured.person_acted else 'no':<12}  {measured.state}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
