"""What each task of the ``company_sentiment`` DAG does, given the run's settings.

Each function builds the clients its task needs once (one connection lookup per
service) and hands them to the modules that own the calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from enrichment import aws, storage
from enrichment.company_sentiment.companies import Company, companies_to_enrich
from enrichment.company_sentiment.enricher import Enricher, Enrichment
from enrichment.company_sentiment.result_file import CONTENT_TYPE, Written, result_key, to_csv
from enrichment.company_sentiment.rows import COLUMNS, Row, complete_rows
from enrichment.company_sentiment.settings import SentimentSettings

log = logging.getLogger(__name__)


def scan(settings: SentimentSettings) -> list[Company]:
    """The companies of the run: the valid items of the table, each once, under the cap."""
    table = aws.dynamodb_table(settings.companies_table)
    return companies_to_enrich(table, max_companies=settings.max_companies)


def enrich(company: Company, settings: SentimentSettings, ds: str, *, final_attempt: bool) -> Row:
    """One company's row on a worker (``EnrichCompanyOperator.execute``): the triggerer
    path's code, with a process of its own for one company."""

    async def one_company() -> Row:
        enricher = Enricher()
        try:
            # Nothing else to wait for: each call goes out as soon as it is asked.
            enrichment = Enrichment(enricher, linger=0)
            return await enrichment.row_or_error(company, settings, ds, final_attempt=final_attempt)
        finally:
            enricher.close()

    return asyncio.run(one_company())


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
