"""What each task of the ``company_sentiment`` DAG does, given the run's settings.

Each function builds the clients its task needs once (one connection lookup per
service) and hands them to the modules that own the calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from enrichment import aws, storage
from enrichment.company_sentiment.companies import Company, companies_to_enrich
from enrichment.company_sentiment.result_file import CONTENT_TYPE, Written, result_key, to_csv
from enrichment.company_sentiment.rows import (
    COLUMNS,
    Row,
    analyse_company,
    complete_rows,
    error_row,
)
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.wikipedia import WikipediaClient

log = logging.getLogger(__name__)


def scan(settings: SentimentSettings) -> list[Company]:
    """The companies of the run: the valid items of the table, each once, under the cap."""
    table = aws.dynamodb_table(settings.companies_table)
    return companies_to_enrich(table, max_companies=settings.max_companies)


def enrich(company: Company, settings: SentimentSettings, ds: str, *, final_attempt: bool) -> Row:
    """One company's row, re-raising a failure for a retry unless this is the last attempt.

    On the last attempt the failure becomes an ``error`` row, so the load still writes
    one row per company and decides from the error share whether the run failed.
    """
    try:
        with WikipediaClient() as wikipedia:
            return analyse_company(
                company,
                ds,
                settings.sentences,
                settings.language,
                wikipedia=wikipedia,
                comprehend=aws.comprehend_client,
            )
    except Exception as exc:
        if not final_attempt:
            raise
        log.exception("Giving up on %r after the last attempt", company["name"])
        return error_row(company, ds, f"{type(exc).__name__}: {exc}")


def load(
    companies: Iterable[Company], rows: Iterable[Row | None], settings: SentimentSettings, ds: str
) -> Written:
    """Write the date's file whole: one row per company, failures included."""
    complete = complete_rows(companies, rows, ds)
    key = result_key(settings.prefix, ds, settings.companies_table)
    uri = storage.put_text(
        aws.s3_client(), settings.bucket, key, to_csv(complete, COLUMNS), CONTENT_TYPE
    )
    errors = sum(row["status"] == "error" for row in complete)
    log.info("Wrote %d rows (%d errors) to %s", len(complete), errors, uri)
    return Written(uri=uri, rows=len(complete), errors=errors)
