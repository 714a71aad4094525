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

``--settings airflow-defaults`` runs the same faults without ``deploy/recovery.env``
(Airflow's defaults, as before the file existed), for the comparison in
docs/operations.md#recovery.

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
from dataclasses import dataclass, field
from pathlib import Path

from dev.airflow_local import LocalAirflow, MetadataDatabase, throwaway_database
from dev.airflow_runs import unpause
from dev.faults import PrivatePostgres, PrivateRedis, kill_session
from dev.ports import free_port
from dev.stack import Stack
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

DAG_ID = "company_sentiment"
ENDED = ("success", "failed")
COMPANIES = 100
WIKIPEDIA_LATENCY = 0.15
AWS_LATENCY = 0.05
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

    airflow: LocalAirflow
    aws: AwsControl
    wikipedia: WikipediaControl
    database: Database
    run_id: str = ""
    redis: PrivateRedis | None = None
    postgres: PrivatePostgres | None = None
    back_at: float | None = None  # when a killed component was started again

    def kill(self, component: str) -> None:
        """SIGKILL ``component`` with everything it started; it stays dead (the keeper
        leaves it) until :meth:`restart` starts it."""
        self.airflow.held.add(component)
        recorded = self.airflow.process(component).running()
        if recorded is None:
            raise RuntimeError(f"{component} is not running")
        kill_session(recorded[0])

    def restart(self, component: str, after: float = 0.0) -> None:
        self.kill(component)
        time.sleep(after)
        self.airflow.start(component)
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
        self.kill(busiest[0][0].split("@")[0])


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
    extra: dict[str, str] = field(default_factory=dict)


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
        Fault("aws", "local", False, lambda run: run.aws.outage(AWS_OUTAGE), when="start"),
        Fault(
            "wikipedia",
            "local",
            False,
            lambda run: run.wikipedia.outage(WIKIPEDIA_OUTAGE),
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

    def __init__(self, url: str) -> None:
        import sqlalchemy
        from sqlalchemy.pool import NullPool

        self.engine = sqlalchemy.create_engine(url, poolclass=NullPool)

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


def _time_for(fault: Fault, database: Database, run_id: str, wikipedia) -> bool:
    if fault.when == "requests":
        return wikipedia.stats()["requests"] >= REQUESTS_BEFORE_FAULT
    return _state(database, run_id)[1] >= COMPANIES // 5


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


def _table(dynamodb, name: str, key: str, companies: int = 0) -> str:
    from enrichment.bootstrap import ensure_table

    ensure_table(dynamodb, name, key)
    for start in range(0, companies, 25):
        batch = range(start, min(start + 25, companies))
        dynamodb.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"name": {"S": f"Synthetic Company {n}"}}}}
                    for n in batch
                ]
            }
        )
    return name


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
    import boto3

    from enrichment.company_sentiment.operator import ON_WORKERS_ENV

    airflow = LocalAirflow(
        stack,
        state,
        port=free_port(),
        database=database,
        executor=fault.executor,
        recovery=AIRFLOW_DEFAULTS if settings == "airflow-defaults" else None,
        broker_url=redis.url if redis else None,
    )
    # Read when the components start: the DAG is parsed for this fault's path.
    os.environ[ON_WORKERS_ENV] = str(fault.on_workers).lower()
    aws = AwsControl(stack.url("aws"))
    wikipedia = WikipediaControl(stack.url("wikipedia"))
    database_reader = Database(airflow.database.url)
    run = Run(airflow, aws, wikipedia, database_reader, redis=redis, postgres=postgres)
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.url("aws"),
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stop_keeping = threading.Event()
    keeper = threading.Thread(target=_keep, args=(airflow, stop_keeping), daemon=True)
    try:
        airflow.up()
        keeper.start()
        unpause(airflow.api(), DAG_ID)  # the scheduled run over the seeded table, unmeasured
        name = f"recovery_{fault.name.replace('-', '_')}_{os.getpid()}"
        conf = {
            "companies_table": _table(dynamodb, name, "name", COMPANIES),
            "prefix": f"bench-recovery/{name}/",
            "sentiment_cache_table": _table(dynamodb, f"{name}_cache", "text_sha256"),
            "page_timelines_table": _table(dynamodb, f"{name}_timelines", "title"),
            "revision_texts_table": _table(dynamodb, f"{name}_texts", "revision_id"),
        }
        aws.reset()
        wikipedia.reset()
        aws.latency(AWS_LATENCY)
        wikipedia.latency(WIKIPEDIA_LATENCY)
        if fault.when == "start":
            fault_at = time.monotonic()
            fault.inject(run)
        body = {"logical_date": "2026-11-02T00:00:00Z", "conf": conf}
        run_id = run.run_id = _api(airflow, "POST", f"dags/{DAG_ID}/dagRuns", body)["dag_run_id"]
        deadline = time.monotonic() + RUN_TIMEOUT
        if fault.when != "start":
            while not _time_for(fault, database_reader, run_id, wikipedia):
                if time.monotonic() > deadline or _state(database_reader, run_id)[0] in ENDED:
                    raise SystemExit(f"{fault.name}: the run ended before its fault")
                time.sleep(0.2)
            fault_at = time.monotonic()
            fault.inject(run)
        ended = _until_ended(database_reader, run_id, deadline)
        person_acted = False
        if ended == "failed":
            # What a user does: Clear the failed tasks of the run, once.
            person_acted = True
            body = {"dag_run_id": run_id, "dry_run": False, "only_failed": True}
            _api(airflow, "POST", f"dags/{DAG_ID}/clearTaskInstances", body)
            ended = _until_ended(database_reader, run_id, time.monotonic() + RUN_TIMEOUT)
        finished = time.monotonic()
        (longest_queued,) = database_reader.one(
            "SELECT max(extract(epoch FROM start_date - queued_dttm)) FROM task_instance "
            "WHERE dag_id = :dag AND run_id = :run AND start_date >= queued_dttm",
            dag=DAG_ID,
            run=run_id,
        )
        rows = _rows(s3_client(stack), conf["prefix"], name)
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
        aws.latency(0)
        wikipedia.latency(0)
        airflow.down()


