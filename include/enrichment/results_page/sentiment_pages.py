"""The company_sentiment pages: every company over the recent dates, one company's page,
and the run tab of a company_sentiment run (that date's result file).

The files are read by :mod:`.sentiment_history`; a file is parsed once per ETag, and the
overview's lines, sparklines and bars are computed once per set of files read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from enrichment.company_sentiment.rows import STATUSES
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.results_page import charts, core, review_pages, sentiment_history
from enrichment.results_page.sentiment_history import SCORES, SENTIMENTS
from enrichment.wikipedia.client import article_url, diff_url, site_url

DAG_ID = "company_sentiment"
# The settings a page may change through query parameters of the same name.
NAMES = ("bucket", "prefix", "companies_table")
MAX_DATES = 90
OVERVIEWS_KEPT = 8


class SentimentCaches:
    """Parsed result files (by ETag) and the last computed overviews, for one app."""

    def __init__(self) -> None:
        self.parsed_files = sentiment_history.ParsedFiles()
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


def _caches(request: Request) -> SentimentCaches:
    return core.resources(request).caches[DAG_ID]


def _wikipedia_site(request: Request) -> str:
    """The wiki of the ``wikipedia_default`` connection, the one the rows were read from."""
    return core.resources(request).clients.get("wikipedia site", site_url)


def _dates(dates: int) -> int:
    if not 1 <= dates <= MAX_DATES:
        raise core.BadRequest(f"dates must be between 1 and {MAX_DATES}, not {dates}")
    return dates


def _history(request: Request, settings: SentimentSettings, dates: int):
    return sentiment_history.load_history(
        core.s3_client(request), settings, _dates(dates), _caches(request).parsed_files
    )


router = APIRouter()


def _company_item(request: Request, settings: SentimentSettings, name: str) -> dict:
    """The company's item (its review attributes are shown on its page); empty when the
    table or the item is gone. The provider's client takes and gives plain values."""
    from botocore.exceptions import ClientError

    try:
        found = core.dynamodb_client(request).get_item(
            TableName=settings.companies_table, Key={"name": name}
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return {}
    return found.get("Item", {})


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    dates: int = 30,
    status: str | None = None,
    sentiment: str | None = None,
    changed: bool = False,
    name: str | None = None,
) -> HTMLResponse:
    settings = core.query_settings(SentimentSettings, NAMES, request)
    try:
        filters = sentiment_history.Filters(status or None, sentiment or None, changed, name)
    except ValueError as error:
        raise core.BadRequest(str(error)) from None
    history = _history(request, settings, dates)
    lines, sparks, bars = _caches(request).overview(history)
    shown = [line for line in lines if filters.keep(line)]
    return core.render(
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
        reviews_waiting=review_pages.waiting_count(),
        carry=core.carried(request, NAMES),
    )


@router.get("/company", response_class=HTMLResponse)
def company(request: Request, name: str, dates: int = 30) -> HTMLResponse:
    settings = core.query_settings(SentimentSettings, NAMES, request)
    history = _history(request, settings, dates)
    carry = core.carried(request, NAMES)
    series = history.series(name)
    if not any(row for _, row in series):
        text = (
            f"{name!r} has no row in the last {dates} dates of "
            f"s3://{settings.bucket}/{settings.prefix}"
        )
        return core.message(request, name, text, 404, carry=carry)
    chart = charts.score_chart(
        [ds for ds, _ in series],
        {score: [getattr(row, score) if row else None for _, row in series] for score in SCORES},
    )
    latest = next(row for _, row in reversed(series) if row)
    site = _wikipedia_site(request)
    return core.render(
        request,
        "company.html",
        name=name,
        settings=settings,
        history=history,
        dates_shown=list(reversed(sentiment_history.company_dates(series))),
        latest=latest,
        article=article_url(site, latest.wikipedia_title or name),
        item=_company_item(request, settings, name),
        diff=lambda new, old: diff_url(site, new, old),
        chart=chart,
        dates=dates,
        carry=carry,
    )


def run_tab(request: Request, run: core.Run) -> HTMLResponse:
    """The result file of the run's date, written with the run's settings."""
    settings = core.run_settings(SentimentSettings, run.conf)
    key, parsed = sentiment_history.read_date(
        core.s3_client(request), settings, run.ds, _caches(request).parsed_files
    )
    rows = sorted(parsed.rows.values(), key=lambda row: row.name)
    return core.render(
        request, "run_sentiment.html", run=run, settings=settings, key=key, parsed=parsed, rows=rows
    )


PIPELINE = core.Pipeline(
    dag_id=DAG_ID,
    title="Company sentiment",
    home="/",
    router=router,
    run_tab=run_tab,
    caches=SentimentCaches,
)
