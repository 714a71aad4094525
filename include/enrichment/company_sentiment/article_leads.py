"""The lead of each article as it stood at a run's moment: the one way a row's text is found.

For a batch of titles and a moment (:func:`leads_at`):

1. the kept timelines (:mod:`.page_timelines`) answer every title whose revision in effect
   at the moment is already known for certain: a backfill's later dates, a re-run;
2. the others are asked for their latest revision, with its lead, in one request per 20
   titles: on a daily run of articles not edited since the moment, that is all;
3. a page edited after the moment has its history read back past the moment (once: the
   timeline is kept, so the other dates of a backfill need not ask again);
4. the lead of each revision in effect comes from the kept texts (:mod:`.revision_texts`)
   or from one request per 50 revisions, and is read into plain text
   (:mod:`enrichment.wikipedia.wikitext`) the same way whichever of these paths found it.

Each title is read as its own page (normalised as Wikipedia does): a redirect page has a
history of its own, so a company whose title redirects today may have had an article, or
a disambiguation page, under that title at the moment. A page that was a redirect at the
moment is followed once, to its target as it stood then.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from enrichment import request_slots
from enrichment.company_sentiment import page_timelines, revision_texts
from enrichment.wikipedia.client import WikipediaClient
from enrichment.wikipedia.history import Timeline
from enrichment.wikipedia.queries import MAX_REVIDS, WikipediaError
from enrichment.wikipedia.revisions import Revision, RevisionText, format_time
from enrichment.wikipedia.sentences import first_sentences
from enrichment.wikipedia.wikitext import read_lead

Status = Literal["ok", "not_found", "ambiguous"]


@dataclass(frozen=True)
class Summary:
    """The answer about one title: the resolved article, the revision in effect at the
    moment and its lead's first sentences, or why there are none."""

    status: Status
    title: str
    snippet: str = ""
    reason: str = ""
    revision: Revision | None = None


@dataclass(frozen=True)
class Sources:
    """Where leads come from: the Wikipedia client, the deployment's request slots and
    the two tables of what was learned before."""

    wikipedia: WikipediaClient
    slots: request_slots.RequestSlots
    timelines: object  # boto3 Table of page_timelines
    texts: object  # boto3 Table of revision_texts


@dataclass
class _Batch:
    """What one call learns as it goes, kept at its end."""

    timelines: dict[str, Timeline]
    learned: dict[str, Timeline] = field(default_factory=dict)
    texts: dict[int, RevisionText] = field(default_factory=dict)
    answers: dict[str, Summary] = field(default_factory=dict)

    def learn(self, title: str, timeline: Timeline) -> None:
        self.timelines[title] = self.learned[title] = timeline


def leads_at(
    sources: Sources, titles: Sequence[str], moment: datetime, sentences: int
) -> dict[str, Summary]:
    """The :class:`Summary` of each of ``titles`` as its article stood at ``moment``."""
    return _leads_at(sources, titles, moment, sentences, follow_redirects=True)


def _leads_at(
    sources: Sources,
    titles: Sequence[str],
    moment: datetime,
    sentences: int,
    *,
    follow_redirects: bool,
) -> dict[str, Summary]:
    titles = list(dict.fromkeys(titles))
    batch = _Batch(page_timelines.lookup(sources.timelines, titles))
    _ask_latest(sources, batch, titles, moment)
    _read_histories(sources, batch, titles, moment)
    in_effect = {
        title: batch.timelines[title].revision_at(moment)
        for title in titles
        if title not in batch.answers
    }
    _fetch_texts(sources, batch, [r.revid for r in in_effect.values() if r is not None])
    page_timelines.store(sources.timelines, batch.learned)
    redirects: dict[str, str] = {}
    for title, revision in in_effect.items():
        page = batch.timelines[title].page_title
        if revision is None:
            batch.answers[title] = Summary(
                "not_found", page, reason=f"no revision before {format_time(moment)}"
            )
            continue
        summary, target = _summary(page, revision, batch.texts[revision.revid], sentences)
        batch.answers[title] = summary
        if target and follow_redirects:
            redirects[title] = target
    if redirects:
        followed = _leads_at(
            sources, list(redirects.values()), moment, sentences, follow_redirects=False
        )
        batch.answers |= {title: followed[target] for title, target in redirects.items()}
    return {title: batch.answers[title] for title in titles}


