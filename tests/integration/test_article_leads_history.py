"""Articles read as they stood at a moment, against the stand-in's revision histories:
which revision each date gets, what is asked of Wikipedia and what is learned and kept.

The corpus's timeline facts (dev/standins/wikipedia_corpus.yaml): Theranos turned from
praise to fraud on 2026-11-17T08:00Z, Boeing was edited at exactly 2026-11-18T00:00Z,
Spotify was created on 2026-06-15, a Walmart revision is hidden, Facebook, Inc. became a
redirect to Meta Platforms in 2025, Meta was a disambiguation page until 2026-03-01, and
every made-up company was edited on 5, 15 and 25 October 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dev.standins.wikipedia_pages import load_corpus, synthetic_page
from enrichment import aws
from enrichment.company_sentiment import page_timelines, revision_texts
from enrichment.company_sentiment.article_leads import Sources, leads_at
from enrichment.wikipedia.client import MAX_IN_FLIGHT, WikipediaClient, request_slots_in
from enrichment.wikipedia.revisions import parse_time
from enrichment.wikipedia.sentences import first_sentences
from enrichment.wikipedia.wikitext import read_lead
from tests.support.history import history_table_objects

ARTICLES, REDIRECTS = load_corpus()


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def in_effect(title: str, moment: datetime):
    """The stand-in corpus's own answer: the last revision saved strictly before."""
    page = ARTICLES.get(title) or REDIRECTS.get(title) or synthetic_page(title)
    return [r for r in page.revisions if r.timestamp < moment][-1]


@pytest.fixture
def sources(wikipedia_control, request_slots_table):
    """A client with timeline and text tables of its own: nothing learned before."""
    slots = request_slots_in(aws.dynamodb_table(request_slots_table), MAX_IN_FLIGHT)
    with WikipediaClient() as wikipedia:
        yield Sources(wikipedia, slots, *history_table_objects())


class Asked:
    """The requests the stand-in got since the last look, by kind (its counts are
    compared, not reset: a reset would also forget the edits a test saved)."""

    def __init__(self, wikipedia_control) -> None:
        self.control = wikipedia_control
        self.seen: dict[str, int] = {}

    def __call__(self) -> dict[str, int]:
        now = dict(self.control.stats()["requests_by_mode"])
        since = {mode: n - self.seen.get(mode, 0) for mode, n in now.items()}
        self.seen = now
        return {mode: n for mode, n in since.items() if n}


@pytest.fixture
def asked(wikipedia_control) -> Asked:
    return Asked(wikipedia_control)


@pytest.mark.parametrize(
    ("title", "ds", "sentiment_words"),
    [
        pytest.param("Theranos", "2026-11-17", "innovative", id="theranos-before-the-fraud"),
        pytest.param("Theranos", "2026-11-18", "fraud", id="theranos-after"),
        pytest.param("Boeing", "2026-11-18", None, id="boeing-midnight-edit-is-the-next-date"),
        pytest.param("Boeing", "2026-11-19", None, id="boeing-next-date"),
        pytest.param("Netflix", "2026-11-20", None, id="netflix-latest"),
    ],
)
def test_each_date_gets_the_revision_in_effect_at_its_start(sources, title, ds, sentiment_words):
    revision = in_effect(title, day(ds))
    summary = leads_at(sources, [title], day(ds), 1)[title]
    assert (summary.status, summary.revision.revid) == ("ok", revision.revid)
    assert summary.revision.timestamp == revision.timestamp
    assert summary.snippet == first_sentences(revision.text, 1)
    if sentiment_words:
        assert sentiment_words in summary.snippet.lower()


def test_a_daily_run_of_unchanged_articles_asks_once_per_batch(sources, asked):
    titles = [f"Synthetic Company {n}" for n in range(20)]
    answers = leads_at(sources, titles, day("2026-11-02"), 1)
    assert asked() == {"latest": 1}  # leads come with the latest revisions
    assert {a.revision.revid for a in answers.values()} == {
        in_effect(t, day("2026-11-02")).revid for t in titles
    }


