"""company_review without servers: candidates from API answers, their order, the question
a person reads and what each answer means."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrichment.company_review import questions
from enrichment.company_review.candidates import (
    MAX_CANDIDATES,
    Candidate,
    CandidateFinder,
    Lookup,
    ranked,
    shortlist,
)
from enrichment.wikipedia.queries import Page, parse_links, parse_search
from enrichment.wikipedia.revisions import Revision, RevisionText

# Answers in en.wikipedia.org's shape (formatversion=2), trimmed to what is parsed.
LINKS_PAGE_1 = {
    "continue": {"plcontinue": "8321|0|Delta_Faucet_Company", "continue": "||"},
    "query": {
        "pages": [
            {
                "pageid": 8321,
                "ns": 0,
                "title": "Delta",
                "links": [
                    {"ns": 0, "title": "Delta Air Lines"},
                    {"ns": 0, "title": "Delta Airlines"},
                ],
            }
        ]
    },
}
LINKS_LAST = {
    "batchcomplete": True,
    "query": {
        "pages": [
            {
                "pageid": 8321,
                "ns": 0,
                "title": "Delta",
                "links": [{"ns": 0, "title": "River delta"}, {"ns": 14, "title": "Category:X"}],
            }
        ]
    },
}
SEARCH = {
    "batchcomplete": True,
    "continue": {"sroffset": 2, "continue": "-||"},
    "query": {
        "searchinfo": {"totalhits": 7},
        "search": [
            {"ns": 0, "title": "Hank Scorpio", "pageid": 1},
            {"ns": 0, "title": "CME Globex", "pageid": 2},
        ],
    },
}


def test_links_are_read_with_their_continuation_and_only_articles_kept():
    assert parse_links(LINKS_PAGE_1, "Delta") == (
        ["Delta Air Lines", "Delta Airlines"],
        "8321|0|Delta_Faucet_Company",
    )
    assert parse_links(LINKS_LAST, "Delta") == (["River delta"], "")
    gone = {"query": {"pages": [{"ns": 0, "title": "Delta", "missing": True}]}}
    assert parse_links(gone, "Delta") == ([], "")


def test_search_hits_keep_their_rank():
    assert parse_search(SEARCH, "Globex Corporation") == ["Hank Scorpio", "CME Globex"]
    assert parse_search({"query": {"search": []}}, "Zyxwv Holdings") == []


def test_organisations_come_first_each_group_keeping_its_order():
    found = [
        Candidate("Mercury (planet)", "Mercury is the smallest planet of the Solar System."),
        Candidate("Mercury Records", "Mercury Records is an American record label."),
        Candidate("Mercury (element)", "Mercury is a chemical element."),
        Candidate("Mercury Marine", "Mercury Marine is a manufacturer of marine engines."),
        Candidate("Mercury Records", "a duplicate is shown once"),
    ]
    assert [c.title for c in ranked(found)] == [
        "Mercury Records",
        "Mercury Marine",
        "Mercury (planet)",
        "Mercury (element)",
    ]
    many = [Candidate(f"Delta {n}", "A place.") for n in range(25)]
    assert len(ranked(many)) == MAX_CANDIDATES


def test_the_links_read_first_are_those_named_like_the_company_or_an_organisation():
    links = ["Alpha", "Delta (rocket family)", "Gamma Corporation", "River delta", "Zeta"]
    assert shortlist("Delta", links, limit=3) == [
        "Delta (rocket family)",
        "Gamma Corporation",
        "Alpha",
    ]


def _page(title: str, wikitext: str | None) -> Page:
    if wikitext is None:
        return Page(title, problem="no such page")
    revision = Revision(datetime(2026, 1, 1, tzinfo=UTC), 1, 0)
    return Page(title, revision, RevisionText(1, title, revision.timestamp, wikitext))


class RecordedWiki:
    """A WikipediaClient's three calls answered from a dict of pages, the calls kept."""

    def __init__(self, pages: dict[str, str | None], links=(), hits=()) -> None:
        self.pages, self._links, self._hits = pages, list(links), list(hits)
        self.calls: list[tuple[str, object]] = []

    def links(self, title, slots):
        self.calls.append(("links", title))
        return self._links

    def search(self, text, slots, *, limit):
        self.calls.append(("search", text))
        return self._hits[:limit]

    def latest(self, titles, slots):
        self.calls.append(("latest", tuple(titles)))
        return {t: _page(t, self.pages.get(t)) for t in titles}


