"""DAG parse cost: how long each file in dags/ takes to import in a fresh interpreter.

Every task process parses its DAG file again, so this cost is paid once per task
instance. Prints, per file, the import time of the file itself (after Airflow's own
start-up, which every task pays anyway) over several fresh interpreters, the wall time
of such a whole process, and the parse duration Airflow's DagBag records for the file.

    .venv/bin/python -m bench.parse_time [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from dev import PROJECT_ROOT
from dev.stack import airflow_env

PROBE = PROJECT_ROOT / "dev" / "parse_probe.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.update(airflow_env())
    from airflow.dag_processing.dagbag import DagBag

    header = f"{'dag file':<24} {'import ms':>10} {'min ms':>8} {'max ms':>8}"
    print(f"{header} {'process s':>10} {'DagBag ms':>10}")
    for dag_file in sorted((PROJECT_ROOT / "dags").glob("*.py")):
        imports, processes = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, str(PROBE), str(dag_file)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            processes.append(time.perf_counter() - started)
            imports.append(json.loads(out.splitlines()[-1])["seconds"] * 1000)
        (stats,) = DagBag(dag_folder=str(dag_file)).dagbag_stats
        print(
            f"{dag_file.name:<24} {statistics.median(imports):>10.1f} {min(imports):>8.1f} "
            f"{max(imports):>8.1f} {statistics.median(processes):>10.2f} "
            f"{stats.duration.total_seconds() * 1000:>10.1f}"
        )


if __name__ == "__main__":
    main()
