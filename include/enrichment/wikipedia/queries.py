"""The MediaWiki Action API queries the pipelines send, and what their answers mean: pure.

Each query has a builder (its parameters) and a parser (the answer as this package's
types, or :class:`WikipediaError`). The client (:mod:`.client`) sends them.

- latest: the latest revision of up to :data:`MAX_TITLES` pages, with the wikitext of
  its lead (section 0), titles normalised. Redirects are not followed here: a redirect
  page has a history of its own (it may have been an article, or a disambiguation page,
  at a run's moment), so its revision at the moment decides where to go;
- history: one page's revision ids and times, older and older from a point
  (``rvlimit``/``rvstart``/``rvdir`` work on a single page only);
- texts: the leads of up to :data:`MAX_REVIDS` given revisions;
- links and search: the articles a disambiguation page links to, and the articles a
  search finds (company_review's candidates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enrichment.wikipedia.revisions import Revision, RevisionText, format_time, parse_time

# Ask servers to refuse us when replication lag is high, as bots are asked to.
MAXLAG_SECONDS = 5
# Pages whose latest lead one query asks for: an answer of 20 leads' wikitext is a few
# hundred kilobytes (the API takes 50 titles; a run's cost is titles / 20 requests).
MAX_TITLES = 20
# Revisions whose lead one query asks for (the API's limit with content).
MAX_REVIDS = 50
# Revision ids and times of one page per history query (the API's limit without content).
HISTORY_LIMIT = 500
# Links of one page per links query (the API's most; a longer page continues).
LINKS_LIMIT = 500
# "|" separates titles in a query, so a title holding one cannot be asked about; the API
# would refuse the others of MediaWiki's illegal characters the same way.
ILLEGAL_TITLE_CHARS = frozenset("#<>[]|{}")


@dataclass(frozen=True)
class Page:
    """The answer about one asked title: the page it resolved to and its latest revision
    with the revision's lead, or why there is no page (``problem``)."""

    title: str
    latest: Revision | None = None
    text: RevisionText | None = None
    problem: str = ""


class WikipediaError(Exception):
    """The API answered with something the pipeline cannot use; worth a retry."""


def _query(**params: str) -> dict[str, str]:
    return {
        "action": "query",
        "format": "json",
        "formatversion": "2",
        "maxlag": str(MAXLAG_SECONDS),
        **params,
    }


def latest_request(titles: Sequence[str]) -> dict[str, str]:
    """Query parameters asking for the latest revision of each of ``titles`` (the pages
    themselves, redirect pages included) with its lead's wikitext."""
    return _query(
        prop="revisions",
        rvprop="ids|timestamp|content",
        rvslots="main",
        rvsection="0",
        titles="|".join(titles),
    )


def history_request(page_title: str, start: datetime | None, more: str = "") -> dict[str, str]:
    """Query parameters asking for ``page_title``'s revisions from ``start`` (inclusive;
    the newest when None) back in time, :data:`HISTORY_LIMIT` at a time; ``more`` is the
    ``rvcontinue`` of the answer before."""
    params = _query(
        prop="revisions",
        rvprop="ids|timestamp",
        rvlimit=str(HISTORY_LIMIT),
        rvdir="older",
        titles=page_title,
    )
    if start is not None:
        params["rvstart"] = format_time(start)
    if more:
        params["rvcontinue"] = more
    return params


def texts_request(revids: Sequence[int]) -> dict[str, str]:
    """Query parameters asking for the lead's wikitext of each of ``revids``."""
    return _query(
        prop="revisions",
        rvprop="ids|timestamp|content",
        rvslots="main",
        rvsection="0",
        revids="|".join(map(str, revids)),
    )


def links_request(page_title: str, more: str = "", limit: int = LINKS_LIMIT) -> dict[str, str]:
    """Query parameters asking for the articles (namespace 0) ``page_title`` links to,
    ``limit`` at a time; ``more`` is the ``plcontinue`` of the answer before."""
    params = _query(prop="links", plnamespace="0", pllimit=str(limit), titles=page_title)
    if more:
        params["plcontinue"] = more
    return params


def search_request(text: str, limit: int) -> dict[str, str]:
    """Query parameters asking for the ``limit`` articles a search for ``text`` ranks first."""
    return _query(list="search", srsearch=text, srnamespace="0", srlimit=str(limit), srprop="")


def named(titles: Sequence[str]) -> str:
    """``'Sony'`` or ``'Sony', 'Intel'``: the titles of a request, for error messages."""
    return ", ".join(map(repr, titles))


def invalid_title(title: str) -> Page | None:
    """The answer for a title that cannot go into a query at all, else None."""
    if not title.strip() or ILLEGAL_TITLE_CHARS & set(title):
        return Page(title, problem="invalid title: empty or illegal characters")
    return None


