"""The articles a company might be: what a person chooses from in its review.

- An ``ambiguous`` company's title opens a disambiguation page: the candidates are the
  articles that page links to (:meth:`.WikipediaClient.links`).
- A ``not_found`` company has no page under its title: the candidates are what a search
  for its name finds, best first (:meth:`.WikipediaClient.search`).

Each candidate comes with the first sentence of its lead, read by the same code as
company_sentiment's text (:mod:`enrichment.wikipedia.wikitext`), so the person can tell
"Mercury Records" from "Mercury (planet)" without leaving Airflow. Links to redirects
become their targets, links to other disambiguation pages or to nothing are dropped.

"Most likely first": a companies table names organisations, so candidates whose title or
first sentence says it is one (company, airline, record label, ...) come first; within
each group a search keeps its rank and a disambiguation page the API's (title) order.
At most :data:`MAX_CANDIDATES` per company. All leads of a run's reviews are asked for
together, :data:`~enrichment.wikipedia.queries.MAX_TITLES` titles a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from enrichment import request_slots
from enrichment.wikipedia.client import WikipediaClient
from enrichment.wikipedia.queries import MAX_TITLES, Page
from enrichment.wikipedia.sentences import first_sentences
from enrichment.wikipedia.wikitext import read_lead

# What a person is shown for one company: a longer list is read by nobody.
MAX_CANDIDATES = 10
# Leads read per disambiguation page before ranking: enough that dropping redirects-
# gone-missing and other disambiguation pages still leaves MAX_CANDIDATES.
LINKS_READ = 2 * MAX_TITLES
# Words that mark an organisation in a title or a first sentence.
ORGANISATION = re.compile(
    r"\b(compan(y|ies)|corporation|inc\.?|ltd|plc|llc|airlines?|air lines|records|"
    r"record label|manufacturer|brand|retailer|bank|conglomerate|business|firm|"
    r"multinational|holding|enterprise|subsidiary|maker|publisher|studio|chain)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """One article a company might be, and the first sentence of its lead."""

    title: str
    sentence: str


@dataclass(frozen=True)
class Lookup:
    """What to look for about one company: ``ambiguous`` -> the links of ``title``,
    ``not_found`` -> a search for ``name``."""

    name: str
    status: str
    title: str


def is_organisation(title: str, sentence: str) -> bool:
    return bool(ORGANISATION.search(title) or ORGANISATION.search(sentence))


def ranked(candidates: Iterable[Candidate], limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Organisations first, each group in its given order, each title once, ``limit`` kept."""
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(candidate.title, candidate)
    organisations = [c for c in unique.values() if is_organisation(c.title, c.sentence)]
    others = [c for c in unique.values() if not is_organisation(c.title, c.sentence)]
    return (organisations + others)[:limit]


def shortlist(name: str, links: Sequence[str], limit: int = LINKS_READ) -> list[str]:
    """The links worth reading the leads of, before any lead is known: titles that start
    with the company's name or read as an organisation's first, then the rest."""
    folded = name.casefold()

    def likely(title: str) -> bool:
        return title.casefold().startswith(folded) or bool(ORGANISATION.search(title))

    return ([t for t in links if likely(t)] + [t for t in links if not likely(t)])[:limit]


def _sentence(page: Page) -> tuple[str, str]:
    """``("article", first sentence)``, ``("redirect", target)`` or ``("other", "")``."""
    if page.text is None or page.text.wikitext is None:
        return "other", ""
    lead = read_lead(page.text.wikitext)
    if lead.kind == "redirect":
        return "redirect", lead.redirect_to
    if lead.kind != "article":
        return "other", ""
    return "article", first_sentences(lead.text, 1)


class CandidateFinder:
    """Candidates of many companies with one client: each company's links or search,
    then the leads of all of them together, then the redirects' targets together."""

    def __init__(self, client: WikipediaClient, slots: request_slots.RequestSlots) -> None:
        self.client = client
        self.slots = slots

    def find(self, lookups: Sequence[Lookup]) -> dict[str, list[Candidate]]:
        """Each company's candidates (by name), at most :data:`MAX_CANDIDATES`, best first."""
        titles = {lookup.name: self._titles(lookup) for lookup in lookups}
        leads = self._leads({t for found in titles.values() for t in found})
        targets = {target for kind, target in leads.values() if kind == "redirect"}
        leads |= self._leads(targets - leads.keys())
        found: dict[str, list[Candidate]] = {}
        for name, candidates in titles.items():
            articles = []
            for title in candidates:
                kind, text = leads.get(title, ("other", ""))
                if kind == "redirect":
                    title, (kind, text) = text, leads.get(text, ("other", ""))
                if kind == "article":
                    articles.append(Candidate(title, text))
            found[name] = ranked(articles)
        return found

    def _titles(self, lookup: Lookup) -> list[str]:
        if lookup.status == "ambiguous":
            return shortlist(lookup.name, self.client.links(lookup.title, self.slots))
        return self.client.search(lookup.name, self.slots, limit=MAX_CANDIDATES)

    def _leads(self, titles: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``title -> (kind, first sentence or redirect target)``, 20 titles a request."""
        asked = sorted(titles)
        leads: dict[str, tuple[str, str]] = {}
        for start in range(0, len(asked), MAX_TITLES):
            pages = self.client.latest(asked[start : start + MAX_TITLES], self.slots)
            leads |= {title: _sentence(page) for title, page in pages.items()}
        return leads
