"""Fan-out cost of company_sentiment through a real Airflow, against the book's serial loop.

Starts a local Airflow exactly as ``make airflow`` does (LocalExecutor, PostgreSQL when
one answers, API server, DAG processor, triggerer) on stand-ins of its own, makes them
slow like the real services (Wikipedia 150 ms; per AWS call as :data:`AWS_SERVICE_LATENCIES`
and :data:`AWS_OPERATION_LATENCIES` say), and for each N
seeds a table of N made-up companies and measures, in the same run:

- the book's serial loop over the same servers: per company one Wikipedia request and
  one DetectSentiment call, one after the other;
- one DAG run of company_sentiment over the table: wall time (queued to finished, as
  the scheduler records it), CPU seconds of every Airflow process (the four components
  and everything they started) per company, the Wikipedia and Comprehend calls the
  stand-ins received and the most Wikipedia requests they had in flight at once.

Then, for the middle N: the next date over the same (unchanged) intros, and two 3-date
backfills against a one-date run: over dates after the articles' last edit, and over
dates around an edit of every article (each history read, once). Prints a table; targets
and figures are in docs/performance.md.

With ``--least-privilege``, then the one-date run of each N again, on a second Airflow
(same stand-ins but AWS, a metadata database of its own) whose ``aws_default`` is an IAM
user holding only ``deploy/iam/pipelines.json``, on an AWS stand-in that enforces IAM
(``dev/enforcing_aws.py``; set up by the bootstrap as a user holding only
``bootstrap.json``), made as slow; prints both runs' figures and their ratio, and fails if
any call was refused.

With ``--profile``, each one-date run is recorded by py-spy and a table says, per Airflow
process, where its CPU per company went (:mod:`bench.profiles`).

Every case also prints the peak memory of each component's process tree (sampled every
half second). ``--set AIRFLOW__SECTION__KEY=VALUE`` measures another value of a setting;
``--one-date-only`` leaves out the next date and the backfills.

    .venv/bin/python -m bench.fanout [--sizes 100,500,2000] [--least-privilege] [--profile]
        [--set AIRFLOW__SECTION__KEY=VALUE ...] [--one-date-only] [--serial-sizes 500]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench import profiles
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import start_backfill, unpause, wait_for_backfill
from dev.enforcing_aws import AccessKey, EnforcingAws
from dev.metadata_database import throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl

# How long the real services take to answer, from a machine in their region (Wikipedia
# from anywhere): Wikipedia 150 ms, DetectSentiment 50 ms, BatchDetectSentiment (up to 25
# texts) 150 ms, DynamoDB 8 ms, S3 20 ms, any other AWS call 20 ms.
WIKIPEDIA_LATENCY = 0.15
AWS_LATENCY = 0.02
AWS_SERVICE_LATENCIES = {"comprehend": 0.05, "dynamodb": 0.008, "s3": 0.02}
AWS_OPERATION_LATENCIES = {"BatchDetectSentiment": 0.15}
DAG_ID = "company_sentiment"
# After the last revision of every made-up article (dev/standins/wikipedia_pages.py), so
# no article changed after a run's moment: the daily case, no history read.
FIRST_DATE = date(2026, 11, 1)
# Three dates around the made-up articles' edit of 2026-10-15: the first two describe the
# revision of 10-05, the third the new one, so a backfill of them reads each history.
EDITED_DATES = [date(2026, 10, 14), date(2026, 10, 15), date(2026, 10, 16)]
RUN_TIMEOUT = 1800.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ENDED = ("success", "failed")


def _tree_sums(roots: dict[str, int], value) -> dict[str, float]:
    """``value(fields)`` of each root process's ``/proc/<pid>/stat`` fields (after the
    command), summed with every live descendant's."""
    parents, values = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited meanwhile
            parents[int(entry.name)] = int(fields[1])
            values[int(entry.name)] = value(fields)
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    totals = {}
    for name, root in roots.items():
        total, stack = 0, [root] if root in values else []
        while stack:
            pid = stack.pop()
            total += values[pid]
            stack.extend(children.get(pid, ()))
        totals[name] = total
    return totals


