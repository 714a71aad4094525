"""What every results page shares: the app's resources, rendering, errors and access.

A pages module (one per pipeline, e.g. :mod:`.sentiment_pages`) describes itself with a
:class:`Pipeline` and calls the helpers here; :mod:`.app` puts the pipelines together.

- :class:`Resources`: the templates, the AWS clients (``enrichment.clients.Clients``,
  built on first use from ``aws_default`` and shared by the request threads) and each
  pipeline's caches, on ``app.state.results``.
- :func:`render` and :func:`message`: a page, its links kept under the mount point.
- Settings: a pipeline's settings dataclass with the overrides of the request's query
  (:func:`query_settings`) or of a run's conf (:func:`run_settings`).
- Errors: bad input (:class:`BadRequest`), a bad query parameter and AWS errors become a
  page that says so (the handlers :func:`create_app <.app.create_app>` installs).
- :func:`require_run_access`: a run tab is shown only to users who may read the DAG's runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from enrichment import aws
from enrichment.clients import Clients
from enrichment.results_page import api_server_internals, charts

log = logging.getLogger(__name__)


class BadRequest(ValueError):
    """Input the page explains instead of answering."""


@dataclass(frozen=True)
class Run:
    """The DAG run a run tab shows: ``ds`` is the date it files its output under."""

    dag_id: str
    run_id: str
    ds: str
    state: str
    conf: dict[str, Any]


@dataclass(frozen=True)
class Pipeline:
    """What the results page shows of one DAG (one pages module each)."""

    dag_id: str
    title: str  # its link in the navigation bar
    home: str  # the path that link opens
    router: APIRouter  # its pages
    run_tab: Callable[[Request, Run], HTMLResponse]  # the page of one of its runs
    caches: Callable[[], Any]  # a new set of its pages' caches, one per app


class Resources:
    """What the routes share, on ``app.state.results``: templates, clients and the caches
    of each pipeline's pages (by DAG id)."""

    def __init__(self, pipelines: Iterable[Pipeline] = ()) -> None:
        self.templates = Environment(
            loader=PackageLoader("enrichment.results_page", "templates"),
            autoescape=select_autoescape(default=True),
        )
        # Crawled URLs are shown as links only when they are web addresses.
        self.templates.tests["web_url"] = lambda value: (
            isinstance(value, str) and (value.startswith(("http://", "https://")))
        )
        self.clients = Clients()
        self.pipelines = tuple(pipelines)
        self.caches: dict[str, Any] = {p.dag_id: p.caches() for p in self.pipelines}


def resources(request: Request) -> Resources:
    return request.app.state.results


def s3_client(request: Request):
    return resources(request).clients.get("s3", aws.s3_client)


def dynamodb_client(request: Request):
    return resources(request).clients.get("dynamodb", aws.dynamodb_client)


def query_settings(cls: type, names: tuple[str, ...], request: Request):
    """The pipeline's settings, with the names the request sets (validated as Params)."""
    try:
        return cls(**carried(request, names))
    except ValueError as error:
        raise BadRequest(str(error)) from None


def carried(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The settings overrides of this request, kept on every link of the page."""
    return {name: request.query_params[name] for name in names if request.query_params.get(name)}


def run_settings(cls: type, conf: dict[str, Any]):
    """The settings a run used: its conf over the defaults (other keys ignored)."""
    try:
        return cls.from_conf(conf)
    except (ValueError, TypeError) as error:
        raise BadRequest(f"the run's conf is not valid for its DAG: {error}") from None


def _url(base: str, path: str, query: dict[str, Any]) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "", False)}
    return f"{base}{path}" + (f"?{urlencode(kept)}" if kept else "")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template``; its links stay under the app's mount point."""
    base = request.scope.get("root_path", "")

    def link(path: str, **query: Any) -> str:
        return _url(base, path, query)

    def ui(path: str, **query: Any) -> str:
        """A page of Airflow's UI: the app is mounted one segment below the UI's root."""
        return _url(base.rsplit("/", 1)[0], path, query)

    shared = resources(request)
    html = shared.templates.get_template(template).render(
        link=link, ui=ui, colours=charts.COLOURS, pipelines=shared.pipelines, **context
    )
    return HTMLResponse(html, status_code=status)


def message(request: Request, title: str, text: str, status: int = 200, **context) -> HTMLResponse:
    return render(request, "message.html", status, title=title, message=text, **context)


def bad_request(request: Request, error: Exception) -> HTMLResponse:
    return message(request, "Cannot show this", str(error), 400)


def invalid_parameter(request: Request, error: Exception) -> HTMLResponse:
    """FastAPI's check of a query parameter (``dates=abc``), said on the page."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
        for problem in error.errors()  # type: ignore[attr-defined]
    )
    return message(request, "Cannot show this", problems, 400)


def aws_error(request: Request, error: Exception) -> HTMLResponse:
    log.warning("results page: %s", error)
    return message(request, "Cannot read the results", _aws_message(error))


def _aws_message(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        code = error.response["Error"]["Code"]
        messages = {
            "NoSuchBucket": "the bucket does not exist",
            "ResourceNotFoundException": "the table does not exist",
            "AccessDenied": "the aws_default connection may not read it",
        }
        return f"{messages.get(code, code)} ({error})"
    return f"AWS could not be reached through aws_default: {error}"


def require_run_access(dag_id: str, user: Any) -> None:
    """The user may read the DAG's runs (the auth manager decides), else 403."""
    if not api_server_internals.may_read_runs(dag_id, user):
        raise HTTPException(403, "Forbidden")
