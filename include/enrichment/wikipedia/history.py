"""Which revision of a page was in effect at a moment, from what is known of its history.

The revision in effect at a moment is the page's last revision saved strictly before it
(an edit at 00:00:00 belongs to the next date). A :class:`Timeline` is the revisions of a
page known so far, each with its parent, and for those seen as the page's latest
revision, the moment up to which they were. A moment is *covered* when the known
revisions leave no doubt about the revision in effect then:

- the last known revision before it has a known child saved at or after it (no revision
  can sit between a revision and its child), or was seen as the latest up to then;
- or the moment is before the page's first revision (parent 0): the page did not exist.

Anything else (a moment after the latest confirmation, or between two revisions not known
to be consecutive) is not covered, and the caller asks Wikipedia. Past revisions never
change, so a timeline only ever grows; company_sentiment keeps them between runs
(:mod:`enrichment.company_sentiment.page_timelines`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from enrichment.wikipedia.revisions import Revision, format_time


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
        return Timeline(
            page_title or self.page_title,
            tuple(sorted(known.values())),
            tuple(sorted(until.items())),
        )

    def newest(self, count: int) -> Timeline:
        """This timeline with only its ``count`` newest revisions (what it forgets is only
        asked again, never wrong)."""
        kept = self.revisions[-count:]
        ids = {revision.revid for revision in kept}
        until = tuple((revid, moment) for revid, moment in self.latest_until if revid in ids)
        return Timeline(self.page_title, kept, until)
