"""Page timeline and revision text tables of a test's own: a date an earlier test on the
session's stand-ins learned would otherwise be answered without asking Wikipedia, and a
fault injected for it would never fire."""

from __future__ import annotations

import uuid


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
