"""One company's sentiment row: Wikipedia intro, then Comprehend, or the reason why not.

Every company in the table ends as exactly one row. ``not_found`` and ``ambiguous`` are
answers about the data; ``error`` is a failure that outlived the task's retries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from enrichment import results
from enrichment.companies import Company
from enrichment.comprehend import detect_sentiment
from enrichment.wikipedia import fetch_summary

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


def analyse_company(company: Company, ds: str, sentences: int, language: str) -> Row:
    """The row for one company; raises on failures worth a retry."""
    summary = fetch_summary(company["wikipedia_title"], sentences)
    if summary.status != "ok":
        return _row(
            company, ds, summary.status, wikipedia_title=summary.title, error=summary.reason
        )
    sentiment = detect_sentiment(summary.snippet, language)
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


def analyse_or_record_error(
    company: Company, ds: str, sentences: int, language: str, *, final_attempt: bool
) -> Row:
    """:func:`analyse_company`, re-raising for a retry unless this is the last attempt.

    On the last attempt the failure becomes an ``error`` row, so the load still writes
    one row per company and decides from the error share whether the run failed.
    """
    try:
        return analyse_company(company, ds, sentences, language)
    except Exception as exc:
        if not final_attempt:
            raise
        log.exception("Giving up on %r after the last attempt", company["name"])
        return error_row(company, ds, f"{type(exc).__name__}: {exc}")


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


@dataclass(frozen=True)
class Written:
    uri: str
    rows: int
    errors: int

    @property
    def error_share(self) -> float:
        return self.errors / self.rows if self.rows else 0.0


class TooManyErrors(AirflowFailException):
    """More companies ended in ``error`` than the run tolerates."""


def write_results(
    companies: Iterable[Company], rows: Iterable[Row | None], ds: str, bucket: str, key: str
) -> Written:
    """Write the date's file whole: one row per company, failures included."""
    complete = complete_rows(companies, rows, ds)
    uri = results.put_text(results.to_csv(complete, COLUMNS), bucket, key)
    errors = sum(row["status"] == "error" for row in complete)
    log.info("Wrote %d rows (%d errors) to %s", len(complete), errors, uri)
    return Written(uri=uri, rows=len(complete), errors=errors)


def check_error_share(written: Written, max_error_share: float) -> None:
    """Fail the run when too many companies ended in ``error``; the file is already written."""
    if written.error_share > max_error_share:
        raise TooManyErrors(
            f"{written.errors} of {written.rows} companies ended in error "
            f"({written.error_share:.0%} > max_error_share {max_error_share:.0%}); "
            f"see {written.uri}"
        )
