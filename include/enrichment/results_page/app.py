"""The results pages: a FastAPI app the API server mounts under ``/enrichment-results``.

Airflow does not protect a plugin's app, so every route depends on Airflow's own
``get_user`` (the UI's JWT, from the ``_token`` cookie or an ``Authorization: Bearer``
header, checked by the configured auth manager): 401 without one. Pages are rendered on
the server with Jinja2 (autoescaped) and inline SVG; nothing is loaded from elsewhere.

Names (bucket, prefixes, tables) default to the pipelines' settings dataclasses and can
be changed per page with query parameters of the same names. Bad input, missing or
unreadable data give a page saying so, never an error page of the server.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep, get_user
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from enrichment import aws
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.results_page import charts, image_gallery, sentiment_history
from enrichment.results_page.sentiment_history import SCORES, SENTIMENTS, STATUSES
from enrichment.run_date import partition_date

log = logging.getLogger(__name__)

SENTIMENT_DAG = "company_sentiment"
IMAGE_DAG = "image_labels"
# The settings a page may change through query parameters of the same name.
SENTIMENT_NAMES = ("bucket", "prefix", "companies_table")
IMAGE_NAMES = ("bucket", "labels_table", "image_prefix", "report_prefix")
MAX_DATES = 90
PER_PAGE = 60
OVERVIEWS_KEPT = 8


class BadRequest(ValueError):
    """Input the page explains instead of answering."""


class Clients:
    """The app's S3 and DynamoDB clients, built on first use from ``aws_default`` and
    shared by the request threads (boto3 clients are thread-safe)."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:  # one connection lookup, even when the first requests overlap
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    @property
    def s3(self):
        return self._get("s3", aws.s3_client)

    @property
    def dynamodb(self):
        return self._get("dynamodb", aws.dynamodb_client)