def _keep(airflow: LocalAirflow, stop: threading.Event) -> None:
    """What `make airflow` does while it runs: start again a component that exited."""
    while not stop.wait(1.0):
        for name in airflow.keep():
            print(f"  ({name} exited; started again)", flush=True)


def s3_client(stack: Stack):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=stack.url("aws"),
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _rows(s3, prefix: str, table: str) -> list[dict[str, str]]:
    key = f"{prefix}ds=2026-11-02/{table}_sentiment.csv"
    try:
        body = s3.get_object(Bucket="fangsentiment", Key=key)["Body"].read().decode("utf-8")
    except s3.exceptions.NoSuchKey:
        return []
    return list(csv.DictReader(io.StringIO(body)))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--settings", choices=("shipped", "airflow-defaults"), default="shipped")
    args = parser.parse_args()
    faults = [FAULTS[name] for name in args.faults.split(",")]
    root = Path(tempfile.mkdtemp(prefix="enrichment-recovery-"))
    print(f"Settings: {args.settings}; {COMPANIES} companies a run; state in {root}")
    print(
        f"{'fault':<11} {'executor':<8} {'companies on':<12} {'fault->ok s':>11} "
        f"{'back->ok s':>10} {'rows':>5} {'dup':>4} {'error':>5} {'queued s':>8}  "
        "person acted  run"
    )
    with Stack.on_free_ports(root / "stack") as stack:
        for fault in faults:
            measured = measure(fault, args.settings, stack, root / fault.name)
            print(
                f"{fault.name:<11} {fault.executor:<8} "
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
