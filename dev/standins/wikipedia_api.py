"""A local stand-in for the MediaWiki Action API (the subset the pipeline uses).

Serves ``/w/api.php?action=query`` (``format=json``, ``formatversion=2``) in the response
shapes of en.wikipedia.org, from pages with revision histories in wikitext
(``wikipedia_corpus.yaml``; its header documents the format and the timeline facts tests
may rely on; the page model is in ``wikipedia_pages``):

- ``prop=extracts`` (``exintro``, ``explaintext``, ``exsentences``): each page's intro as
  TextExtracts gives it, the plain text of its latest revision. As on the real API, extracts
  of an intro come for the first 20 pages only (``exlimit``), the rest with a ``continue``.
- ``prop=revisions`` with ``rvprop`` (``ids``, ``timestamp``, ``flags``, ``size``, ``sha1``,
  ``content``; ``user`` and ``comment`` are not served), ``rvslots=main`` (content under
  ``slots.main`` with its model and format; without it the legacy shape and its
  deprecation warning) and ``rvsection=0`` (the lead), in the API's three modes:
  titles (up to 50) -> each page's latest revision; one title with ``rvlimit`` (a number,
  or ``max``: 500, 50 with content), ``rvstart``/``rvend`` (inclusive) and ``rvdir``
  (``older`` by default, or ``newer``) -> its history, continued with ``rvcontinue``
  (``<YYYYMMDDHHMMSS>|<revid>``, as MediaWiki writes it), refused with ``invalidparammix``
  for several pages; ``revids`` (up to 50) -> those revisions grouped by page, unknown ones
  under ``badrevids``. A revision whose text an admin deleted answers ``texthidden`` (and
  ``sha1hidden``) instead of its content.
- ``prop=links`` (``plnamespace``, ``pllimit``: 10 by default, ``max`` 500, ``plcontinue``):
  the articles (namespace 0) each page's latest revision links to anywhere in its
  wikitext, a redirect's being its target, in MediaWiki's order (page id, then title as
  the database keys it: underscores, bytes), the limit counting over all the pages, with
  ``plcontinue`` ``<pageid>|0|<Title_with_underscores>`` of the next link. Links to files,
  categories, other namespaces and other wikis are not listed, nor the ones templates would
  make. It is how a disambiguation page's candidates are found.
- ``list=search`` (``srsearch``, ``srnamespace``, ``srlimit``: 10 by default, ``max`` 500,
  ``sroffset``; ``srwhat`` and ``srprop`` ignored): CirrusSearch's answer (``searchinfo``,
  ``search`` with ``ns``, ``title``, ``pageid``, ``size``, ``wordcount``, a ``snippet`` with
  ``<span class="searchmatch">`` and ``timestamp``; ``sroffset`` to continue, ``-||``)
  over the articles, made-up companies and redirects excepted. A page is a hit when each
  word (case and accents folded) is in its title or its lead; a title that is the query
  comes first, then titles with every word, then matches in the text only, each by more
  occurrences of the words, then by title. Also as ``generator=search`` (``gsr*``) with the
  other modules, each page with its ``index`` (rank); the pages come in page id order, and
  the generator continues with ``gsroffset`` (``gsroffset||``) once they are complete. It
  is how a company without a page finds candidates.
- ``prop=pageprops`` (disambiguation pages), ``redirects`` (followed as the pages are now),
  title normalisation, missing and invalid titles, at most 50 titles a query.

Beyond the corpus, every title ``Synthetic Company <n>`` (n < 10**8) is an article made up
on the spot, so load tests can ask about thousands of companies, with a fixed history:
created 2020-01-01T00:00:00Z and edited on 2026-10-05, 2026-10-15 and 2026-10-25 at hour
n % 24, the tone of its lead turning at each edit (praised, criticised, neutral by turns);
the latest revision's lead is the intro it always had (praised when n % 3 is 0, criticised
when 1, neutral when 2). Page id 900000000 + n, revids 100000000 + 4n + k (k = 0 for the
creation). The history benchmark (30 dates x 100 companies in October 2026, each seeing
its article change three times) relies on this rule.

For the results page's links it serves an article's page (``/wiki/<title>``) and a diff
(``/w/index.php?diff=&oldid=``) as plain HTML.

For tests and benchmarks it also has a control API under ``/__control__/``: queue faults
(HTTP 429/503 with Retry-After, maxlag refusals, 500s) for a title, a number of times or
for a number of seconds (an outage), add latency to every answer, save an edit now
(``POST /__control__/edit``), read back the requests it got (and how many were of each
mode: latest, history, revids, extracts, links, search) and the most it ever had in flight at once.
``DELETE`` forgets faults, requests and edits.

Run: ``python -m dev.standins.wikipedia_api --port 8951``
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from dev.standins.wikipedia_pages import (
    CORPUS,
    Page,
    Revision,
    iso_timestamp,
    load_corpus,
    normalise_title,
    parse_timestamp,
    section_zero,
    synthetic_number,
    synthetic_page,
    synthetic_page_of,
    title_key,
)

ILLEGAL_TITLE_CHARS = re.compile(r"[#<>\[\]|{}]")
# A sentence ends at . ! or ? followed by space and a capital, which is how TextExtracts
# cuts ``exsentences`` closely enough for this corpus ("Inc. is" is not a boundary).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# The real API's limits: titles or revids per query, intros per query with TextExtracts,
# revisions per history answer without and with content.
MAX_TITLES = 50
MAX_INTRO_EXTRACTS = 20
MAX_REVISIONS = 500
MAX_REVISIONS_WITH_CONTENT = 50
DEFAULT_REVISIONS = 10
# prop=links and list=search: the most per answer (pllimit, srlimit; 10 by default).
MAX_LINKS = MAX_SEARCH_RESULTS = 500
# A search result's snippet: about this many characters of the lead around the first match.
SNIPPET_CHARS = 150
WORD = re.compile(r"\w+")
# The parameters that make prop=revisions enumerate one page's history.
HISTORY_PARAMS = ("rvlimit", "rvstart", "rvend", "rvstartid", "rvendid", "rvuser", "rvexcludeuser")
MODES = ("latest", "history", "revids", "extracts", "links", "search")
# MediaWiki's messages, with its <var> markup turned into quotes as the API turns it.
SINGLE_PAGE_ONLY = (
    '"titles", "pageids" or a generator was used to supply multiple pages, but the "rvlimit",'
    ' "rvstartid", "rvendid", "rvdir=newer", "rvuser", "rvexcludeuser", "rvstart", and "rvend"'
    " parameters may only be used on a single page."
)
NOT_WITH_REVIDS = (
    'The "revids" parameter may not be used with the list options ("rvlimit", "rvstartid",'
    ' "rvendid", "rvdir=newer", "rvuser", "rvexcludeuser", "rvstart", and "rvend").'
)
LEGACY_SLOTS = (
    'Because "rvslots" was not specified, a legacy format has been used for the output. This'
    " format is deprecated, and in the future the new format will always be used."
)
BAD_CONTINUE = (
    "Invalid continue param. You should pass the original value returned by the previous query."
)


def first_sentences(text: str, count: int) -> str:
    return " ".join(SENTENCE_END.split(text.strip())[:count])


def enumerates_history(params: dict[str, str]) -> bool:
    """Whether prop=revisions lists one page's history (MediaWiki's "enum mode")."""
    return any(name in params for name in HISTORY_PARAMS) or params.get("rvdir") == "newer"


def request_mode(params: dict[str, str]) -> str:
    """What a request asks for, as the stats count it: revisions by id, a search (listed,
    or generating the pages whose revisions come), pages' links, one page's history,
    pages' latest revisions, intros (extracts), or something else."""
    modules = params.get("prop", "").split("|")
    if params.get("revids"):
        return "revids"
    if "search" in params.get("list", "").split("|") or params.get("generator") == "search":
        return "search"
    if "links" in modules:
        return "links"
    if "revisions" in modules:
        return "history" if enumerates_history(params) else "latest"
    return "extracts" if "extracts" in modules else "other"


