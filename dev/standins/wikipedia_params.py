"""What a query to the Wikipedia stand-in asks for, read and checked as MediaWiki reads
it: the real API's limits and messages, which mode a request is (as the stand-in's stats
count it), and the ``rv*`` and ``pl*`` parameters of prop=revisions and prop=links, each
with how its part of a page is shown. A refusal is an :class:`ApiError`, which the query
engine (``wikipedia_query``) answers in the API's error shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dev.standins.wikipedia_pages import (
    Page,
    Revision,
    iso_timestamp,
    parse_timestamp,
    section_zero,
    title_key,
)

# The real API's limits: titles or revids per query, intros per query with TextExtracts,
# revisions per history answer without and with content.
MAX_TITLES = 50
MAX_INTRO_EXTRACTS = 20
MAX_REVISIONS = 500
MAX_REVISIONS_WITH_CONTENT = 50
DEFAULT_REVISIONS = 10
# prop=links and list=search: the most per answer (pllimit, srlimit; 10 by default).
MAX_LINKS = MAX_SEARCH_RESULTS = 500
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
        limit, max_limit = read_limit(params.get("rvlimit"), cap, warnings, "rvlimit")
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
        limit, max_limit = read_limit(params.get("pllimit"), MAX_LINKS, warnings, "pllimit")
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


def read_limit(raw: str | None, cap: int, warnings: list[str], name: str) -> tuple[int, int | None]:
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
