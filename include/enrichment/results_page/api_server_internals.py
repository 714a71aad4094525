"""What the results pages take from Airflow's API server beyond its public API: the one seam.

The pages are a FastAPI app mounted by the API server (:mod:`.app`), so they use what
the API server's own routes use, each written for and tested against the versions in
:data:`WRITTEN_FOR` (``tests/unit/test_airflow_internals.py`` fails loudly on any other):

- **Login** (:data:`login_required`, :data:`SignedIn`): Airflow does not protect a
  plugin's app, so every route depends on the API server's ``get_user``
  (``airflow.api_fastapi.core_api.security``: the UI's JWT, from the ``_token`` cookie or
  an ``Authorization: Bearer`` header, checked by the configured auth manager).
- **Access to a DAG's runs** (:func:`may_read_runs`): the auth manager's
  ``is_authorized_dag`` for the run entity.
- **A DAG run** (:func:`dag_run`) and **the human-in-the-loop details of company_review's
  questions** (:func:`hitl_details`, :func:`waiting_count`): read from the metadata
  database with Airflow's ORM models (``DagRun``, ``TaskInstance``, ``HITLDetail``) in a
  session of the API server's (``create_session``). The public REST API has the same
  facts (``/api/v2/dags/~/dagRuns/~/hitlDetails``), but only for a caller with a token;
  the pages would call their own server with the user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from airflow.api_fastapi.core_api.security import get_user
from fastapi import Depends

# The Airflow releases these internals were read in and are tested on.
WRITTEN_FOR = ("3.3.1", "3.3.2")

# On every route of the app: no page without a login.
login_required = Depends(get_user)
# The signed-in user, for a route that checks what they may see.
SignedIn = Annotated[Any, Depends(get_user)]


def may_read_runs(dag_id: str, user: Any) -> bool:
    """Whether ``user`` may read ``dag_id``'s runs (the auth manager decides)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import (
        DagAccessEntity,
        DagDetails,
    )

    return get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
    )


@dataclass(frozen=True)
class DagRun:
    """A DAG run as the pages need it: its dates (:mod:`enrichment.run_date`), state, conf."""

    dag_id: str
    run_id: str
    logical_date: datetime | None
    run_after: datetime
    data_interval_end: datetime | None
    state: str
    conf: dict[str, Any]


def dag_run(dag_id: str, run_id: str) -> DagRun | None:
    """``dag_id``'s run ``run_id``, or None."""
    from airflow.models.dagrun import DagRun as DagRunModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = select(DagRunModel).where(DagRunModel.dag_id == dag_id, DagRunModel.run_id == run_id)
    with create_session() as session:
        found = session.scalar(query)
        if found is None:
            return None
        return DagRun(
            dag_id,
            run_id,
            found.logical_date,
            found.run_after,
            found.data_interval_end,
            str(found.state),
            dict(found.conf or {}),
        )


@dataclass(frozen=True)
class HitlDetail:
    """One task instance's question to a person, and its answer if given."""

    task_label: str  # the rendered map index (the company), or the map index
    run_id: str
    map_index: int
    state: str
    subject: str
    options: list[str]
    chosen_options: list[str]
    responded_by: str | None
    created_at: datetime
    responded_at: datetime | None


def _hitl_query(dag_id: str, task_id: str, run_id: str | None, waiting: bool):
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    query = (
        select(TaskInstance, HITLDetail)
        .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
        .where(TaskInstance.dag_id == dag_id, TaskInstance.task_id == task_id)
    )
    if run_id is not None:
        query = query.where(TaskInstance.run_id == run_id)
    if waiting:
        query = query.where(HITLDetail.responded_at.is_(None))
    return query


def hitl_details(
    dag_id: str, task_id: str, *, run_id: str | None = None, limit: int
) -> list[HitlDetail]:
    """The questions of ``task_id``'s instances (of one run, or of all), newest first."""
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session

    query = (
        _hitl_query(dag_id, task_id, run_id, waiting=False)
        .order_by(HITLDetail.created_at.desc())
        .limit(limit)
    )
    with create_session() as session:
        return [
            HitlDetail(
                task_label=ti.rendered_map_index or str(ti.map_index),
                run_id=ti.run_id,
                map_index=ti.map_index,
                state=str(ti.state),
                subject=detail.subject,
                options=list(detail.options),
                chosen_options=list(detail.chosen_options or ()),
                responded_by=(detail.responded_by or {}).get("name"),
                created_at=detail.created_at,
                responded_at=detail.responded_at,
            )
            for ti, detail in session.execute(query)
        ]


def waiting_count(dag_id: str, task_id: str) -> int:
    """``task_id``'s questions nobody has answered yet."""
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    waiting = _hitl_query(dag_id, task_id, None, waiting=True).subquery()
    with create_session() as session:
        return session.scalar(select(func.count()).select_from(waiting)) or 0
