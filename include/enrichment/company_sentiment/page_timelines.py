"""The DynamoDB cache of what is known of each article's history (``page_timelines``).

One item per asked title (partition key ``title``) holding its
:class:`~enrichment.wikipedia.history.Timeline`: past revisions never change, so a
backfill asks Wikipedia for a page's history about once, not once per date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from enrichment.dynamodb import get_items
from enrichment.wikipedia.history import Timeline
from enrichment.wikipedia.revisions import Revision, format_time, parse_time

# The table's partition key (S): the title as the companies table asks for it.
KEY = "title"
# Revisions kept per page, newest first: enough for years of a company's article (most
# see a few hundred edits a year) within DynamoDB's 400 KB item limit.
MAX_KEPT = 5000


def _item(title: str, timeline: Timeline) -> dict[str, Any]:
    kept = timeline.newest(MAX_KEPT)
    return {
        KEY: title,
        "page_title": kept.page_title,
        "revisions": [
            [revision.revid, revision.parentid, format_time(revision.timestamp)]
            for revision in kept.revisions
        ],
        "latest_until": [[revid, format_time(moment)] for revid, moment in kept.latest_until],
    }


def _timeline(item: Mapping[str, Any]) -> Timeline:
    revisions = tuple(
        Revision(parse_time(timestamp), int(revid), int(parentid))
        for revid, parentid, timestamp in item.get("revisions", ())
    )
    return Timeline(
        item["page_title"],
        tuple(sorted(revisions)),
        tuple((int(revid), parse_time(moment)) for revid, moment in item.get("latest_until", ())),
    )


def lookup(table, titles: Iterable[str]) -> dict[str, Timeline]:
    """The kept timelines of those of ``titles`` that have one."""
    return {item[KEY]: _timeline(item) for item in get_items(table, KEY, titles)}


def store(table, timelines: Mapping[str, Timeline]) -> None:
    """Keep ``timelines`` (asked title -> timeline), replacing what was kept. Two runs
    that learn about one page at once may keep either's: what is lost is only asked
    again, never wrong, since each holds only true facts."""
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for title, timeline in timelines.items():
            batch.put_item(Item=_item(title, timeline))