def test_redirects_become_their_targets_and_other_pages_are_dropped():
    wiki = RecordedWiki(
        {
            "Delta Air Lines": "'''Delta Air Lines''' is a major American airline. It flies.",
            "Delta Airlines": "#REDIRECT [[Delta Air Lines]]",
            "Delta (disambiguation)": "'''Delta''' may be:\n* [[A]]\n{{disambiguation}}",
            "River delta": "A '''river delta''' is a landform. More text.",
            "Gone": None,
        },
        links=[
            "Delta (disambiguation)",
            "Delta Air Lines",
            "Delta Airlines",
            "Gone",
            "River delta",
        ],
    )
    found = CandidateFinder(wiki, slots=None).find([Lookup("Delta", "ambiguous", "Delta")])
    assert found["Delta"] == [
        Candidate("Delta Air Lines", "Delta Air Lines is a major American airline."),
        Candidate("River delta", "A river delta is a landform."),
    ]
    # One links request, one for the leads of all links; the redirect's target was
    # among them, so no third request.
    assert [kind for kind, _ in wiki.calls] == ["links", "latest"]


def test_a_missing_company_is_searched_for_by_its_name():
    wiki = RecordedWiki(
        {"Hank Scorpio": "'''Hank Scorpio''' is a fictional character who runs a company."},
        hits=["Hank Scorpio"],
    )
    found = CandidateFinder(wiki, slots=None).find(
        [Lookup("Globex Corporation", "not_found", "Globex Corporation")]
    )
    assert [c.title for c in found["Globex Corporation"]] == ["Hank Scorpio"]
    assert wiki.calls[0] == ("search", "Globex Corporation")


REVIEW = questions.Review(
    company="Delta",
    table="fang",
    status="ambiguous",
    title="Delta",
    title_url="https://en.wikipedia.org/wiki/Delta",
    candidates=[
        {
            "title": "Delta Air Lines",
            "sentence": "Delta Air Lines is a major American airline.",
            "url": "https://en.wikipedia.org/wiki/Delta_Air_Lines",
        },
        {
            "title": "*NSYNC",
            "sentence": "*NSYNC was a boy band.",
            "url": "https://en.wikipedia.org/wiki/*NSYNC",
        },
    ],
)
WHEN = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
ALICE = {"id": "alice", "name": "alice"}


def test_the_options_are_the_candidates_then_none_and_later():
    assert questions.options(REVIEW) == [
        "Delta Air Lines",
        "*NSYNC",
        "None of these",
        "Ask again later",
    ]


def test_the_body_names_the_company_each_candidate_and_what_a_choice_does():
    body = questions.body(REVIEW, 7)
    assert "**Delta** as `ambiguous`" in body
    assert (
        "1. [Delta Air Lines](https://en.wikipedia.org/wiki/Delta_Air_Lines): "
        "Delta Air Lines is a major American airline." in body
    )
    # Markdown in a title is shown as written, not as emphasis.
    assert "2. [\\*NSYNC]" in body
    assert "`wikipedia_title`" in body
    assert "`no_article`" in body
    assert "Without an answer in 7 days" in body
    assert questions.subject(REVIEW) == "Which Wikipedia article is the company 'Delta'?"


@pytest.mark.parametrize(
    ("chosen", "title", "no_article"),
    [("Delta Air Lines", "Delta Air Lines", False), ("None of these", "", True)],
)
def test_an_answer_names_the_person_and_the_time(chosen, title, no_article):
    answer = questions.answer(
        REVIEW,
        {"chosen_options": [chosen], "responded_by_user": ALICE, "responded_at": WHEN},
    )
    assert (answer.company, answer.title, answer.no_article) == ("Delta", title, no_article)
    assert (answer.by, answer.at) == ("alice", "2026-12-02T10:30:00Z")
    assert not answer.later


def test_the_timeout_default_is_ask_again_later_by_nobody():
    answer = questions.answer(
        REVIEW,
        {"chosen_options": ["Ask again later"], "responded_by_user": None, "responded_at": WHEN},
    )
    assert answer.later
    assert answer.by == ""


def test_an_answer_that_is_not_an_option_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        questions.answer(REVIEW, {"chosen_options": ["Delta (rocket family)"]})
    with pytest.raises(ValueError, match="not one of"):
        questions.answer(REVIEW, {"chosen_options": ["Delta Air Lines", "None of these"]})


def test_the_operator_asks_its_company_with_the_runs_timeout_and_reviewers():
    from datetime import timedelta

    from enrichment.company_review.operator import CompanyReviewOperator
    from enrichment.company_review.settings import ReviewSettings

    ask = CompanyReviewOperator(task_id="ask", review=REVIEW)
    params = ReviewSettings.param_specs()
    run_params = {name: spec["default"] for name, spec in params.items()} | {
        "timeout_days": 2,
        "reviewers": ["alice", "bob"],
    }
    ask._ask({"params": run_params})
    assert ask.options == questions.options(REVIEW)
    assert ask.subject == questions.subject(REVIEW)
    assert "in 2 days" in ask.body
    assert ask.defaults == ["Ask again later"]
    assert ask.response_timeout == timedelta(days=2)
    assert ask.assigned_users == [{"id": "alice", "name": "alice"}, {"id": "bob", "name": "bob"}]
    ask._ask({"params": run_params | {"reviewers": []}})
    assert ask.assigned_users is None