def tree_cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each root process and every live descendant of it, with what their
    exited children used (a process's ``cutime``/``cstime`` hold its reaped children's)."""
    ticks = _tree_sums(roots, lambda fields: sum(map(int, fields[11:15])))
    return {name: total / CLOCK_TICKS for name, total in ticks.items()}


PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def tree_rss_mb(roots: dict[str, int]) -> dict[str, float]:
    """Resident memory of each root process and its live descendants together, MB."""
    pages = _tree_sums(roots, lambda fields: int(fields[21]))
    return {name: total * PAGE_BYTES / 2**20 for name, total in pages.items()}


class PeakMemory:
    """The most memory each component's process tree held while the block ran, sampled
    every half second."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.peak = dict.fromkeys(roots, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            for name, mb in tree_rss_mb(self.roots).items():
                self.peak[name] = max(self.peak[name], mb)
            if self._stop.wait(0.5):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Measured:
    wall: float
    cpu: dict[str, float]  # per Airflow component, children included
    wikipedia_requests: int
    wikipedia_in_flight: int
    comprehend_calls: int
    rows: int
    phases: str  # each task's span in seconds after the first run was queued
    peak_mb: dict[str, float]  # per Airflow component, its process tree at its largest


class Bench:
    def __init__(
        self, airflow: LocalAirflow, stack: Stack, aws: tuple[str, AccessKey] | None = None
    ) -> None:
        """``aws``: another AWS stand-in's URL and the key to seed and read it with (an
        enforcing one's admin), instead of the stack's with dummy credentials."""
        import boto3
        import requests
        import sqlalchemy
        from sqlalchemy.pool import NullPool

        self.airflow = airflow
        self.stack = stack
        self.api = airflow.api()
        self.database = sqlalchemy.create_engine(airflow.database.url, poolclass=NullPool)
        self.http = requests.Session()
        aws_url, key = aws or (stack.url("aws"), AccessKey("", "testing", "testing"))
        options = {
            "endpoint_url": aws_url,
            "region_name": "us-east-1",
            **key.boto3_kwargs(),
        }
        self.dynamodb = boto3.client("dynamodb", **options)
        self.comprehend = boto3.client("comprehend", **options)
        self.s3 = boto3.client("s3", **options)
        self.wikipedia = WikipediaControl(stack.url("wikipedia"))
        self.aws = AwsControl(aws_url)
        self.last_backfill: int | None = None

    # -- the stand-ins ------------------------------------------------------------------

    def slow_down(self) -> None:
        self.wikipedia.latency(WIKIPEDIA_LATENCY)
        self.aws.latency(AWS_LATENCY, AWS_SERVICE_LATENCIES, AWS_OPERATION_LATENCIES)

    def reset_counts(self) -> None:
        self.wikipedia.reset()
        self.aws.reset()

    def counts(self) -> tuple[int, int, int]:
        wikipedia = self.wikipedia.stats()
        calls = self.aws.counted()
        comprehend = sum(n for op, n in calls.items() if op.startswith("Comprehend_"))
        return wikipedia["requests"], wikipedia["max_in_flight"], comprehend

    def table(self, name: str, key: str, companies: int = 0) -> str:
        from enrichment.bootstrap import ensure_table

        ensure_table(self.dynamodb, name, key)
        for start in range(0, companies, 25):
            self.dynamodb.batch_write_item(
                RequestItems={
                    name: [
                        {"PutRequest": {"Item": {"name": {"S": f"Synthetic Company {n}"}}}}
                        for n in range(start, min(start + 25, companies))
                    ]
                }
            )
        return name

    def fresh_caches(self, conf: dict, name: str) -> dict:
        """``conf`` with a prefix and empty sentiment, page timeline and revision text
        tables of its own."""
        from enrichment.company_sentiment import page_timelines, revision_texts

        return conf | {
            "prefix": f"bench/{name}/",
            "sentiment_cache_table": self.table(f"fanout_cache_{name}", "text_sha256"),
            "page_timelines_table": self.table(f"fanout_timelines_{name}", page_timelines.KEY),
            "revision_texts_table": self.table(f"fanout_texts_{name}", revision_texts.KEY),
        }

    # -- the book's loop ----------------------------------------------------------------

    def serial(self, companies: int) -> float:
        """Per company: one Wikipedia request, then one DetectSentiment, in order: the
        book's ``wikipedia.summary(name, sentences=1)`` asks TextExtracts for the intro."""
        from enrichment.company_sentiment.comprehend import cut_text

        started = time.perf_counter()
        for n in range(companies):
            response = self.http.get(
                f"{self.stack.url('wikipedia')}/w/api.php",
                params={
                    "action": "query",
                    "format": "json",
                    "formatversion": "2",
                    "prop": "extracts",
                    "exintro": "1",
                    "explaintext": "1",
                    "exsentences": "1",
                    "redirects": "1",
                    "titles": f"Synthetic Company {n}",
                },
                timeout=30,
            )
            (page,) = response.json()["query"]["pages"]
            self.comprehend.detect_sentiment(Text=cut_text(page["extract"]), LanguageCode="en")
        return time.perf_counter() - started

    # -- Airflow ------------------------------------------------------------------------

    def roots(self) -> dict[str, int]:
        return {
            process.name.removeprefix("airflow-"): running[0]
            for process in self.airflow.processes
            if (running := process.running())
        }

    def query(self, sql: str, run_ids: list[str], timestamps: tuple[str, ...]) -> list:
        """Rows of ``sql`` over this DAG's runs ``run_ids``, read from the metadata
        database; the ``timestamps`` columns come back as datetimes (SQLite stores text)."""
        from sqlalchemy import DateTime, bindparam, text

        query = text(sql).bindparams(bindparam("run_ids", expanding=True))
        query = query.columns(**{column: DateTime() for column in timestamps})
        with self.database.connect() as connection:
            return connection.execute(query, {"dag_id": DAG_ID, "run_ids": run_ids}).all()

    def wait(self, run_ids: list[str]) -> list[dict]:
        """The runs once ended. Read from the metadata database, not the REST API: a run's
        REST answer loads every task instance of it, so polling that way would charge the
        API server a cost that grows with N and is not the pipeline's."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            runs = self.query(
                "SELECT run_id, state, queued_at, end_date FROM dag_run "
                "WHERE dag_id = :dag_id AND run_id IN :run_ids",
                run_ids,
                ("queued_at", "end_date"),
            )
            if len(runs) == len(run_ids) and all(run.state in ENDED for run in runs):
                return [run._asdict() for run in runs]
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs still going: {run_ids}")
            time.sleep(1)

    def phases(self, runs: list[dict]) -> str:
        """Where a case's wall time went: each task's span over the case's ended ``runs``,
        in seconds from the first run's queued time."""
        spans = self.query(
            "SELECT task_id, min(start_date) AS started, max(end_date) AS ended "
            "FROM task_instance WHERE dag_id = :dag_id AND run_id IN :run_ids "
            "GROUP BY task_id",
            [run["run_id"] for run in runs],
            ("started", "ended"),
        )
        queued = min(run["queued_at"] for run in runs)
        order = {"scan": 0, "enrich": 1, "load": 2}
        return ", ".join(
            f"{span.task_id} {(span.started - queued).total_seconds():.1f}"
            f"-{(span.ended - queued).total_seconds():.1f}"
            for span in sorted(spans, key=lambda span: order.get(span.task_id, 9))
        )

    def rows(self, prefix: str, ds: str, table: str) -> int:
        from enrichment import storage
        from enrichment.company_sentiment.result_file import result_key
        from enrichment.company_sentiment.settings import SentimentSettings

        bucket, key = SentimentSettings.bucket, result_key(prefix, ds, table)
        return len(list(csv.DictReader(io.StringIO(storage.get_text(self.s3, bucket, key)))))

    def measure(self, conf: dict, dates: list[date], start) -> Measured:
        """Runs of ``dates`` started by ``start(dates, conf)`` (run ids), measured."""
        self.reset_counts()
        roots = self.roots()
        before = tree_cpu_seconds(roots)
        with PeakMemory(roots) as memory:
            runs = self.wait(start(dates, conf))
        after = tree_cpu_seconds(roots)
        cpu = {name: after[name] - before[name] for name in roots}
        failed = [run["run_id"] for run in runs if run["state"] != "success"]
        if failed:
            raise RuntimeError(f"runs failed: {failed}")
        wall = max(map(_end, runs)) - min(map(_queued, runs))
        requests_, in_flight, comprehend = self.counts()
        rows = sum(
            self.rows(conf["prefix"], day.isoformat(), conf["companies_table"]) for day in dates
        )
        phases = self.phases(runs)
        return Measured(wall, cpu, requests_, in_flight, comprehend, rows, phases, memory.peak)

    def trigger(self, dates: list[date], conf: dict) -> list[str]:
        return [
            self.api.post(
                f"dags/{DAG_ID}/dagRuns",
                {"logical_date": f"{day.isoformat()}T00:00:00Z", "conf": conf},
            )["dag_run_id"]
            for day in dates
        ]

    def backfill(self, dates: list[date], conf: dict) -> list[str]:
        # One backfill of a DAG at a time: the last one is done a moment after its runs.
        if self.last_backfill is not None:
            wait_for_backfill(self.api, self.last_backfill, timeout=60)
        self.last_backfill = start_backfill(
            self.api,
            DAG_ID,
            dates[0].isoformat(),
            dates[-1].isoformat(),
            conf,
            len(dates),
            reprocess_behavior="completed",
        )["id"]
        deadline = time.monotonic() + 60
        while True:
            runs = self.api.get(f"dags/{DAG_ID}/dagRuns", run_type="backfill", limit=100)
            ids = [
                run["dag_run_id"]
                for run in runs["dag_runs"]
                if run["logical_date"][:10] in {day.isoformat() for day in dates}
            ]
            if len(ids) == len(dates) or time.monotonic() > deadline:
                return ids
            time.sleep(0.5)