def test_a_backfill_reads_each_history_once_and_each_text_once(sources, asked):
    """30 dates of October over 10 made-up companies edited three times inside them."""
    titles = [f"Synthetic Company {n}" for n in range(10)]
    dates = [day("2026-10-01") + timedelta(days=i) for i in range(30)]
    found = {}
    for moment in dates:
        for title, summary in leads_at(sources, titles, moment, 1).items():
            found[title, moment] = summary
    counted = asked()

    assert all(found[t, m].revision.revid == in_effect(t, m).revid for t, m in found)
    assert all(found[t, m].status == "ok" for t, m in found)
    # The first date: the latest revisions (one request), one history per page (each
    # edited after it); then the texts of the four revisions in effect over the month,
    # a request per date that meets new ones at most.
    assert counted["latest"] == 1
    assert counted["history"] == len(titles)
    assert counted["revids"] <= 4
    assert sum(counted.values()) <= 1 + len(titles) + 4

    # The whole range again (a re-run of the backfill): everything is known.
    for moment in dates:
        leads_at(sources, titles, moment, 1)
    assert asked() == {}


def test_a_rerun_after_an_edit_reads_the_same_revision_and_text(sources, wikipedia_control, asked):
    moment = day("2026-11-20")
    before = leads_at(sources, ["Netflix"], moment, 2)["Netflix"]
    wikipedia_control.edit(
        "Netflix", "'''Netflix''' is a failing and criticised service. It lost money."
    )
    asked()

    again = leads_at(sources, ["Netflix"], moment, 2)["Netflix"]

    assert again == before
    assert asked() == {}  # the date was covered: nothing asked
    now = leads_at(sources, ["Netflix"], datetime.now(UTC), 1)
    assert now["Netflix"].snippet == "Netflix is a failing and criticised service."


def test_a_page_edited_since_is_read_back_from_where_knowledge_ends(
    sources, wikipedia_control, asked
):
    """Known today; a date in the past then reads the history back from the known
    revision (joined to what is known), without asking for the latest again."""
    leads_at(sources, ["Boeing"], day("2026-11-20"), 1)
    asked()
    summary = leads_at(sources, ["Boeing"], day("2025-06-01"), 1)["Boeing"]
    assert summary.revision.revid == in_effect("Boeing", day("2025-06-01")).revid
    assert asked() == {"history": 1, "revids": 1}
    (history,) = [r for r in wikipedia_control.requests() if r["params"].get("rvdir")]
    assert history["params"]["rvstart"] == "2026-11-18T00:00:00Z"  # Boeing's latest


@pytest.mark.parametrize(
    ("title", "ds", "status", "reason"),
    [
        pytest.param(
            "Spotify",
            "2026-06-01",
            "not_found",
            "no revision before 2026-06-01T00:00:00Z",
            id="not-yet-created",
        ),
        pytest.param("Walmart", "2026-11-13", "not_found", "is hidden", id="hidden-revision"),
        pytest.param("Walmart", "2026-11-15", "ok", "", id="the-next-revision-is-readable"),
        pytest.param("Meta", "2026-01-01", "ambiguous", "disambiguation page", id="was-a-dab"),
        pytest.param(
            "Facebook, Inc.",
            "2024-12-01",
            "not_found",
            "no revision before",
            id="not-created-yet",
        ),
        pytest.param(
            "Facebook, Inc.", "2025-03-01", "ok", "", id="an-article-then-a-redirect-today"
        ),
        pytest.param(
            "Facebook, Inc.", "2025-07-01", "ok", "", id="a-redirect-then-followed-to-its-target"
        ),
    ],
)
def test_what_the_past_held_is_a_status_not_a_crash(sources, title, ds, status, reason):
    summary = leads_at(sources, [title], day(ds), 1)[title]
    assert summary.status == status
    assert reason in summary.reason


def test_what_was_learned_is_kept_in_the_tables(sources, wikipedia_control):
    moment = day("2026-11-18")
    leads_at(sources, ["Theranos"], moment, 1)
    timelines = page_timelines.lookup(sources.timelines, ["Theranos"])
    assert timelines["Theranos"].revision_at(moment).revid == in_effect("Theranos", moment).revid
    texts = revision_texts.lookup(sources.texts, [in_effect("Theranos", moment).revid])
    (text,) = texts.values()
    assert read_lead(text.wikitext).text == in_effect("Theranos", moment).text
    assert text.timestamp == parse_time("2026-11-17T08:00:00Z")


def test_a_long_history_is_read_across_continued_answers(sources, wikipedia_control, asked):
    """More edits since the moment than one history answer holds (500): the history
    is continued (``rvcontinue``) until it reaches past the moment."""
    title = "Synthetic Company 4242"
    for n in range(510):
        wikipedia_control.edit(title, f"'''{title}''' is a maker of widgets, edit {n}.")
    asked()
    moment = day("2026-11-01")

    summary = leads_at(sources, [title], moment, 1)[title]

    assert summary.revision.revid == in_effect(title, moment).revid
    counted = asked()
    assert counted["history"] == 2
    assert counted["latest"] == 1