def _settings(cls: type, names: tuple[str, ...], request: Request):
    """The pipeline's settings, with the names the request sets (validated as Params)."""
    try:
        return cls(**_carried(request, names))
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _carried(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The settings overrides of this request, kept on every link of the page."""
    return {name: request.query_params[name] for name in names if request.query_params.get(name)}


def _dates(dates: int) -> int:
    if not 1 <= dates <= MAX_DATES:
        raise BadRequest(f"dates must be between 1 and {MAX_DATES}, not {dates}")
    return dates


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


class Resources:
    """What the routes share, on ``app.state.results``: templates, clients, parsed files,
    scanned tables and computed overviews."""

    def __init__(self) -> None:
        self.templates = Environment(
            loader=PackageLoader("enrichment.results_page", "templates"),
            autoescape=select_autoescape(default=True),
        )
        # Crawled URLs are shown as links only when they are web addresses.
        self.templates.tests["web_url"] = lambda value: (
            isinstance(value, str) and (value.startswith(("http://", "https://")))
        )
        self.clients = Clients()
        self.parsed_files = sentiment_history.ParsedFiles()
        self.scanned_images = image_gallery.ScannedImages()
        # The overview's lines, sparklines and bars by the files they came from.
        self.overviews: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def overview(self, history: sentiment_history.History) -> tuple:
        """Lines, sparklines by name and the bars of ``history``, computed once per set
        of files (their ETags) read."""
        key = (
            tuple((ds, file.key, file.etag) for ds, file in history.files.items()),
            tuple(history.readable_dates),
        )
        with self.lock:
            if key in self.overviews:
                self.overviews.move_to_end(key)
                return self.overviews[key]
        lines = sentiment_history.company_lines(history)
        sparks = {
            line.name: charts.sparkline(
                {
                    score: [getattr(row, score) if row else None for _, row in line.series]
                    for score in ("positive", "negative")
                }
            )
            for line in lines
        }
        bars = charts.label_bars(sentiment_history.sentiment_counts(history))
        with self.lock:
            self.overviews[key] = (lines, sparks, bars)
            while len(self.overviews) > OVERVIEWS_KEPT:
                self.overviews.popitem(last=False)
        return lines, sparks, bars


def _resources(request: Request) -> Resources:
    return request.app.state.results


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template``; its links stay under the app's mount point."""
    base = request.scope.get("root_path", "")

    def link(path: str, **query: Any) -> str:
        kept = {k: v for k, v in query.items() if v not in (None, "", False)}
        return f"{base}{path}" + (f"?{urlencode(kept)}" if kept else "")

    html = (
        _resources(request)
        .templates.get_template(template)
        .render(link=link, colours=charts.COLOURS, **context)
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


router = APIRouter(dependencies=[Depends(get_user)])


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    dates: int = 30,
    status: str | None = None,
    sentiment: str | None = None,
    changed: bool = False,
    name: str | None = None,
) -> HTMLResponse:
    settings = _settings(SentimentSettings, SENTIMENT_NAMES, request)
    try:
        filters = sentiment_history.Filters(status or None, sentiment or None, changed, name)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    shared = _resources(request)
    history = sentiment_history.load_history(
        shared.clients.s3, settings, _dates(dates), shared.parsed_files
    )
    lines, sparks, bars = shared.overview(history)
    shown = [line for line in lines if filters.keep(line)]
    return render(
        request,
        "overview.html",
        settings=settings,
        history=history,
        lines=shown,
        total=len(lines),
        changed_count=sum(line.changed for line in lines),
        sparks=sparks,
        bars=bars,
        filters=filters,
        dates=dates,
        statuses=STATUSES,
        sentiments=SENTIMENTS,
        carry=_carried(request, SENTIMENT_NAMES),
    )


@router.get("/company", response_class=HTMLResponse)
def company(request: Request, name: str, dates: int = 30) -> HTMLResponse:
    settings = _settings(SentimentSettings, SENTIMENT_NAMES, request)
    shared = _resources(request)
    history = sentiment_history.load_history(
        shared.clients.s3, settings, _dates(dates), shared.parsed_files
    )
    carry = _carried(request, SENTIMENT_NAMES)
    series = history.series(name)
    if not any(row for _, row in series):
        text = (
            f"{name!r} has no row in the last {dates} dates of "
            f"s3://{settings.bucket}/{settings.prefix}"
        )
        return message(request, name, text, 404, carry=carry)
    chart = charts.score_chart(
        [ds for ds, _ in series],
        {score: [getattr(row, score) if row else None for _, row in series] for score in SCORES},
    )
    return render(
        request,
        "company.html",
        name=name,
        settings=settings,
        history=history,
        series=list(reversed(series)),
        latest=next(row for _, row in reversed(series) if row),
        chart=chart,
        dates=dates,
        carry=carry,
    )


@router.get("/images", response_class=HTMLResponse)
def images(
    request: Request,
    label: str | None = None,
    site: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = PER_PAGE,
) -> HTMLResponse:
    settings = _settings(ImageLabelsSettings, IMAGE_NAMES, request)
    filters = image_gallery.GalleryFilters(label or None, site or None)
    shared = _resources(request)
    scanned = image_gallery.cached_scan(
        shared.clients.s3, shared.clients.dynamodb, settings, shared.scanned_images
    )
    found = image_gallery.gallery(scanned, filters)
    return render(
        request,
        "gallery.html",
        settings=settings,
        gallery=found,
        shown=found.images[(page - 1) * per_page : page * per_page],
        filters=filters,
        page=page,
        pages=max(1, -(-len(found.images) // per_page)),
        per_page=per_page,
        carry=_carried(request, IMAGE_NAMES),
    )


@router.get("/images/{image_id}", response_class=HTMLResponse)
def image(request: Request, image_id: str) -> HTMLResponse:
    settings = _settings(ImageLabelsSettings, IMAGE_NAMES, request)
    carry = _carried(request, IMAGE_NAMES)
    dynamodb = _resources(request).clients.dynamodb
    found = image_gallery.get_image(dynamodb, settings.labels_table, image_id)
    if found is None:
        text = f"table {settings.labels_table} has no image {image_id!r}"
        return message(request, "No such image", text, 404, carry=carry)
    return render(request, "image.html", image=found, settings=settings, carry=carry)


@router.get("/image-files/{file_name}")
def image_file(request: Request, file_name: str) -> Response:
    settings = _settings(ImageLabelsSettings, IMAGE_NAMES, request)
    key = image_gallery.image_object_key(settings, file_name)
    if key is None:  # not <64 hex>.<png|jpg>: S3 is not asked
        raise HTTPException(404, "no such image")
    found = image_gallery.open_image(_resources(request).clients.s3, settings.bucket, key)
    if found is None:
        raise HTTPException(404, "no such image")
    return StreamingResponse(
        found.chunks,
        media_type=found.content_type,
        headers={
            "Content-Length": str(found.length),
            "ETag": found.etag,
            # Named by the SHA-256 of its bytes: the same name never means other bytes.
            "Cache-Control": "private, max-age=86400, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/runs/{dag_id}/{run_id:path}", response_class=HTMLResponse)
def run_result(
    request: Request, dag_id: str, run_id: str, user: GetUserDep, session: SessionDep
) -> HTMLResponse:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    _require_run_access(dag_id, user)
    dag_run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    if dag_run is None:
        return message(request, "No such run", f"{dag_id} has no run {run_id!r}", 404)
    ds = partition_date(dag_run)
    context = {"dag_id": dag_id, "run_id": run_id, "ds": ds, "state": dag_run.state}
    conf = dag_run.conf or {}
    s3 = _resources(request).clients.s3
    if dag_id == SENTIMENT_DAG:
        settings = _run_settings(SentimentSettings, conf)
        key, parsed = sentiment_history.read_date(
            s3, settings, ds, _resources(request).parsed_files
        )
        rows = sorted(parsed.rows.values(), key=lambda row: row.name)
        context |= {"settings": settings, "key": key, "parsed": parsed, "rows": rows}
        return render(request, "run_sentiment.html", **context)
    if dag_id == IMAGE_DAG:
        settings = _run_settings(ImageLabelsSettings, conf)
        try:
            key, summary = image_gallery.read_summary(s3, settings, ds)
        except image_gallery.UnreadableSummary as error:
            return message(request, f"{dag_id} for {ds}", str(error))
        context |= {"settings": settings, "key": key, "summary": summary}
        return render(request, "run_images.html", **context)
    text = f"{dag_id} writes no result this page shows; it shows {SENTIMENT_DAG} and {IMAGE_DAG}"
    return message(request, dag_id, text)


def create_app() -> FastAPI:
    """The app the plugin mounts (built once per API server, on its first request)."""
    from botocore.exceptions import BotoCoreError, ClientError

    app = FastAPI(title="Enrichment results", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.results = Resources()
    app.include_router(router)
    app.add_exception_handler(BadRequest, bad_request)
    app.add_exception_handler(RequestValidationError, invalid_parameter)
    app.add_exception_handler(ClientError, aws_error)
    app.add_exception_handler(BotoCoreError, aws_error)
    return app


def _require_run_access(dag_id: str, user: BaseUser) -> None:
    """The user may read the DAG's runs (the auth manager decides), else 403."""
    from airflow.api_fastapi.app import get_auth_manager

    if not get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
    ):
        raise HTTPException(403, "Forbidden")


def _run_settings(cls: type, conf: dict[str, Any]):
    """The settings a run used: its conf over the defaults (other keys ignored)."""
    names = {field.name for field in dataclasses.fields(cls)}
    try:
        return cls.from_params(
            {name: spec["default"] for name, spec in cls.param_specs().items()}
            | {k: v for k, v in conf.items() if k in names}
        )
    except (ValueError, TypeError) as error:
        raise BadRequest(f"the run's conf is not valid for its DAG: {error}") from None
