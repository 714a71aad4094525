"""When a DAG run is: the date it files its output under, and the moment it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class DagRunDates(Protocol):
    """What these functions read of a DAG run (``dag_run`` in a task's context)."""

    logical_date: datetime | None
    run_after: datetime
    data_interval_end: datetime | None


def partition_date(dag_run: DagRunDates) -> str:
    """``YYYY-MM-DD`` of the run's logical date: its Hive partition ``ds=YYYY-MM-DD``.

    Airflow 3 lets a manual run have no logical date; such a run is filed under the day
    it was asked to run after.
    """
    return (dag_run.logical_date or dag_run.run_after).date().isoformat()


def run_moment(dag_run: DagRunDates) -> datetime:
    """The moment the run describes: the end of its data interval (with the project's
    ``@daily`` cron schedule, Airflow's trigger timetable makes that the logical date,
    midnight UTC of the run's date), so a backfilled or re-run date describes that date
    whenever it runs. A manual run without a logical date has no interval: it describes
    the moment it was created."""
    return dag_run.data_interval_end or dag_run.run_after
