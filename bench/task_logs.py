"""What shipping task logs to CloudWatch costs for one company_sentiment run, against
the amazon provider's own CloudWatch log IO in the same bench.

Starts a local Airflow exactly as ``make airflow`` does with
``ENRICHMENT_REMOTE_LOGS=cloudwatch`` (deploy/task-logs.env: the project's log IO,
enrichment.task_logs), seeds a table of N made-up companies, runs company_sentiment over
it once and reads back from the AWS stand-in what reached CloudWatch Logs for that run:
bytes as CloudWatch bills ingestion (each event's message plus 26 bytes), events and
streams; with the PutLogEvents calls the stand-in counted, the run's wall time and the
threads the triggerer holds afterwards. Then the same with the provider's log IO
(Airflow's default logging configuration: watchtower streaming), for the ratios.

    .venv/bin/python -m bench.task_logs [--companies 500]

Figures and what they cost: docs/operations.md#task-logs.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.fanout import Bench
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import unpause
from dev.metadata_database import throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from enrichment.task_logs import EVENT_OVERHEAD, log_group_of

DAG_ID = "company_sentiment"
# CloudWatch Logs' standard ingestion price, us-east-1 (USD per GB).
INGESTION_PER_GB = 0.50
RUN_DATE = date(2026, 11, 2)


@dataclass
class Shipped:
    bytes: int
    events: int
    streams: int
    put_calls: int
    wall: float
    triggerer_threads: int


def threads(pid: int) -> int:
    """Threads of ``pid`` and its children (the triggerer runs its triggers in a child)."""
    total = 0
    for task in Path("/proc").iterdir():
        if task.name.isdigit():
            try:
                status = (task / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            if int(task.name) == pid or int(fields.get("PPid", 0)) == pid:
                total += int(fields["Threads"])
    return total


def shipped(bench: Bench, group: str, run_id: str) -> tuple[int, int, int]:
    """Bytes as billed, events and streams of ``run_id`` in ``group``."""
    import boto3

    logs = boto3.client(
        "logs",
        endpoint_url=bench.stack.url("aws"),
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    prefix = f"dag_id={DAG_ID}/run_id={run_id}".replace(":", "_")
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, logStreamNamePrefix=prefix
    )
    streams = [s["logStreamName"] for page in pages for s in page["logStreams"]]
    size = events = 0
    for stream in streams:
        token = None
        while True:
            page = logs.get_log_events(
                logGroupName=group,
                logStreamName=stream,
                startFromHead=True,
                **({"nextToken": token} if token else {}),
            )
            size += sum(len(e["message"].encode()) + EVENT_OVERHEAD for e in page["events"])
            events += len(page["events"])
            if not page["events"] or page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
    return size, events, len(streams)


def measure(companies: int, provider_io: bool, workdir: Path) -> Shipped:
    state = workdir / ("provider" if provider_io else "project")
    with Stack.on_free_ports(state) as stack, throwaway_database(state) as database:
        # The provider's own IO: Airflow's default logging configuration, same folder.
        extra = {"AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS": ""} if provider_io else {}
        airflow = LocalAirflow(
            stack,
            state,
            port=free_port(),
            database=database,
            remote_logs="cloudwatch",
            extra_env=extra,
        )
        try:
            airflow.up()
            bench = Bench(airflow, stack)
            unpause(bench.api, DAG_ID)  # today's run of the seeded table, unmeasured
            table = bench.table(f"task_logs_{companies}", "name", companies=companies)
            conf = {"companies_table": table, "prefix": "bench-task-logs/"}
            bench.aws.reset()
            (run_id,) = bench.trigger([RUN_DATE], conf)
            (run,) = bench.wait([run_id])
            if run["state"] != "success":
                raise RuntimeError(f"{run_id} {run['state']}")
            wall = (run["end_date"] - run["queued_at"]).total_seconds()
            put_calls = bench.aws.calls("PutLogEvents")
            folder = airflow.task_log_settings()["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"]
            size, events, streams = shipped(bench, log_group_of(folder), run_id)
            triggerer = airflow.process("triggerer").running()[0]
            return Shipped(size, events, streams, put_calls, wall, threads(triggerer))
        finally:
            airflow.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-task-logs-") as workdir:
        ours = measure(args.companies, provider_io=False, workdir=Path(workdir))
        theirs = measure(args.companies, provider_io=True, workdir=Path(workdir))
    n = args.companies
    print(f"company_sentiment, {n} companies, task logs to CloudWatch Logs (stand-in)")
    print(f"{'':<28} {'project IO':>12} {'provider IO':>12} {'ratio':>7}")
    for label, field in (
        ("bytes ingested", "bytes"),
        ("events", "events"),
        ("log streams", "streams"),
        ("PutLogEvents calls", "put_calls"),
        ("triggerer threads after", "triggerer_threads"),
        ("run wall s", "wall"),
    ):
        a, b = getattr(ours, field), getattr(theirs, field)
        print(f"{label:<28} {a:>12.0f} {b:>12.0f} {a / b if b else float('nan'):>7.2f}")
    per_company = ours.bytes / n
    per_run_usd = ours.bytes / 1e9 * INGESTION_PER_GB
    print(
        f"per company {per_company:.0f} bytes; one run {ours.bytes / 1e6:.2f} MB, "
        f"${per_run_usd:.5f} of ingestion at ${INGESTION_PER_GB}/GB "
        f"(${per_run_usd * 365:.3f} a year of daily runs)"
    )


if __name__ == "__main__":
    main()
