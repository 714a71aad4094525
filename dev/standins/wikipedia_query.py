"""The query engine of the Wikipedia stand-in: the corpus's pages with the edits saved
since the last reset, and ``action=query`` answered over them in the API's shapes (page
sets by title, redirect or revision id; the prop modules; list and generator search;
continuation, warnings and limits as MediaWiki's continuation manager sets them).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dev.standins.wikipedia_pages import (
    CORPUS,
    Page,
    Revision,
    first_sentences,
    load_corpus,
    normalise_title,
    synthetic_number,
    synthetic_page,
    synthetic_page_of,
)
from dev.standins.wikipedia_params import (
    MAX_INTRO_EXTRACTS,
    MAX_TITLES,
    NOT_WITH_REVIDS,
    SINGLE_PAGE_ONLY,
    ApiError,
    LinksAsked,
    RevisionsAsked,
)
from dev.standins.wikipedia_search import SearchAsked

ILLEGAL_TITLE_CHARS = re.compile(r"[#<>\[\]|{}]")


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