def _ask_latest(sources: Sources, batch: _Batch, titles: list[str], moment: datetime) -> None:
    """Ask for the latest revision of the titles whose kept timeline does not cover the
    moment; a page not edited since the moment is then covered."""
    # A title with a known revision saved after the moment needs no latest revision:
    # its history is read back from that revision (_read_histories).
    known = batch.timelines
    unknown = [
        title
        for title in titles
        if title not in known
        or not (known[title].covers(moment) or known[title].oldest_after(moment))
    ]
    if not unknown:
        return
    # The moment of asking, taken before the request and less the clock margin the
    # request slots allow between hosts: the answer's latest revision was the latest at
    # least up to then, by Wikipedia's clock too.
    asked_at = datetime.now(UTC) - timedelta(seconds=request_slots.CLOCK_MARGIN)
    if moment > asked_at:
        # A run created seconds ago (a manual run without a logical date) describes that
        # moment: wait until an answer can speak for it. Later moments are refused by the
        # scan task, so this wait is at most the clock margin.
        ahead = (moment - asked_at).total_seconds()
        if ahead > 2 * request_slots.CLOCK_MARGIN:
            raise ValueError(f"{format_time(moment)} has not happened yet")
        time.sleep(ahead)
        asked_at = moment
    for title, page in sources.wikipedia.latest(unknown, sources.slots).items():
        if page.problem:
            batch.answers[title] = Summary("not_found", page.title, reason=page.problem)
            continue
        timeline = known.get(title, Timeline(page.title))
        batch.learn(
            title, timeline.learn((), page_title=page.title, latest=page.latest, asked_at=asked_at)
        )
        batch.texts[page.text.revid] = page.text


def _read_histories(sources: Sources, batch: _Batch, titles: list[str], moment: datetime) -> None:
    """Read back the history of each page edited since the moment, from the first known
    revision after it (so that what is read joins what is known) to past the moment."""
    for title in titles:
        if title in batch.answers or batch.timelines[title].covers(moment):
            continue
        timeline = batch.timelines[title]
        start = timeline.oldest_after(moment)
        revisions = sources.wikipedia.history(
            timeline.page_title,
            sources.slots,
            start=start.timestamp if start else None,
            back_to=moment,
        )
        timeline = timeline.learn(revisions)
        if not timeline.covers(moment):  # the history did not join: asked again on a retry
            raise WikipediaError(
                f"history of {timeline.page_title!r} leaves {format_time(moment)} unknown"
            )
        batch.learn(title, timeline)


def _fetch_texts(sources: Sources, batch: _Batch, revids: list[int]) -> None:
    """The leads of ``revids``: kept ones from the table, the rest from Wikipedia; every
    lead seen in this call that was not kept yet is kept."""
    seen = set(revids) | set(batch.texts)
    kept = revision_texts.lookup(sources.texts, seen)
    wanted = [revid for revid in dict.fromkeys(revids) if revid not in batch.texts | kept]
    for start in range(0, len(wanted), MAX_REVIDS):
        batch.texts |= sources.wikipedia.texts(wanted[start : start + MAX_REVIDS], sources.slots)
    revision_texts.store(sources.texts, [t for r, t in batch.texts.items() if r not in kept])
    batch.texts |= kept


def _summary(
    page: str, revision: Revision, text: RevisionText, sentences: int
) -> tuple[Summary, str]:
    """The summary of ``page`` at ``revision``, and the target when it was a redirect."""
    at = f"revision {revision.revid} ({format_time(revision.timestamp)})"
    if text.wikitext is None:
        reason = f"the text of {at} is hidden"
        return Summary("not_found", page, reason=reason, revision=revision), ""
    lead = read_lead(text.wikitext)
    if lead.kind == "redirect":
        reason = f"a redirect to {lead.redirect_to!r} at {at}"
        return Summary("not_found", page, reason=reason, revision=revision), lead.redirect_to
    if lead.kind == "disambiguation":
        return Summary("ambiguous", page, reason="disambiguation page", revision=revision), ""
    if lead.kind == "empty":
        return Summary("not_found", page, reason=f"no lead text at {at}", revision=revision), ""
    snippet = first_sentences(lead.text, sentences)
    return Summary("ok", page, snippet, revision=revision), ""
