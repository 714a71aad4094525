"""The DynamoDB cache of article leads by revision id (``revision_texts``).

A revision's text never changes, so a lead fetched once (one item per revision id) is
never asked for again: a re-run of a date, or the next date of a backfill on an
unchanged article, reads it here. What is kept is the wikitext of section 0 as Wikipedia
answered it, not the plain text made of it, so a better conversion
(:mod:`enrichment.wikipedia.wikitext`) applies to what was kept too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from enrichment.dynamodb import get_items
from enrichment.wikipedia.revisions import RevisionText, format_time, parse_time

# The table's partition key (S, the revision id's digits, as every table here is keyed
# by a string).
KEY = "revision_id"
# DynamoDB items are at most 400 KB; a lead longer than this is fetched again instead.
MAX_KEPT_BYTES = 350_000


def _item(text: RevisionText) -> dict[str, Any]:
    item: dict[str, Any] = {
        KEY: str(text.revid),
        "title": text.title,
        "timestamp": format_time(text.timestamp),
        "hidden": text.wikitext is None,
    }
    if text.wikitext is not None:
        item["wikitext"] = text.wikitext
    return item


def _text(item: Mapping[str, Any]) -> RevisionText:
    return RevisionText(
        int(item[KEY]),
        item["title"],
        parse_time(item["timestamp"]),
        None if item.get("hidden") else item.get("wikitext", ""),
    )


def lookup(table, revids: Iterable[int]) -> dict[int, RevisionText]:
    """The kept texts of those of ``revids`` that have one."""
    return {text.revid: text for text in map(_text, get_items(table, KEY, map(str, revids)))}


def store(table, texts: Iterable[RevisionText]) -> None:
    """Keep ``texts`` (a text kept already is written again, the same)."""
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for text in texts:
            if len((text.wikitext or "").encode()) <= MAX_KEPT_BYTES:
                batch.put_item(Item=_item(text))
