"""What each task of the ``company_sentiment`` DAG does, given the run's settings.

Each function builds the clients its task needs once (one connection lookup per
service) and hands them to the modules that own the calls. ``enrich`` here is the worker
path; in the triggerer it is :mod:`.trigger`'s, with clients built once per triggerer
process instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from airflow.sdk.exceptions import AirflowFailException

from enrichment import aws, storage
from enrichment.clients import Clients
from enrichment.company_sentiment.batched_calls import BatchedCalls
from enrichment.company_sentiment.companies import Company, companies_to_enrich
from enrichment.company_sentiment.result_file import FORMATS, Written, result_key
from enrichment.company_sentiment.rows import Row, complete_rows
from enrichment.company_sentiment.settings import SentimentSettings

log = logging.getLogger(__name__)


def scan(settings: SentimentSettings, moment: datetime) -> list[Company]:
    """The companies of the run: the valid items of the table, each once, under the cap.
    A run whose moment is still to come is refused: nobody can say yet what the
    articles will say then."""
    if moment > datetime.now(UTC):
        raise AirflowFailException(
            f"this run describes the articles as they stand at {moment.isoformat()}, which "
            "has not happened yet: trigger it for a date that has begun, or without a "
            "logical date (now)"
        )
    table = aws.dynamodb_table(settings.companies_table)
    return companies_to_enrich(table, max_companies=settings.max_companies)


def enrich(company: Company, settings: SentimentSettings, moment: datetime) -> Row:
    """One company's row on a worker (``EnrichCompanyOperator.execute``), its article
    read as it stood at ``moment``: the triggerer path's batched calls, made for this one
    company with clients of its own. Raises what is worth a retry."""
    clients = Clients()
    try:
        return BatchedCalls(clients).row(company, settings, moment)
    finally:
        clients.close()


def load(
    companies: Iterable[Company] | None,
    rows: Iterable[dict | str | None],
    failed_tries: Iterable[dict | str | None],
    settings: SentimentSettings,
    ds: str,
) -> Written:
    """Write the date's file whole, in the run's format: one row per company, failures
    included. The date's file in the other format is removed, so that a partition never
    holds both (a lake table reads every object under its partitions). Without the
    scan's company list (the scan failed) nothing is written, and retrying cannot help."""
    if companies is None:
        # An empty file would say the table had no companies; the date's file stays as it was.
        raise AirflowFailException(
            f"scan left no company list for {ds} (it, or preflight before it, failed; its "
            "log says why): nothing written. Fix what it reported, then clear the run"
        )
    complete = complete_rows(
        companies,
        (Row.from_record(record) for record in rows if record),
        (Row.from_record(record) for record in failed_tries if record),
    )
    s3 = aws.s3_client()
    file_format = FORMATS[settings.output_format]
    key = result_key(settings.prefix, ds, settings.companies_table, settings.output_format)
    uri = storage.put_bytes(
        s3, settings.bucket, key, file_format.encode(complete), file_format.content_type
    )
    for other in FORMATS.keys() - {settings.output_format}:
        storage.delete(
            s3, settings.bucket, result_key(settings.prefix, ds, settings.companies_table, other)
        )
    errors = sum(row.status == "error" for row in complete)
    log.info("Wrote %d rows (%d errors) to %s", len(complete), errors, uri)
    return Written(uri=uri, rows=len(complete), errors=errors)
