"""The date a DAG run files its output under: its Hive partition ``ds=YYYY-MM-DD``."""

from __future__ import annotations

from typing import Protocol


class DagRunDates(Protocol):
    """What :func:`partition_date` reads of a DAG run (``dag_run`` in a task's context)."""

    logical_date: object
    run_after: object


def partition_date(dag_run: DagRunDates) -> str:
    """``YYYY-MM-DD`` of the run's logical date.

    Airflow 3 lets a manual run have no logical date; such a run is filed under the day
    it was asked to run after.
    """
    return (dag_run.logical_date or dag_run.run_after).date().isoformat()
