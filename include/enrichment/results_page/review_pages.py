"""The company_review pages: the reviews asked and their answers, and a review run's tab.

A review is one ``review.ask`` task instance with its human-in-the-loop detail, read from
Airflow's metadata database (:mod:`.api_server_internals`): who was asked about, when,
how many candidates, and the answer, by whom and when. Each waiting review links to
its form in Airflow's *Required actions*; the overview's count (:func:`waiting_count`)
links to the list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from enrichment.company_review.questions import FIXED_OPTIONS
from enrichment.results_page import api_server_internals, core

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


def reviews(run_id: str | None = None) -> list[ReviewLine]:
    """The reviews (of one run, or of all), waiting ones first, newest first."""
    details = api_server_internals.hitl_details(DAG_ID, ASK_TASK_ID, run_id=run_id, limit=MAX_SHOWN)
    lines = [
        ReviewLine(
            company=detail.task_label,
            run_id=detail.run_id,
            map_index=detail.map_index,
            state=detail.state,
            subject=detail.subject,
            candidates=len([o for o in detail.options if o not in FIXED_OPTIONS]),
            asked_at=detail.created_at,
            answer=detail.chosen_options[0] if detail.chosen_options else None,
            answered_by=detail.responded_by,
            answered_at=detail.responded_at,
        )
        for detail in details
    ]
    return sorted(lines, key=lambda line: not line.waiting)


def waiting_count() -> int:
    """Reviews nobody has answered yet."""
    return api_server_internals.waiting_count(DAG_ID, ASK_TASK_ID)


router = APIRouter()


@router.get("/reviews", response_class=HTMLResponse)
def all_reviews(request: Request) -> HTMLResponse:
    return core.render(request, "reviews.html", lines=reviews(), run=None)


def run_tab(request: Request, run: core.Run) -> HTMLResponse:
    """The reviews one company_review run asked."""
    lines = reviews(run.run_id)
    return core.render(request, "reviews.html", lines=lines, run=run)


PIPELINE = core.Pipeline(
    dag_id=DAG_ID,
    title="Company reviews",
    home="/reviews",
    router=router,
    run_tab=run_tab,
    caches=dict,
)
