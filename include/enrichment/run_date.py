"""The dates of a DAG run: the partition it files its output under (``ds=YYYY-MM-DD``)
and the moment it describes (the end of its data interval)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class DagRunDates(Protocol):
    """What this module reads of a DAG run (``dag_run`` in a task's context)."""

    logical_date: datetime | None
    data_interval_end: datetime | None
    run_after: datetime


def partition_date(dag_run: DagRunDates) -> str:
    """``YYYY-MM-DD`` of the run's logical date.

    Airflow 3 lets a manual run have no logical date; such a run is filed under the day
    it was asked to run after.
    """
    return (dag_run.logical_date or dag_run.run_after).date().isoformat()


def interval_end(dag_run: DagRunDates) -> datetime:
    """The moment the run describes: the end of its data interval.

    A manual run without a logical date has no data interval; it describes the moment
    it was asked to run after (when it was triggered, unless the trigger said later).
    """
    return dag_run.data_interval_end or dag_run.run_after
