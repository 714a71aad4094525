"""Development tooling: the local stand-ins, the stack that runs them, a local Airflow and
the demo (``make demo``, ``make airflow``, ``make stack-up``).

Not part of the installed package, the wheel or the Airflow image: nothing here runs in
production. Run the modules from the project root (``python -m dev.stack up``), as the
Makefile does; they start their own subprocesses there too.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
