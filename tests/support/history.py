"""Page histories in the tests: which revision of an article the local Wikipedia says was
in effect on a date; and page timeline and revision text tables of a test's own (a date
an earlier test on the session's stand-ins learned would otherwise be answered without
asking Wikipedia, and a fault injected for it would never fire)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from dev.standins.wikipedia_pages import load_corpus, synthetic_page

ARTICLES, REDIRECTS = load_corpus()


def in_effect(title: str, ds: str):
    """The stand-in's own answer: the revision of ``title`` saved last before ``ds``
    00:00 UTC, the moment a run of that date describes."""
    moment = datetime.fromisoformat(ds).replace(tzinfo=UTC)
    page = ARTICLES.get(title) or REDIRECTS.get(title) or synthetic_page(title)
    return [revision for revision in page.revisions if revision.timestamp < moment][-1]


def history_tables() -> dict[str, str]:
    """Two new empty tables, named as the run conf names them (``page_timelines_table``,
    ``revision_texts_table``)."""
    from enrichment import aws
    from enrichment.bootstrap import ensure_table
    from enrichment.company_sentiment import page_timelines, revision_texts

    suffix = uuid.uuid4().hex[:8]
    conf = {
        "page_timelines_table": f"timelines_{suffix}",
        "revision_texts_table": f"texts_{suffix}",
    }
    client = aws.dynamodb_client()
    ensure_table(client, conf["page_timelines_table"], page_timelines.KEY)
    ensure_table(client, conf["revision_texts_table"], revision_texts.KEY)
    return conf


def history_table_objects() -> tuple:
    """:func:`history_tables` as boto3 Table objects (timelines, texts), for clients
    used without a DAG run."""
    from enrichment import aws

    conf = history_tables()
    return (
        aws.dynamodb_table(conf["page_timelines_table"]),
        aws.dynamodb_table(conf["revision_texts_table"]),
    )
