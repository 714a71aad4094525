"""The company_review pages: the reviews asked and their answers, and a review run's tab.

A review is one ``review.ask`` task instance with its human-in-the-loop detail, read from
Airflow's metadata database (the API server's own session): who was asked about, when,
how many candidates, and the answer, by whom and when. Each waiting review links to
its form in Airflow's *Required actions*; the overview's count (:func:`waiting_count`)
links to the list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from enrichment.company_review.questions import FIXED_OPTIONS
from enrichment.results_page import core

DAG_ID = "company_review"
ASK_TASK_ID = "review.ask"
MAX_SHOWN = 500


@dataclass(frozen=True)
class ReviewLine:
    """One company's review in one run."""

    company: str
    run_id: str
    map_index: int
    state: str
    subject: str
    candidates: int
    asked_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None

    @property
    def waiting(self) -> bool:
        return self.answered_at is None

    @property
    def ui_path(self) -> str:
        """Its form in Airflow's UI (Required actions of this task instance)."""
        return (
            f"/dags/{DAG_ID}/runs/{self.run_id}/tasks/{ASK_TASK_ID}"
            f"/mapped/{self.map_index}/required_actions"
        )


def _query(session, *, run_id: str | None = None, waiting: bool = False):
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance as TI
    from sqlalchemy import select

    query = (
        select(TI, HITLDetail)
        .join(HITLDetail, HITLDetail.ti_id == TI.id)
        .where(TI.dag_id == DAG_ID, TI.task_id == ASK_TASK_ID)
    )
    if run_id is not None:
        query = query.where(TI.run_id == run_id)
    if waiting:
        query = query.where(HITLDetail.responded_at.is_(None))
    return query


def reviews(session, run_id: str | None = None) -> list[ReviewLine]:
    """The reviews (of one run, or of all), waiting ones first, newest first."""
    from airflow.models.hitl import HITLDetail

    query = _query(session, run_id=run_id).order_by(HITLDetail.created_at.desc()).limit(MAX_SHOWN)
    lines = []
    for ti, detail in session.execute(query):
        chosen = detail.chosen_options or []
        lines.append(
            ReviewLine(
                company=ti.rendered_map_index or str(ti.map_index),
                run_id=ti.run_id,
                map_index=ti.map_index,
                state=str(ti.state),
                subject=detail.subject,
                candidates=len([o for o in detail.options if o not in FIXED_OPTIONS]),
                asked_at=detail.created_at,
                answer=chosen[0] if chosen else None,
                answered_by=(detail.responded_by or {}).get("name"),
                answered_at=detail.responded_at,
            )
        )
    return sorted(lines, key=lambda line: not line.waiting)


def waiting_count(session) -> int:
    """Reviews nobody has answered yet."""
    from sqlalchemy import func, select

    waiting = _query(session, waiting=True).subquery()
    return session.scalar(select(func.count()).select_from(waiting)) or 0


router = APIRouter()


@router.get("/reviews", response_class=HTMLResponse)
def all_reviews(request: Request, session: SessionDep) -> HTMLResponse:
    return core.render(request, "reviews.html", lines=reviews(session), run=None)


def run_tab(request: Request, run: core.Run) -> HTMLResponse:
    """The reviews one company_review run asked."""
    from airflow.utils.session import create_session

    with create_session() as session:
        lines = reviews(session, run.run_id)
    return core.render(request, "reviews.html", lines=lines, run=run)


PIPELINE = core.Pipeline(
    dag_id=DAG_ID,
    title="Company reviews",
    home="/reviews",
    router=router,
    run_tab=run_tab,
    caches=dict,
)