def print_where_it_went(measured: Measured) -> None:
    """A case's CPU seconds by Airflow component and its tasks' spans, under its line."""
    shares = ", ".join(f"{name} {seconds:.1f}" for name, seconds in measured.cpu.items())
    print(f"{'':<24} CPU s by component: {shares}", flush=True)
    print(f"{'':<24} task spans, s: {measured.phases}", flush=True)
    peaks = ", ".join(f"{name} {mb:.0f}" for name, mb in measured.peak_mb.items())
    print(f"{'':<24} peak memory MB: {peaks}", flush=True)


def _queued(run: dict) -> float:
    return run["queued_at"].timestamp()


def _end(run: dict) -> float:
    return run["end_date"].timestamp()


def measure(
    sizes: list[int],
    stack: Stack,
    state: Path,
    database,
    profile: bool = False,
    settings: dict[str, str] | None = None,
    one_date_only: bool = False,
    serial_sizes: list[int] | None = None,
) -> dict[int, Measured]:
    """The measurements above; the one-date run of each N. ``profile``: each one-date run
    recorded by py-spy, its CPU per company split by where it went (:mod:`bench.profiles`).
    ``settings``: Airflow settings (``AIRFLOW__...``) over the shipped ones, to measure
    another value; ``one_date_only``: no next date or backfills; ``serial_sizes``: the N
    the serial loop runs for (all by default; at 5,000 it takes 20 minutes)."""
    airflow = LocalAirflow(stack, state, port=free_port(), database=database, extra_env=settings)
    try:
        print(f"Starting a local Airflow in {state} ...", flush=True)
        started = airflow.up()
        print(f"  ready in {started:.0f}s; metadata database {airflow.database.url.split(':')[0]}")
        bench = Bench(airflow, stack)
        # Unpausing schedules today's run over the seeded table: let it pass unmeasured.
        unpause(bench.api, DAG_ID)
        bench.slow_down()
        header = (
            f"{'case':<24} {'N':>5} {'wall s':>7} {'serial s':>8} {'ratio':>6} "
            f"{'CPU ms/co':>9} {'wiki req':>8} {'in flight':>9} {'comprehend':>10} {'rows':>6}"
        )
        print(header)
        one_date: dict[int, Measured] = {}

        def report(case: str, n: int, measured: Measured, serial: float | None) -> None:
            # CPU per company-date: a backfill's rows are its dates' rows together.
            ratio = f"{measured.wall / serial:.2f}" if serial else "-"
            print(
                f"{case:<24} {n:>5} {measured.wall:>7.1f} "
                f"{(f'{serial:.1f}' if serial else '-'):>8} {ratio:>6} "
                f"{1000 * sum(measured.cpu.values()) / max(measured.rows, 1):>9.0f} "
                f"{measured.wikipedia_requests:>8} "
                f"{measured.wikipedia_in_flight:>9} {measured.comprehend_calls:>10} "
                f"{measured.rows:>6}",
                flush=True,
            )
            print_where_it_went(measured)

        for offset, n in enumerate(sizes):
            first_date = FIRST_DATE + timedelta(days=8 * offset)  # dates of its own
            table = bench.table(f"fanout_{n}", "name", companies=n)
            conf = {
                "companies_table": table,
                "max_companies": n,
                "prefix": f"bench/n={n}/",
                "sentiment_cache_table": bench.table(f"fanout_cache_{n}", "text_sha256"),
            }
            serial = bench.serial(n) if serial_sizes is None or n in serial_sizes else None
            profiler = profiles.Profiler(bench.roots(), state / f"profile-{n}") if profile else None
            one_date[n] = bench.measure(conf, [first_date], bench.trigger)
            report("one date", n, one_date[n], serial)
            if profiler is not None:
                print(profiles.table(profiler.stop(), one_date[n].cpu, one_date[n].rows))
            if n == sizes[len(sizes) // 2] and not one_date_only:
                next_day = [first_date + timedelta(days=1)]
                report(
                    "next date, same intros", n, bench.measure(conf, next_day, bench.trigger), None
                )
                unedited = [first_date + timedelta(days=10 + i) for i in range(3)]
                for case, days in (("unedited", unedited), ("edited", EDITED_DATES)):
                    # Caches of its own: each history is read once, as a first backfill does.
                    backfill = bench.measure(
                        bench.fresh_caches(conf, f"bf_{case}_{n}"), days, bench.backfill
                    )
                    report(f"3-date backfill, {case}", n, backfill, None)
                    ratio = backfill.wall / one_date[n].wall
                    print(f"{'':<24} backfill / one date: {ratio:.2f}", flush=True)
    finally:
        airflow.down()
    return one_date


def cpu_per_company(measured: Measured) -> float:
    return 1000 * sum(measured.cpu.values()) / max(measured.rows, 1)


def measure_least_privilege(
    sizes: list[int], stack: Stack, state: Path, dummy: dict[int, Measured]
) -> None:
    """The one-date run of each N again as the pipelines.json user, on an IAM-enforcing
    AWS stand-in and an Airflow of its own (module docstring), against ``dummy``."""
    with (
        EnforcingAws.running(state / "aws-iam") as enforcing,
        throwaway_database(state / "least-privilege") as database,
    ):
        pipelines = enforcing.shipped_user("pipelines.json")
        bootstrap = enforcing.shipped_user("bootstrap.json")
        airflow = LocalAirflow(
            stack,
            state / "least-privilege",
            port=free_port(),
            database=database,
            extra_env={"AIRFLOW_CONN_AWS_DEFAULT": enforcing.connection(pipelines)},
            init_env={"AIRFLOW_CONN_AWS_DEFAULT": enforcing.connection(bootstrap)},
        )
        try:
            print("Starting a second Airflow, aws_default the pipelines.json user ...", flush=True)
            print(f"  ready in {airflow.up():.0f}s")
            bench = Bench(airflow, stack, aws=(enforcing.url, enforcing.admin))
            unpause(bench.api, DAG_ID)  # today's run over the seeded table: unmeasured
            bench.slow_down()
            print(
                f"{'one date':<24} {'N':>5} {'dummy s':>8} {'least-priv s':>12} {'ratio':>6} "
                f"{'CPU ms/co':>9} {'least-priv':>10} {'wiki req':>8} {'comprehend':>10} "
                f"{'rows':>6} {'refused':>7}"
            )
            for offset, n in enumerate(sizes):
                table = bench.table(f"fanout_{n}", "name", companies=n)
                conf = {
                    "companies_table": table,
                    "max_companies": n,
                    # Under the prefix the policy lets the pipelines write.
                    "prefix": f"sentiment/bench/n={n}/",
                    "sentiment_cache_table": bench.table(f"fanout_cache_{n}", "text_sha256"),
                }
                day = FIRST_DATE + timedelta(days=8 * offset)  # the dummy run's date
                measured = bench.measure(conf, [day], bench.trigger)
                refused = bench.aws.denied()
                print(
                    f"{'':<24} {n:>5} {dummy[n].wall:>8.1f} {measured.wall:>12.1f} "
                    f"{measured.wall / dummy[n].wall:>6.2f} {cpu_per_company(dummy[n]):>9.0f} "
                    f"{cpu_per_company(measured):>10.0f} {measured.wikipedia_requests:>8} "
                    f"{measured.comprehend_calls:>10} {measured.rows:>6} {len(refused):>7}",
                    flush=True,
                )
                print_where_it_went(measured)
                if refused:
                    raise RuntimeError(f"IAM refused calls of the pipelines: {refused[:5]}")
        finally:
            airflow.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument(
        "--least-privilege",
        action="store_true",
        help="then each N's one-date run again as the deploy/iam/pipelines.json user, IAM enforced",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record each Airflow process with py-spy during the one-date runs and print "
        "where its CPU per company went",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="AIRFLOW__SECTION__KEY=VALUE",
        help="an Airflow setting over the shipped ones (repeatable), to measure another value",
    )
    parser.add_argument(
        "--one-date-only", action="store_true", help="only the serial loop and one date per N"
    )
    parser.add_argument(
        "--serial-sizes", help="the N to run the serial loop for (default: every N)", default=None
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    settings = dict(setting.split("=", 1) for setting in args.set)
    serial_sizes = [int(n) for n in args.serial_sizes.split(",")] if args.serial_sizes else None
    if settings:
        print("Airflow settings over the shipped ones: " + ", ".join(args.set), flush=True)

    state = Path(tempfile.mkdtemp(prefix="enrichment-fanout-"))
    with Stack.on_free_ports(state / "stack") as stack:
        with throwaway_database(state) as database:
            one_date = measure(
                sizes,
                stack,
                state,
                database,
                args.profile,
                settings,
                args.one_date_only,
                serial_sizes,
            )
        if args.least_privilege:
            measure_least_privilege(sizes, stack, state, one_date)


if __name__ == "__main__":
    main()
