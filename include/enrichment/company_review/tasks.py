"""What each task of the ``company_review`` DAG does, given the run's settings.

Each function builds the clients its task needs once and hands them to the modules that
own the calls: the companies table (:mod:`.review_state`), Wikipedia
(:mod:`.candidates`), the result files (S3).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from enrichment import aws
from enrichment.company_review import review_state
from enrichment.company_review.candidates import CandidateFinder, Lookup
from enrichment.company_review.questions import CandidateLink, Review, answer
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment.result_file import parse
from enrichment.wikipedia.client import (
    WikipediaClient,
    article_url,
    request_slots_in,
    site_url,
)

# The statuses a person can resolve: the data could not decide which article it is.
TO_REVIEW = ("ambiguous", "not_found")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filed:
    """A company a result file filed as ambiguous or not found."""

    table: str
    name: str
    status: str
    title: str
    filed_at: datetime


def filed_companies(s3, events: Iterable[Mapping[str, Any]]) -> list[Filed]:
    """The companies to review in the result files of ``events`` (the asset events'
    extras, ``uri`` and ``companies_table``, and their ``timestamp``).

    A result file has a row for every company of its table, so the newest file of each
    table says all there is to review in it: the first review run after company_review is
    unpaused gets every event since the beginning, or a backfill's thirty, and reads one
    file per table.
    """
    newest: dict[str, Mapping[str, Any]] = {}
    for extra in sorted(events, key=lambda extra: extra["timestamp"]):
        uri, table = extra.get("uri", ""), extra.get("companies_table", "")
        if urlsplit(uri).scheme != "s3" or not table:
            log.warning("Skipping an event without a result file or table: %s", dict(extra))
            continue
        newest[table] = extra
    filed: list[Filed] = []
    for table, extra in newest.items():
        parts = urlsplit(extra["uri"])
        data = s3.get_object(Bucket=parts.netloc, Key=parts.path.lstrip("/"))["Body"].read()
        parsed = parse(data, extra["uri"].rsplit(".", 1)[-1])
        if parsed.problem:
            log.warning("Skipping %s: %s", extra["uri"], parsed.problem)
            continue
        rows = [row for row in parsed.rows.values() if row.status in TO_REVIEW]
        filed += [
            Filed(table, row.name, row.status, row.wikipedia_title or row.name, extra["timestamp"])
            for row in rows
        ]
        log.info("%s: %d companies to review", extra["uri"], len(rows))
    return filed


def open_reviews(
    events: Iterable[Mapping[str, Any]], settings: ReviewSettings, run_id: str, now: datetime
) -> list[Review]:
    """The reviews this run opens: the companies the events' files filed as ambiguous or
    not found that may be asked about now (:func:`.review_state.open_review`), at most
    ``max_reviews``, each with its candidates."""
    s3 = aws.s3_client()
    dynamodb = aws.dynamodb_resource()
    opened: list[Filed] = []
    for filed in filed_companies(s3, events):
        if len(opened) == settings.max_reviews:
            log.info("max_reviews (%d) reached: the others wait for the next run", len(opened))
            break
        table = dynamodb.Table(filed.table)
        if review_state.open_review(
            table,
            filed.name,
            filed_at=filed.filed_at,
            run_id=run_id,
            now=now,
            timeout=settings.timeout,
        ):
            opened.append(filed)
    slots_table = dynamodb.Table(settings.request_slots_table)
    return reviews_for(opened, slots_table, settings.wikipedia_slots)


def reviews_for(filed: list[Filed], slots_table, slots: int) -> list[Review]:
    """The review of each of ``filed``: its candidates, each with its first sentence and
    link, found holding the deployment's ``slots`` Wikipedia request slots."""
    if not filed:
        return []
    site = site_url()
    with WikipediaClient() as client:
        finder = CandidateFinder(client, request_slots_in(slots_table, slots))
        found = finder.find([Lookup(f.name, f.status, f.title) for f in filed])
    reviews = []
    for company in filed:
        candidates = [
            CandidateLink(title=c.title, sentence=c.sentence, url=article_url(site, c.title))
            for c in found[company.name]
        ]
        reviews.append(
            Review(
                company=company.name,
                table=company.table,
                status=company.status,
                title=company.title,
                title_url=article_url(site, company.title),
                candidates=candidates,
            )
        )
        log.info("Asking about %r: %d candidates", company.name, len(candidates))
    return reviews


def record(review: Review, event: Mapping[str, Any]) -> str:
    """Write the answer to ``review`` to its company's item; what it did, for the log."""
    given = answer(review, dict(event))
    recorded = review_state.record_answer(aws.dynamodb_table(review["table"]), given)
    if not recorded:
        return "ignored: the company is gone"
    if given.title:
        return f"wikipedia_title set to {given.title!r} by {given.by or 'nobody'}"
    if given.no_article:
        return f"no article, by {given.by or 'nobody'}"
    return "asked again later"
