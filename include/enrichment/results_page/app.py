"""The results pages: a FastAPI app the API server mounts under ``/enrichment-results``.

Airflow does not protect a plugin's app, so every route depends on Airflow's own
``get_user`` (the UI's JWT, from the ``_token`` cookie or an ``Authorization: Bearer``
header, checked by the configured auth manager): 401 without one. Pages are rendered on
the server with Jinja2 (autoescaped) and inline SVG; nothing is loaded from elsewhere.

Each pipeline's pages live in a pages module of their own, listed in :data:`PIPELINES`:
the app serves their routes, shows their links in the navigation bar and sends each DAG
run's "Results" tab to the run tab of its DAG. Showing a new pipeline is one pages module
and one line in that table.

Names (bucket, prefixes, tables) default to the pipelines' settings dataclasses and can
be changed per page with query parameters of the same names. Bad input, missing or
unreadable data give a page saying so, never an error page of the server.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from enrichment.results_page import (
    api_server_internals,
    core,
    image_pages,
    review_pages,
    sentiment_pages,
)
from enrichment.run_date import partition_date

# The pipelines the page shows, by DAG id, in the order of the navigation bar.
PIPELINES: dict[str, core.Pipeline] = {
    pipeline.dag_id: pipeline
    for pipeline in (
        sentiment_pages.PIPELINE,
        review_pages.PIPELINE,
        image_pages.PIPELINE,
    )
}

router = APIRouter()


@router.get("/runs/{dag_id}/{run_id:path}", response_class=HTMLResponse)
def run_result(
    request: Request, dag_id: str, run_id: str, user: api_server_internals.SignedIn
) -> HTMLResponse:
    """The "Results" tab of a DAG run: its DAG's run tab, for the date the run files
    its output under, with the settings of its conf."""
    core.require_run_access(dag_id, user)
    dag_run = api_server_internals.dag_run(dag_id, run_id)
    if dag_run is None:
        return core.message(request, "No such run", f"{dag_id} has no run {run_id!r}", 404)
    pipeline = PIPELINES.get(dag_id)
    if pipeline is None:
        shown = ", ".join(PIPELINES)
        return core.message(
            request, dag_id, f"{dag_id} writes no result this page shows; it shows {shown}"
        )
    run = core.Run(dag_id, run_id, partition_date(dag_run), dag_run.state, dag_run.conf or {})
    return pipeline.run_tab(request, run)


def create_app() -> FastAPI:
    """The app the plugin mounts (built once per API server, on its first request)."""
    from botocore.exceptions import BotoCoreError, ClientError

    app = FastAPI(
        title="Enrichment results",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # On every route, those of the pages modules included: no page without a login.
        dependencies=[api_server_internals.login_required],
    )
    app.state.results = core.Resources(PIPELINES.values())
    for pipeline in PIPELINES.values():
        app.include_router(pipeline.router)
    app.include_router(router)
    app.add_exception_handler(core.BadRequest, core.bad_request)
    app.add_exception_handler(RequestValidationError, core.invalid_parameter)
    app.add_exception_handler(ClientError, core.aws_error)
    app.add_exception_handler(BotoCoreError, core.aws_error)
    return app