def _checked(payload: dict[str, Any], what: str) -> dict[str, Any]:
    """The ``query`` part of an answer, or the API's error raised for a retry."""
    if "error" in payload:
        error = payload["error"]
        raise WikipediaError(f"API error {error.get('code')}: {error.get('info')} ({what})")
    return payload.get("query", {})


def _revision(page_title: str, raw: dict[str, Any]) -> tuple[Revision, RevisionText]:
    revision = Revision(parse_time(raw["timestamp"]), int(raw["revid"]), int(raw["parentid"]))
    main = raw.get("slots", {}).get("main", {})
    wikitext = None if main.get("texthidden") else main.get("content", "")
    return revision, RevisionText(revision.revid, page_title, revision.timestamp, wikitext)


def _page(raw: dict[str, Any], requested: str) -> Page:
    title = raw.get("title", requested)
    if raw.get("invalid"):
        return Page(title, problem=f"invalid title: {raw.get('invalidreason')}")
    if raw.get("missing"):
        return Page(title, problem="no such page")
    revisions = raw.get("revisions") or ()
    if not revisions:
        raise WikipediaError(f"{title!r} has no revision in the answer")
    latest, text = _revision(title, revisions[0])
    return Page(title, latest, text)


def parse_latest(payload: dict[str, Any], requested: Sequence[str]) -> dict[str, Page]:
    """Each requested title's :class:`Page` from a :func:`latest_request` answer.

    The API answers with one page per distinct article; a title is mapped to its page
    through the answer's ``normalized`` (``netflix`` -> ``Netflix``) and ``redirects``
    (``Tesla Motors`` -> ``Tesla, Inc.``) lists.
    """
    query = _checked(payload, named(requested))
    if "continue" in payload:  # more than one answer holds: a bug of ours, not data
        raise WikipediaError(f"answer for {len(requested)} titles was cut short")
    pages = {page.get("title"): page for page in query.get("pages") or ()}
    if not pages:
        raise WikipediaError(f"response for {named(requested)} has no pages")
    renames = {step["from"]: step["to"] for step in query.get("normalized", ())}
    renames |= {step["from"]: step["to"] for step in query.get("redirects", ())}
    answers = {}
    for title in requested:
        resolved, seen = title, {title}
        while resolved in renames and renames[resolved] not in seen:  # redirect chains end
            resolved = renames[resolved]
            seen.add(resolved)
        if resolved not in pages:
            raise WikipediaError(f"response has no page for {title!r}")
        answers[title] = _page(pages[resolved], title)
    return answers


def parse_history(payload: dict[str, Any], page_title: str) -> tuple[list[Revision], str]:
    """The revisions of one :func:`history_request` answer, and its ``rvcontinue`` ("" at
    the page's first revision)."""
    query = _checked(payload, repr(page_title))
    pages = query.get("pages") or ()
    if len(pages) != 1 or pages[0].get("missing") or pages[0].get("invalid"):
        raise WikipediaError(f"history of {page_title!r} has no page")
    revisions = [_revision(page_title, raw)[0] for raw in pages[0].get("revisions") or ()]
    return revisions, payload.get("continue", {}).get("rvcontinue", "")


def parse_texts(payload: dict[str, Any], revids: Sequence[int]) -> dict[int, RevisionText]:
    """The lead of each of ``revids`` from a :func:`texts_request` answer."""
    query = _checked(payload, f"revisions {', '.join(map(str, revids))}")
    texts = {}
    for page in query.get("pages") or ():
        for raw in page.get("revisions") or ():
            text = _revision(page.get("title", ""), raw)[1]
            texts[text.revid] = text
    missing = [revid for revid in revids if revid not in texts]
    if missing:  # a revision deleted since it was seen: worth a retry, then an error row
        raise WikipediaError(f"revisions {missing} are not in the answer")
    return texts


def parse_links(payload: dict[str, Any], page_title: str) -> tuple[list[str], str]:
    """The linked titles of one :func:`links_request` answer (none for a page that is
    gone), and its ``plcontinue`` ("" at the last link)."""
    query = _checked(payload, repr(page_title))
    titles = [
        link["title"]
        for page in query.get("pages") or ()
        for link in page.get("links") or ()
        if link.get("ns", 0) == 0
    ]
    return titles, payload.get("continue", {}).get("plcontinue", "")


def parse_search(payload: dict[str, Any], text: str) -> list[str]:
    """The titles a :func:`search_request` answer found, best first."""
    query = _checked(payload, f"search {text!r}")
    return [hit["title"] for hit in query.get("search") or ()]
