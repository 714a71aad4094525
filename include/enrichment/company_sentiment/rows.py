"""One company's sentiment row: Wikipedia intro, then Comprehend, or the reason why not.

Every company in the table ends as exactly one row. ``not_found`` and ``ambiguous`` are
answers about the data; ``error`` is a failure that outlived the task's retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.comprehend import detect_sentiment
from enrichment.company_sentiment.wikipedia import WikipediaClient

# Column order and pandas dtypes of the result file; nullable types keep the score and
# count columns numeric (not "3.0") in rows that have no sentiment.
COLUMNS = {
    "name": "string",
    "wikipedia_title": "string",
    "wikipedia_snippet": "string",
    "sentiment": "string",
    "positive": "Float64",
    "negative": "Float64",
    "neutral": "Float64",
    "mixed": "Float64",
    "characters_sent": "Int64",
    "billed_units": "Int64",
    "status": "string",
    "error": "string",
    "ds": "string",
}

Row = dict[str, Any]

log = logging.getLogger(__name__)


def _row(company: Company, ds: str, status: str, **values: Any) -> Row:
    return dict.fromkeys(COLUMNS) | {
        "name": company["name"],
        "wikipedia_title": company["wikipedia_title"],
        "wikipedia_snippet": "",
        "status": status,
        "error": "",
        "ds": ds,
        **values,
    }


def analyse_company(
    company: Company,
    ds: str,
    sentences: int,
    language: str,
    wikipedia: WikipediaClient,
    comprehend: Callable[[], Any],
) -> Row:
    """The row for one company; raises on failures worth a retry.

    ``comprehend`` builds the Comprehend client; it is called only when there is text to
    analyse, so a missing or ambiguous page costs no AWS connection lookup.
    """
    summary = wikipedia.summary(company["wikipedia_title"], sentences)
    if summary.status != "ok":
        return _row(
            company, ds, summary.status, wikipedia_title=summary.title, error=summary.reason
        )
    sentiment = detect_sentiment(comprehend(), summary.snippet, language)
    return _row(
        company,
        ds,
        "ok",
        wikipedia_title=summary.title,
        wikipedia_snippet=summary.snippet,
        sentiment=sentiment.label,
        positive=sentiment.positive,
        negative=sentiment.negative,
        neutral=sentiment.neutral,
        mixed=sentiment.mixed,
        characters_sent=sentiment.characters_sent,
        billed_units=sentiment.billed_units,
    )


def error_row(company: Company, ds: str, message: str) -> Row:
    return _row(company, ds, "error", error=message)


def complete_rows(companies: Iterable[Company], rows: Iterable[Row | None], ds: str) -> list[Row]:
    """One row per company, in name order, whatever the mapped tasks managed to return.

    A mapped task killed by its timeout or by a lost worker returns nothing; its company
    still gets an ``error`` row rather than silently vanishing from the file.
    """
    by_name = {row["name"]: row for row in rows if row}
    complete = []
    for company in sorted(companies, key=lambda c: c["name"]):
        row = by_name.get(company["name"])
        if row is None:
            row = error_row(company, ds, "task returned no result (timed out or killed)")
        complete.append(row)
    return complete
