"""Where each Airflow process's CPU goes during a measured run: py-spy samples, grouped.

``bench/fanout.py --profile`` records every Airflow component (and the processes it
starts: ``--subprocesses``) with py-spy while a case runs, then splits each component's
measured CPU seconds by the share of its samples in each group. A sample belongs to the
first group, in this order, that one of its frames belongs to:

- **this project**: a frame of ``enrichment/`` (the triggers' work, the tasks' code);
- **logging**: ``logging``, structlog or Airflow's log modules;
- **database**: SQLAlchemy or a database driver;
- **Execution API**: the Task SDK's API client, the Execution API's routes (in-process
  in the triggerer), httpx and the supervisor's messages to and from its task;
- **Airflow**: any other frame of Airflow (scheduling, serialization, templates,
  Params, ...);
- **other**: the interpreter and libraries outside those.

py-spy samples only threads that are running (not waiting), at :data:`RATE` a second.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE = 100
GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("this project", re.compile(r"[(/]enrichment/")),
    ("logging", re.compile(r"[(/](logging/|structlog/|airflow/sdk/log|airflow/utils/log/)")),
    ("database", re.compile(r"[(/](sqlalchemy/|psycopg2/|asyncpg/|sqlite3/)")),
    (
        "Execution API",
        re.compile(
            r"[(/](airflow/sdk/api/|airflow/api_fastapi/execution_api/|httpx/|httpcore/"
            r"|airflow/sdk/execution_time/(supervisor|comms)\.py)"
        ),
    ),
    ("Airflow", re.compile(r"[(/]airflow/")),
)
OTHER = "other"
NAMES = (*(name for name, _ in GROUPS), OTHER)


def group_of(stack: str) -> str:
    """The group of one sampled stack (py-spy's raw format: frames joined by ``;``)."""
    for name, pattern in GROUPS:
        if pattern.search(stack):
            return name
    return OTHER


def read_samples(path: Path) -> Counter[str]:
    """Samples per group of one py-spy raw file (``stack count`` per line)."""
    groups: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            groups[group_of(stack)] += int(count)
    return groups


class Profiler:
    """py-spy recording each of ``roots`` (component name -> pid) until :meth:`stop`."""

    def __init__(self, roots: dict[str, int], folder: Path) -> None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(py_spy).exists():
            raise SystemExit("py-spy not found: `make .venv/.installed` installs it (dev lock)")
        folder.mkdir(parents=True, exist_ok=True)
        self.files = {name: folder / f"{name}.txt" for name in roots}
        self.recorders = [
            subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--subprocesses",
                    "--rate",
                    str(RATE),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(self.files[name]),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, pid in roots.items()
        ]

    def stop(self) -> dict[str, Counter[str]]:
        """Stop recording; samples per group of each component."""
        for recorder in self.recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for recorder in self.recorders:
            recorder.wait(timeout=60)
        return {
            name: read_samples(path) if path.exists() else Counter()
            for name, path in self.files.items()
        }


def table(samples: dict[str, Counter[str]], cpu: dict[str, float], companies: int) -> str:
    """Per component: its CPU ms per company, split by the share of its samples in each
    group; a last line sums the components."""
    header = f"{'process':<14} {'CPU ms/co':>9} " + " ".join(f"{name:>13}" for name in NAMES)
    lines = [header]
    totals: Counter[str] = Counter()
    for name, seconds in cpu.items():
        counted = samples.get(name, Counter())
        all_samples = sum(counted.values()) or 1
        per_company = 1000 * seconds / max(companies, 1)
        split = {group: per_company * counted[group] / all_samples for group in NAMES}
        totals.update(split)
        lines.append(
            f"{name:<14} {per_company:>9.1f} "
            + " ".join(f"{split[group]:>13.1f}" for group in NAMES)
        )
    lines.append(
        f"{'all':<14} {sum(totals.values()):>9.1f} "
        + " ".join(f"{totals[group]:>13.1f}" for group in NAMES)
    )
    return "\n".join(lines)
