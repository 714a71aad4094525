"""Which revision of an article was in effect at a moment, and what was learned of that.

A run describes the articles as they stood at its moment (the end of its data interval):
the revision in effect then is the page's last revision saved strictly before it (an
edit at 00:00:00 belongs to the next date). Past revisions never change, so what was
learned of a page's history is kept (the ``page_timelines`` DynamoDB table, one item per
asked title) and a backfill asks Wikipedia for a page's history about once, not once per
date.

A :class:`Timeline` is the revisions of a page known so far, each with its parent, and
for those seen as the page's latest revision, the moment up to which they were. A moment
is *covered* when the known revisions leave no doubt about the revision in effect then:

- the last known revision before it has a known child saved at or after it (no revision
  can sit between a revision and its child), or was seen as the latest up to then;
- or the moment is before the page's first revision (parent 0): the page did not exist.

Anything else (a moment after the latest confirmation, or between two revisions not known
to be consecutive) is not covered, and the caller asks Wikipedia.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from enrichment.dynamodb import get_items

# The table's partition key (S): the title as the companies table asks for it.
KEY = "title"
# Revisions kept per page, newest first: enough for years of a company's article (most
# see a few hundred edits a year) within DynamoDB's 400 KB item limit.
MAX_KEPT = 5000


def parse_time(value: str) -> datetime:
    """A MediaWiki timestamp (``2026-11-20T13:05:00Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_time(moment: datetime) -> str:
    """The MediaWiki form of ``moment`` (UTC, seconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, order=True)
class Revision:
    """One saved version of a page: its id, its parent's (0 for the page's first) and when."""

    timestamp: datetime
    revid: int
    parentid: int


@dataclass(frozen=True)
class Timeline:
    """What is known of one page's history (see the module docstring)."""

    page_title: str
    revisions: tuple[Revision, ...] = ()  # sorted by (timestamp, revid)
    # Revision id -> the moment up to which it was seen as the page's latest revision.
    latest_until: tuple[tuple[int, datetime], ...] = ()

    def _before(self, moment: datetime) -> int:
        """Index of the last known revision saved strictly before ``moment``, or -1."""
        times = [revision.timestamp for revision in self.revisions]
        return bisect.bisect_left(times, moment) - 1

    def covers(self, moment: datetime) -> bool:
        """Whether the revision in effect at ``moment`` is known for certain."""
        if not self.revisions:
            return False
        index = self._before(moment)
        if index < 0:
            return self.revisions[0].parentid == 0
        last = self.revisions[index]
        if any(revision.parentid == last.revid for revision in self.revisions[index + 1 :]):
            return True
        until = dict(self.latest_until).get(last.revid)
        return until is not None and moment <= until

    def revision_at(self, moment: datetime) -> Revision | None:
        """The revision in effect at a covered ``moment``; None before the page existed."""
        if not self.covers(moment):
            raise LookupError(f"{self.page_title!r} at {format_time(moment)} is not known")
        index = self._before(moment)
        return self.revisions[index] if index >= 0 else None

    def oldest_after(self, moment: datetime) -> Revision | None:
        """The first known revision saved at or after ``moment``: where a look further
        back in the history starts, so that what it finds joins what is known."""
        index = self._before(moment) + 1
        return self.revisions[index] if index < len(self.revisions) else None

    def learn(
        self,
        revisions: Iterable[Revision],
        *,
        page_title: str | None = None,
        latest: Revision | None = None,
        asked_at: datetime | None = None,
    ) -> Timeline:
        """This timeline with ``revisions`` added; ``latest`` was the page's latest when
        Wikipedia was asked at ``asked_at``."""
        known = {revision.revid: revision for revision in (*self.revisions, *revisions)}
        until = dict(self.latest_until)
        if latest is not None and asked_at is not None:
            known[latest.revid] = latest
            until[latest.revid] = max(asked_at, until.get(latest.revid, asked_at))
        kept = sorted(known.values())[-MAX_KEPT:]
        ids = {revision.revid for revision in kept}
        return Timeline(
            page_title or self.page_title,
            tuple(kept),
            tuple(sorted((revid, moment) for revid, moment in until.items() if revid in ids)),
        )


def _item(title: str, timeline: Timeline) -> dict[str, Any]:
    return {
        KEY: title,
        "page_title": timeline.page_title,
        "revisions": [
            [revision.revid, revision.parentid, format_time(revision.timestamp)]
            for revision in timeline.revisions
        ],
        "latest_until": [[revid, format_time(moment)] for revid, moment in timeline.latest_until],
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