class ApiError(Exception):
    """A refusal in the API's shape: ``{"error": {"code": ..., "info": ...}}``."""

    def __init__(self, code: str, info: str) -> None:
        super().__init__(info)
        self.code, self.info = code, info


def fold(text: str) -> str:
    """A word as search compares it: case and accents folded ("Nestlé" finds "nestle")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class RevisionsAsked:
    """The ``rv*`` parameters of a prop=revisions query, checked as MediaWiki checks them."""

    module = "revisions"  # where its warnings and limits are reported

    props: frozenset[str]
    slots: bool  # rvslots given: content under slots.main
    lead_only: bool  # rvsection=0
    history: bool
    limit: int
    newer: bool
    start: datetime | None
    end: datetime | None
    resume: tuple[datetime, int] | None  # rvcontinue of a history
    max_limit: int | None  # the limit rvlimit=max stood for, reported back under "limits"
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, params: dict[str, str]) -> RevisionsAsked:
        props = frozenset(params.get("rvprop", "ids|timestamp|flags|comment|user").split("|"))
        section = params.get("rvsection")
        if section not in (None, "0"):
            raise ApiError("badvalue", "The stand-in serves only rvsection=0.")
        direction = params.get("rvdir", "older")
        if direction not in ("older", "newer"):
            raise ApiError("badvalue", f'Unrecognized value for parameter "rvdir": {direction}.')
        warnings = [] if "rvslots" in params or "content" not in props else [LEGACY_SLOTS]
        cap = MAX_REVISIONS_WITH_CONTENT if "content" in props else MAX_REVISIONS
        limit, max_limit = _limit(params.get("rvlimit"), cap, warnings, "rvlimit")
        history = enumerates_history(params)
        return cls(
            props=props,
            slots="rvslots" in params,
            lead_only=section == "0",
            history=history,
            limit=limit,
            newer=direction == "newer",
            start=_timestamp_param(params, "rvstart"),
            end=_timestamp_param(params, "rvend"),
            resume=_resume(params.get("rvcontinue")) if history else None,
            max_limit=max_limit,
            warnings=tuple(warnings),
        )

    def history_of(self, page: Page) -> tuple[list[Revision], str | None]:
        """One answer's revisions of ``page``'s history, and the rvcontinue of the rest."""

        def key(revision: Revision) -> tuple[datetime, int]:
            return revision.timestamp, revision.revid

        # Both bounds are inclusive; rvstart is where the listing begins, so it is the
        # newest moment when going older and the oldest one when going newer.
        low, high = (self.start, self.end) if self.newer else (self.end, self.start)
        listed = sorted(
            (
                revision
                for revision in page.revisions
                if (low is None or revision.timestamp >= low)
                and (high is None or revision.timestamp <= high)
                and (
                    self.resume is None
                    or (
                        key(revision) >= self.resume if self.newer else key(revision) <= self.resume
                    )
                )
            ),
            key=key,
            reverse=not self.newer,
        )
        if len(listed) <= self.limit:
            return listed, None
        following = listed[self.limit]
        return listed[: self.limit], f"{following.timestamp:%Y%m%d%H%M%S}|{following.revid}"

    def render(self, revision: Revision) -> dict[str, Any]:
        """A revision as the API shows it, with the properties asked for."""
        shown: dict[str, Any] = {}
        if "ids" in self.props:
            shown |= {"revid": revision.revid, "parentid": revision.parentid}
        if "flags" in self.props:
            shown["minor"] = revision.minor
        if "timestamp" in self.props:
            shown["timestamp"] = iso_timestamp(revision.timestamp)
        if "size" in self.props:
            shown["size"] = revision.size
        if "sha1" in self.props:
            shown |= {"sha1hidden": True} if revision.hidden else {"sha1": revision.sha1}
        if "content" in self.props:
            if revision.hidden:
                slot: dict[str, Any] = {"texthidden": True}
            else:
                content = section_zero(revision.wikitext) if self.lead_only else revision.wikitext
                slot = {
                    "contentmodel": "wikitext",
                    "contentformat": "text/x-wiki",
                    "content": content,
                }
            if self.slots:
                shown["slots"] = {"main": slot}
            else:
                shown |= slot
        return shown


@dataclass(frozen=True)
class LinksAsked:
    """The ``pl*`` parameters of a prop=links query."""

    module = "links"
    articles: bool  # plnamespace lets namespace 0 through (the only one the stand-in has)
    limit: int  # links per answer, over all the pages asked
    resume: tuple[int, int, bytes] | None  # plcontinue: page id, namespace, title key
    max_limit: int | None
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, params: dict[str, str]) -> LinksAsked:
        warnings: list[str] = []
        limit, max_limit = _limit(params.get("pllimit"), MAX_LINKS, warnings, "pllimit")
        namespaces = params.get("plnamespace", "0").split("|")
        resume = None
        if "plcontinue" in params:
            pageid, namespace, title = [*params["plcontinue"].split("|", 2), "", ""][:3]
            if not (pageid.isdigit() and namespace.isdigit() and title):
                raise ApiError("badcontinue", BAD_CONTINUE)
            resume = int(pageid), int(namespace), title.encode("utf-8")
        articles = "0" in namespaces or "*" in namespaces
        return cls(articles, limit, resume, max_limit, tuple(warnings))

    def show(self, entries: list[Page | dict[str, Any]], pages: list[dict[str, Any]]) -> str | None:
        """Add their links to the pages shown, MediaWiki's order being page id, namespace,
        title, across all the pages; the plcontinue of the links left for the next answer."""
        shown_of = {
            page.pageid: shown
            for page, shown in zip(entries, pages, strict=True)
            if isinstance(page, Page)
        }
        listed = sorted(
            (pageid, 0, title_key(title), title)
            for pageid, page in {p.pageid: p for p in entries if isinstance(p, Page)}.items()
            for title in (page.links if self.articles else ())
        )
        if self.resume:
            listed = [link for link in listed if link[:3] >= self.resume]
        for pageid, namespace, _, title in listed[: self.limit]:
            shown_of[pageid].setdefault("links", []).append({"ns": namespace, "title": title})
        if len(listed) <= self.limit:
            return None
        pageid, namespace, key, _ = listed[self.limit]
        return f"{pageid}|{namespace}|{key.decode('utf-8')}"


@dataclass(frozen=True)
class SearchAsked:
    """The parameters of list=search (``sr*``) or generator=search (``gsr*``)."""

    module = "search"
    words: tuple[str, ...]  # folded
    articles: bool  # srnamespace lets namespace 0 through
    limit: int
    offset: int
    max_limit: int | None
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, params: dict[str, str], prefix: str) -> SearchAsked:
        query = params.get(f"{prefix}search", "")
        if not query.strip():
            raise ApiError("missingparam", f'The "{prefix}search" parameter must be set.')
        warnings: list[str] = []
        limit, max_limit = _limit(
            params.get(f"{prefix}limit"), MAX_SEARCH_RESULTS, warnings, f"{prefix}limit"
        )
        raw_offset = params.get(f"{prefix}offset", "0")
        try:
            offset = max(0, int(raw_offset))
        except ValueError:
            info = f'Invalid value "{raw_offset}" for integer parameter "{prefix}offset".'
            raise ApiError("badinteger", info) from None
        namespaces = params.get(f"{prefix}namespace", "0").split("|")
        words = tuple(dict.fromkeys(fold(word) for word in WORD.findall(query)))
        articles = "0" in namespaces or "*" in namespaces
        return cls(words, articles, limit, offset, max_limit, tuple(warnings))

    def rank(self, page: Page) -> tuple[int, int, bytes] | None:
        """Where ``page`` comes among the hits (lower first), or None if it is not one:
        every word must be in its title or its lead. First a title that is the query,
        then titles with all the words, then pages matching in their text only; within
        each, more occurrences of the words first, then by title."""
        title_words = [fold(word) for word in WORD.findall(page.title)]
        text_words = [fold(word) for word in WORD.findall(page.latest.text or "")]
        if not self.words or not set(self.words) <= {*title_words, *text_words}:
            return None
        if title_words == list(self.words):
            tier = 0
        elif set(self.words) <= set(title_words):
            tier = 1
        else:
            tier = 2
        occurrences = sum(word in self.words for word in (*title_words, *text_words))
        return tier, -occurrences, title_key(page.title)

    def result(self, page: Page) -> dict[str, Any]:
        """A hit as CirrusSearch lists it, whatever ``srprop`` asked for."""
        text = page.latest.text or ""
        return {
            "ns": 0,
            "title": page.title,
            "pageid": page.pageid,
            "size": page.latest.size,
            "wordcount": len(text.split()),  # of the lead: the stand-in's only plain text
            "snippet": self.snippet(text),
            "timestamp": iso_timestamp(page.latest.timestamp),
        }

    def snippet(self, text: str) -> str:
        """About SNIPPET_CHARS of the lead from the sentence of the first match (its
        start when only the title matched), HTML-escaped, the words highlighted."""
        matches = [m for m in WORD.finditer(text) if fold(m.group()) in self.words]
        start = 0
        if matches:
            first = matches[0].start()
            start = max(
                (b.end() for b in SENTENCE_END.finditer(text) if b.end() <= first), default=0
            )
            if first - start > SNIPPET_CHARS // 2:  # a long sentence: from a word before
                start = text.find(" ", first - SNIPPET_CHARS // 3) + 1
        end = len(text)
        if end - start > SNIPPET_CHARS:
            end = max(text.rfind(" ", start, start + SNIPPET_CHARS), start + 1)
        pieces, at = [], start
        for match in matches:
            if start <= match.start() and match.end() <= end:
                pieces.append(escape(text[at : match.start()], quote=False))
                pieces.append(f'<span class="searchmatch">{escape(match.group())}</span>')
                at = match.end()
        pieces.append(escape(text[at:end], quote=False))
        return "".join(pieces)


def _limit(raw: str | None, cap: int, warnings: list[str], name: str) -> tuple[int, int | None]:
    if raw is None:
        return DEFAULT_REVISIONS, None  # 10, for rvlimit, pllimit and srlimit alike
    if raw == "max":
        return cap, cap
    try:
        asked = int(raw)
    except ValueError:
        raise ApiError(
            "badinteger", f'Invalid value "{raw}" for integer parameter "{name}".'
        ) from None
    # Out of range is not an error: the API clamps the value and says so.
    if asked > cap:
        warnings.append(f'"{name}" may not be over {cap} (set to {asked}) for users.')
        return cap, None
    if asked < 1:
        warnings.append(f'"{name}" may not be less than 1 (set to {asked}).')
        return 1, None
    return asked, None


def _timestamp_param(params: dict[str, str], name: str) -> datetime | None:
    if name not in params:
        return None
    if params[name] == "now":
        return datetime.now(UTC).replace(microsecond=0)
    moment = parse_timestamp(params[name])
    if moment is None:
        raise ApiError(
            "badtimestamp", f'Invalid value "{params[name]}" for timestamp parameter "{name}".'
        )
    return moment


def _resume(raw: str | None) -> tuple[datetime, int] | None:
    if raw is None:
        return None
    moment, _, revid = raw.partition("|")
    resumed = parse_timestamp(moment)
    if resumed is None or not revid.isdigit():
        raise ApiError("badcontinue", BAD_CONTINUE)
    return resumed, int(revid)


@dataclass
class Fault:
    title: str  # a normalised title, or "*" for any request
    remaining: int
    status: int
    retry_after: str | None
    kind: str  # "http" or "maxlag"
    # A fault for a while (an outage): every request until this time.monotonic() takes it,
    # whatever ``remaining`` says.
    until: float = 0.0

    def takes(self, now: float) -> bool:
        return self.remaining > 0 or now < self.until


class Corpus:
    """The pages, the edits saved since the last reset, and the queries over them."""

    def __init__(self, path: Path = CORPUS) -> None:
        self.articles, self.redirects = load_corpus(path)
        stored = (*self.articles.values(), *self.redirects.values())
        self._stored_titles = {rev.revid: page.title for page in stored for rev in page.revisions}
        self._lock = threading.Lock()
        self._edited: dict[str, Page] = {}
        self._edit_titles: dict[int, str] = {}
        # New revids and page ids are never handed out twice, resets included, as on the
        # wiki: a cache that saw a revid must never see it name another text.
        self._next_revid = max(self._stored_titles) + 1
        self._next_pageid = max(page.pageid for page in stored) + 1

    def find(self, title: str) -> Page | None:
        """The page of this (normalised) title as it is now, or None."""
        return (
            self._edited.get(title)
            or self.articles.get(title)
            or self.redirects.get(title)
            or synthetic_page(title)
        )

    def page(self, title: str, sentences: int | None) -> dict[str, Any]:
        """The page as ``prop=extracts|pageprops`` shows it (what today's client reads)."""
        page = self.find(title)
        if page is None:
            return {"ns": 0, "title": title, "missing": True}
        return self._shown(page, ["extracts", "pageprops"], sentences)

    def edit(
        self, title: str, wikitext: str, text: str | None = None, at: datetime | None = None
    ) -> Page:
        """Save a revision of ``title`` (created if it does not exist) at ``at`` (default
        now, to the second); ``text`` is what prop=extracts answers from then on."""
        if not title.strip() or ILLEGAL_TITLE_CHARS.search(title):
            raise ValueError(f"illegal title {title!r}")
        title = normalise_title(title)
        moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        with self._lock:
            page = self.find(title)
            if page is None:
                page = Page(title, self._next_pageid, ())
                self._next_pageid += 1
            page = page.edited(self._next_revid, moment, wikitext, text)
            self._edited[title] = page
            self._edit_titles[self._next_revid] = title
            self._next_revid += 1
            return page

    def reset_edits(self) -> None:
        """Forget every edit saved through :meth:`edit`."""
        with self._lock:
            self._edited.clear()
            self._edit_titles.clear()

    def revision(self, revid: int) -> tuple[Page, Revision] | None:
        title = self._edit_titles.get(revid) or self._stored_titles.get(revid)
        page = self.find(title) if title else synthetic_page_of(revid)
        for revision in page.revisions if page else ():
            if revision.revid == revid:
                return page, revision
        return None

    def search(self, asked: SearchAsked) -> tuple[int, list[Page]]:
        """How many articles match, and the ones of this answer, ranked. Only articles:
        no redirects and no made-up companies (the wiki's search index has the former as
        their targets, and the latter exist for load tests only); edits count."""
        if not asked.articles:
            return 0, []
        pages = ({**self.articles, **self._edited}).values()
        ranked = sorted(
            (key, page)
            for page in pages
            if page.redirect_target is None
            and synthetic_number(page.title) is None
            and (key := asked.rank(page)) is not None
        )
        hits = [page for _, page in ranked]
        return len(hits), hits[asked.offset : asked.offset + asked.limit]

    def html(self, path: str, query: dict[str, list[str]]) -> tuple[int, str]:
        """The two pages the results page links to, so its links work in the demo: an
        article (``/wiki/<title>``: its lead now) and a diff
        (``/w/index.php?diff=<new>&oldid=<old>``: the two revisions' leads in wikitext)."""
        if path.startswith("/wiki/"):
            title = normalise_title(unquote(path.removeprefix("/wiki/")).replace("_", " "))
            page = self.find(title)
            if page is None:
                return 404, _html(title, "<p>Wikipedia has no article with this name.</p>")
            return 200, _html(page.title, f"<p>{escape(page.extract)}</p>")
        shown = []
        for name in ("oldid", "diff"):
            revid = query.get(name, [""])[0]
            found = self.revision(int(revid)) if revid.isdigit() else None
            if found is None:
                return 404, _html("Diff", f"<p>No such revision for {name}.</p>")
            page, revision = found
            shown.append(
                f"<h2>Revision {revision.revid} ({iso_timestamp(revision.timestamp)})</h2>"
                f"<pre>{escape(section_zero(revision.wikitext))}</pre>"
            )
        return 200, _html(f"{page.title}: difference between revisions", "".join(shown))

    def query(self, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            try:
                return self._query(params)
            except ApiError as error:
                return {"error": {"code": error.code, "info": error.info}}

    def _query(self, params: dict[str, str]) -> dict[str, Any]:
        modules = [module for module in params.get("prop", "").split("|") if module]
        # A continued query names the modules that already finished after "||".
        finished = set(params.get("continue", "").partition("||")[2].split("|"))
        running = [module for module in modules if module not in finished]
        revisions = RevisionsAsked.parse(params) if "revisions" in running else None
        links = LinksAsked.parse(params) if "links" in running else None
        if params.get("revids"):
            return self._by_revids(params, modules, running, revisions)
        asked: list[Any] = [revisions, links]
        query, listed = self._lists(params, asked)
        requested = [t for t in params.get("titles", "").split("|") if t]
        if len(requested) > MAX_TITLES:
            info = f'Too many values supplied for parameter "titles". The limit is {MAX_TITLES}.'
            raise ApiError("toomanyvalues", info)
        if params.get("generator"):
            entries, generated, generator = self._generated(params, requested, asked)
            normalized: list[dict] = []
            redirects: list[dict] = []
        else:
            generated, generator = {}, ({}, {})
            follow = bool(params.get("redirects"))
            normalized, redirects, entries = self._resolve(requested, follow)
        found = [entry for entry in entries if isinstance(entry, Page)]
        if revisions and revisions.history and len(found) > 1:
            raise ApiError("invalidparammix", SINGLE_PAGE_ONLY)
        sentences = int(params["exsentences"]) if params.get("exsentences") else None
        pages = [
            self._shown(entry, running, sentences, generated.get(entry.pageid))
            if isinstance(entry, Page)
            else entry
            for entry in entries
        ]
        continuing: dict[str, Any] = {}
        if revisions:
            more = _show_revisions(revisions, entries, pages)
            continuing |= {"rvcontinue": more} if more else {}
        if links:
            more = links.show(entries, pages)
            continuing |= {"plcontinue": more} if more else {}
        if params.get("exintro") and "extracts" in running and _trim_intros(pages):
            continuing["excontinue"] = MAX_INTRO_EXTRACTS
        # A list alone has no pages; a generator that found none has no query at all.
        if pages or not (params.get("generator") or (params.get("list") and not requested)):
            query["pages"] = pages
        if normalized:
            query["normalized"] = normalized
        if redirects:
            query["redirects"] = redirects
        return _answer(query, modules, continuing, asked, listed=listed, generator=generator)

    def _lists(
        self, params: dict[str, str], asked: list[Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The list modules' part of the query (list=search the only one), and their
        continuation."""
        query: dict[str, Any] = {}
        listed: dict[str, Any] = {}
        for name in (name for name in params.get("list", "").split("|") if name):
            if name != "search":
                raise ApiError("badvalue", f'Unrecognized value for parameter "list": {name}.')
            search = SearchAsked.parse(params, "sr")
            asked.append(search)
            total, hits = self.search(search)
            query |= {
                "searchinfo": {"totalhits": total},
                "search": [search.result(hit) for hit in hits],
            }
            if search.offset + len(hits) < total:
                listed["sroffset"] = search.offset + len(hits)
        return query, listed

    def _generated(
        self, params: dict[str, str], requested: list[str], asked: list[Any]
    ) -> tuple[list[Page], dict[int, int], tuple[dict[str, Any], dict[str, Any]]]:
        """generator=search: the pages found, each one's rank (its "index"), and the
        generator's parameters of this answer and of the next one."""
        if params["generator"] != "search":
            info = f'Unrecognized value for parameter "generator": {params["generator"]}.'
            raise ApiError("badvalue", info)
        if requested:
            info = 'The parameters "generator" and "titles" can not be used together.'
            raise ApiError("invalidparammix", info)
        search = SearchAsked.parse(params, "gsr")
        asked.append(search)
        total, hits = self.search(search)
        ranks = {page.pageid: search.offset + n for n, page in enumerate(hits, 1)}
        following = search.offset + len(hits)
        generator = (
            {"gsroffset": search.offset} if "gsroffset" in params else {},
            {"gsroffset": following} if following < total else {},
        )
        # The page set holds them by page id, not in the generator's order: the rank is
        # each page's "index".
        return sorted(hits, key=lambda page: page.pageid), ranks, generator

    def _resolve(
        self, requested: list[str], follow_redirects: bool
    ) -> tuple[list[dict], list[dict], list[Page | dict[str, Any]]]:
        """Normalisations, redirects followed, and each distinct page asked for: a Page, or
        the entry of a missing or invalid title."""
        normalized: list[dict] = []
        redirects: list[dict] = []
        entries: dict[str, Page | dict[str, Any]] = {}
        for raw in requested:
            if not raw.strip() or ILLEGAL_TITLE_CHARS.search(raw):
                reason = "The requested page title is empty or contains illegal characters."
                entries[raw] = {"title": raw, "invalidreason": reason, "invalid": True}
                continue
            title = normalise_title(raw)
            if title != raw:
                normalized.append({"fromencoded": False, "from": raw, "to": title})
            page = self.find(title)
            seen = {title}
            while follow_redirects and page and page.redirect_target:
                redirects.append({"from": page.title, "to": page.redirect_target})
                title = page.redirect_target
                if title in seen:  # a redirect loop: the API stops where it began
                    break
                seen.add(title)
                page = self.find(title)
            entries.setdefault(title, page or {"ns": 0, "title": title, "missing": True})
        return normalized, redirects, list(entries.values())

    def _by_revids(
        self,
        params: dict[str, str],
        modules: list[str],
        running: list[str],
        revisions: RevisionsAsked | None,
    ) -> dict[str, Any]:
        values = [value for value in params["revids"].split("|") if value]
        if len(values) > MAX_TITLES:
            info = f'Too many values supplied for parameter "revids". The limit is {MAX_TITLES}.'
            raise ApiError("toomanyvalues", info)
        if params.get("titles"):
            raise ApiError(
                "invalidparammix", 'The parameters "titles" and "revids" can not be used together.'
            )
        bad = [value for value in values if not value.isdigit()]
        if bad:
            raise ApiError(
                "badinteger", f'Invalid value "{bad[0]}" for integer parameter "revids".'
            )
        if revisions and revisions.history:
            raise ApiError("invalidparammix", NOT_WITH_REVIDS)
        by_page: dict[int, tuple[Page, list[Revision]]] = {}
        missing: dict[str, dict[str, Any]] = {}
        for revid in dict.fromkeys(int(value) for value in values):
            found = self.revision(revid)
            if found is None:
                missing[str(revid)] = {"revid": revid, "missing": True}
                continue
            page, revision = found
            by_page.setdefault(page.pageid, (page, []))[1].append(revision)
        pages = []
        for pageid in sorted(by_page):
            page, listed = by_page[pageid]
            shown = self._shown(page, running, None)
            if revisions:
                shown["revisions"] = [
                    revisions.render(r) for r in sorted(listed, key=lambda r: r.revid)
                ]
            pages.append(shown)
        query: dict[str, Any] = {"pages": pages}
        if missing:
            query["badrevids"] = missing
        return _answer(query, modules, {}, [revisions])

    @staticmethod
    def _shown(
        page: Page, modules: list[str], sentences: int | None, index: int | None = None
    ) -> dict[str, Any]:
        shown: dict[str, Any] = {"pageid": page.pageid, "ns": 0, "title": page.title}
        if index is not None:
            shown["index"] = index
        if "extracts" in modules:
            shown["extract"] = (
                first_sentences(page.extract, sentences) if sentences else page.extract
            )
        if "pageprops" in modules and page.disambiguation:
            shown["pageprops"] = {"disambiguation": ""}
        return shown


def _html(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f" (local Wikipedia stand-in)</title></head><body><h1>{escape(title)}</h1>{body}"
        "<p><small>Served by the local Wikipedia stand-in (dev/standins).</small></p>"
        "</body></html>"
    )


def _show_revisions(
    revisions: RevisionsAsked, entries: list[Page | dict[str, Any]], pages: list[dict[str, Any]]
) -> str | None:
    """Add each found page's revisions (its latest, or its history); the rvcontinue of a
    history with more to come."""
    following = None
    for page, shown in zip(entries, pages, strict=True):
        if not isinstance(page, Page):
            continue
        listed, more = revisions.history_of(page) if revisions.history else ([page.latest], None)
        if listed:
            shown["revisions"] = [revisions.render(revision) for revision in listed]
        following = following or more
    return following


def _trim_intros(pages: list[dict[str, Any]]) -> bool:
    """Keep the intros of the first MAX_INTRO_EXTRACTS pages; whether some were left out."""
    with_extract = [page for page in pages if "extract" in page]
    for page in with_extract[MAX_INTRO_EXTRACTS:]:
        del page["extract"]
    return len(with_extract) > MAX_INTRO_EXTRACTS


# The continuation parameter of each prop module.
CONTINUED_BY = {"excontinue": "extracts", "rvcontinue": "revisions", "plcontinue": "links"}


def _answer(
    query: dict[str, Any],
    modules: list[str],
    continuing: dict[str, Any],
    asked: list[Any],
    listed: dict[str, Any] | None = None,
    generator: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
) -> dict[str, Any]:
    """The whole answer: ``continue`` and ``batchcomplete`` as MediaWiki's continuation
    manager sets them, warnings and limits of the modules ``asked``, and the query.

    ``continuing`` holds the prop modules' continuation, ``listed`` the list modules', and
    ``generator`` the generator's parameters of this answer and of the next. While prop
    modules continue, the batch of pages is not complete: the generator stays where it is
    and ``continue`` names the modules that finished (``||pageprops``). Once they are
    done, the generator moves on (``gsroffset||``, the prop modules starting again on its
    next pages) and a list continues alone (``-||``), the batch complete either way."""
    now, following = generator
    data = dict(listed or {})
    if continuing:
        continued = {CONTINUED_BY[name] for name in continuing}
        done = [module for module in modules if module not in continued]
        data |= continuing | now
        keys, complete = "|".join(now), False
    elif following:
        data |= following
        keys, done, complete = "|".join(following), [], True
    else:
        keys, done, complete = "-", [], True
    answer: dict[str, Any] = {"batchcomplete": True} if complete else {}
    if data:
        answer["continue"] = data | {"continue": f"{keys}||{'|'.join(done)}"}
    warnings = {a.module: {"warnings": "\n".join(a.warnings)} for a in asked if a and a.warnings}
    if warnings:
        answer["warnings"] = warnings
    limits = {a.module: a.max_limit for a in asked if a and a.max_limit}
    if limits:
        answer["limits"] = limits
    return answer | ({"query": query} if query else {})


class State:
    """Faults queued by tests and the log of requests received, shared by handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def stats(self) -> dict[str, Any]:
        with self.lock:
            modes = Counter(request_mode(r["params"]) for r in self.requests)
            return {
                "requests": len(self.requests),
                "requests_by_mode": {mode: modes[mode] for mode in MODES},
                "titles": sum(
                    len([t for t in r["params"].get("titles", "").split("|") if t])
                    for r in self.requests
                ),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "latency": self.latency,
            }

    def take_fault(self, titles: list[str]) -> Fault | None:
        wanted = {normalise_title(t) for t in titles}
        now = time.monotonic()
        with self.lock:
            for fault in self.faults:
                if fault.takes(now) and (fault.title == "*" or fault.title in wanted):
                    fault.remaining -= 1
                    return fault
        return None


class Handler(BaseHTTPRequestHandler):
    server: WikipediaServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
    # ACK holds the second one back ~40 ms per response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is kept in State and served under /__control__/requests

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(body).encode("utf-8"), "application/json", headers)

    def _send_html(self, status: int, html: str) -> None:
        self._send_bytes(status, html.encode("utf-8"), "text/html")

    def _send_bytes(
        self, status: int, payload: bytes, media_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._leave_flight()
        self.send_response(status)
        self.send_header("Content-Type", f"{media_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        state = self.server.state
        if url.path == "/healthz":
            self._send(200, {"status": "ok", "articles": len(self.server.corpus.articles)})
            return
        if url.path == "/__control__/requests":
            with state.lock:
                self._send(200, list(state.requests))
            return
        if url.path == "/__control__/stats":
            self._send(200, state.stats())
            return
        if url.path.startswith("/wiki/") or url.path == "/w/index.php":
            self._send_html(*self.server.corpus.html(url.path, parse_qs(url.query)))
            return
        if url.path != "/w/api.php":
            self._send(404, {"error": {"code": "notfound", "info": url.path}})
            return
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with state.lock:
            state.requests.append(
                {"params": params, "user_agent": self.headers.get("User-Agent"), "at": time.time()}
            )
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            latency = state.latency
        self._in_flight = True
        try:
            time.sleep(latency)  # a far-away server: the answer takes this long
            self._answer(params)
        finally:
            self._leave_flight()

    def _leave_flight(self) -> None:
        """A request stops counting as in flight when its answer starts on its way: the
        client frees its request slot only once the answer arrived, so a request it
        sends next is never counted beside this one (counting until this thread ends
        would, on a busy machine, show one more in flight than the slots allow)."""
        if getattr(self, "_in_flight", False):
            self._in_flight = False
            with self.server.state.lock:
                self.server.state.in_flight -= 1

    def _answer(self, params: dict[str, str]) -> None:
        fault = self.server.state.take_fault(params.get("titles", "").split("|"))
        if fault is not None:
            self._fault(fault)
        elif params.get("action") != "query":
            self._send(200, {"error": {"code": "badvalue", "info": "Only action=query is served"}})
        else:
            self._send(200, self.server.corpus.query(params))

    def _fault(self, fault: Fault) -> None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "maxlag":
            info = "Waiting for a database server: 7 seconds lagged."
            self._send(200, {"error": {"code": "maxlag", "info": info}}, headers)
        else:
            self._send(fault.status, {"error": {"code": "fault", "info": "injected"}}, headers)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/__control__/latency":
            seconds = float(self._body()["seconds"])
            with self.server.state.lock:
                self.server.state.latency = seconds
            self._send(200, {"latency": seconds})
        elif path == "/__control__/edit":
            self._edit(self._body())
        elif path == "/__control__/faults":
            self._queue_fault(self._body())
        else:
            self._send(404, {})

    def _edit(self, spec: dict[str, Any]) -> None:
        try:
            page = self.server.corpus.edit(spec["title"], spec["wikitext"], spec.get("text"))
        except (KeyError, ValueError) as error:
            self._send(400, {"error": f"an edit needs a legal title and wikitext: {error}"})
            return
        saved = page.latest
        self._send(
            201,
            {
                "title": page.title,
                "pageid": page.pageid,
                "revid": saved.revid,
                "parentid": saved.parentid,
                "timestamp": iso_timestamp(saved.timestamp),
            },
        )

    def _queue_fault(self, spec: dict[str, Any]) -> None:
        title = spec.get("title", "*")
        fault = Fault(
            title=title if title == "*" else normalise_title(title),
            remaining=int(spec.get("count", 1)),
            status=int(spec.get("status", 503)),
            retry_after=str(spec["retry_after"]) if "retry_after" in spec else None,
            kind=spec.get("kind", "http"),
            until=time.monotonic() + float(spec["seconds"]) if "seconds" in spec else 0.0,
        )
        with self.server.state.lock:
            self.server.state.faults.append(fault)
        self._send(201, {"queued": fault.remaining, "seconds": spec.get("seconds")})

    def do_DELETE(self) -> None:
        """Forget faults, the request log, the in-flight peak and the edits (latency stays)."""
        self.server.state.reset()
        self.server.corpus.reset_edits()
        self._send(200, {"reset": True})


class WikipediaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], corpus: Corpus) -> None:
        super().__init__(address, Handler)
        self.corpus = corpus
        self.state = State()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8951)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    server = WikipediaServer((args.host, args.port), Corpus(args.corpus))
    server.serve_forever()


if __name__ == "__main__":
    main()
