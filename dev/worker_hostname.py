"""``[core] hostname_callable`` of the local Celery workers: each one's own name.

Airflow records where a task instance ran (its ``hostname``) from this callable, and by
default that is the machine's FQDN, the same for every worker on one machine. The local
runner starts each worker with its name (``worker-<n>@<fqdn>``, also its Celery node
name) in the variable below and this callable in its configuration; both the worker's
task supervisor and the task process read it. Workers on machines of their own need
neither: the FQDN already tells them apart.
"""

from __future__ import annotations

import os

WORKER_HOSTNAME_ENV = "ENRICHMENT_WORKER_HOSTNAME"


def hostname() -> str:
    return os.environ[WORKER_HOSTNAME_ENV]
