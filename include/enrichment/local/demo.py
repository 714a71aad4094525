"""The main job on the local stand-ins: ``make demo``.

Starts the stand-ins, prepares Airflow's metadata database, bootstraps tables, bucket,
seed and pool, runs the ``company_sentiment`` DAG for one date with ``airflow dags test``
and prints one line per company and the S3 URI of the result. The stand-ins are stopped
at the end (also on failure or Ctrl-C), so running it again starts clean.

    python -m enrichment.local.demo [--date YYYY-MM-DD] [--keep-running]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from enrichment.local.stack import Stack, airflow_env

DAG_ID = "company_sentiment"


def _run(step: str, command: list[str], env: dict[str, str], log_path: Path) -> float:
    """Run one step with its output in ``log_path``; on failure show the log's tail."""
    started = time.monotonic()
    print(f"  {step} ...", end=" ", flush=True)
    with log_path.open("w") as log:
        result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print("FAILED")
        print(log_path.read_text(errors="replace")[-4000:])
        raise SystemExit(f"{step} failed (exit {result.returncode}); full log: {log_path}")
    print(f"done in {elapsed:.1f}s")
    return elapsed


def _summary(csv_text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    lines = [f"{'company':<22} {'status':<10} {'sentiment':<9} pos   neg   neu   mix"]
    for row in rows:
        scores = "  ".join(
            f"{float(row[c]):.2f}" if row[c] else "  - "
            for c in ("positive", "negative", "neutral", "mixed")
        )
        lines.append(
            f"{row['name'][:22]:<22} {row['status']:<10} {row['sentiment'] or '-':<9} {scores}"
        )
    counts = Counter(row["status"] for row in rows)
    lines.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the stand-ins up afterwards"
    )
    args = parser.parse_args()
    ds = args.date.isoformat()
    stack = Stack()
    logs = stack.state_dir / "logs"
    env = os.environ | airflow_env(stack.state_dir) | stack.connection_env()
    airflow = str(Path(sys.executable).with_name("airflow"))
    started = time.monotonic()
    try:
        print(f"Local stand-ins: AWS {stack.url('aws')}, Wikipedia {stack.url('wikipedia')}")
        stack.up()
        _run("airflow db migrate", [airflow, "db", "migrate"], env, logs / "db-migrate.log")
        _run(
            "bootstrap tables, bucket, seed, pool",
            [sys.executable, "-m", "enrichment.bootstrap"],
            env,
            logs / "bootstrap.log",
        )
        _run(
            f"{DAG_ID} for {ds}",
            [airflow, "dags", "test", DAG_ID, ds],
            env,
            logs / f"{DAG_ID}-{ds}.log",
        )
        # Reading the file back is the demo's business; the hook's credential notes are not.
        os.environ.update(env, AIRFLOW__LOGGING__NAMESPACE_LEVELS="airflow.providers=WARNING")
        from enrichment import companies, results

        key = results.sentiment_key(results.SENTIMENT_PREFIX, ds, companies.COMPANIES_TABLE)
        print()
        print(_summary(results.get_text(results.SENTIMENT_BUCKET, key)))
        print(f"\nResult: s3://{results.SENTIMENT_BUCKET}/{key}")
        print(f"Logs:   {logs}/  (total {time.monotonic() - started:.1f}s)")
    finally:
        if not args.keep_running:
            stack.down()


if __name__ == "__main__":
    main()
