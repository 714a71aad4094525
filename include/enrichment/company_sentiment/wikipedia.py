"""Wikipedia, reached through the MediaWiki Action API on the ``wikipedia_default`` connection.

The book calls ``wikipedia.summary(name, sentences=1)`` from the PyPI package
``wikipedia``. That package is unmaintained, sets no request timeout, hard-codes its
endpoint and guesses titles with a buggy auto-suggest, and like TextExtracts it only
knows an article as it is now. This module asks the API for revisions instead, so that a
run can describe an article as it stood at the run's moment (:mod:`.page_history`):

- :meth:`WikipediaClient.latest`: the latest revision of up to :data:`MAX_TITLES` pages,
  with the wikitext of its lead (section 0), titles normalised. Redirects are not
  followed here: a redirect page has a history of its own (it may have been an article,
  or a disambiguation page, at a run's moment), so its revision at the moment decides
  where to go (:mod:`.intros`);
- :meth:`WikipediaClient.history`: one page's revision ids and times, older and older
  from a point (``rvlimit``/``rvstart``/``rvdir`` work on a single page only);
- :meth:`WikipediaClient.texts`: the leads of up to :data:`MAX_REVIDS` given revisions;
- :meth:`WikipediaClient.links` and :meth:`WikipediaClient.search`: the articles a
  disambiguation page links to, and the articles a search finds, for company_review's
  candidates.

The host comes from the Airflow connection, so the same code talks to en.wikipedia.org
or to the local stand-in. Every request is sent holding one of the deployment's
Wikipedia request slots (:mod:`enrichment.request_slots`), so at most
:data:`MAX_IN_FLIGHT` are in flight however many processes and hosts send them.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from enrichment import request_slots
from enrichment.company_sentiment.page_history import Revision, format_time, parse_time
from enrichment.company_sentiment.revision_texts import RevisionText

if TYPE_CHECKING:
    import requests
WIKIPEDIA_CONN_ID = "wikipedia_default"
API_ENDPOINT = "/w/api.php"
# The Wikimedia User-Agent policy blocks generic agents: name the project and a contact.
# A deployment names its own contact with a "User-Agent" key in the connection's extra.
USER_AGENT = (
    "ai-enrichment-pipelines/0.1 "
    "(https://github.com/ai-enrichment-pipelines/ai-enrichment-pipelines; data pipelines bot)"
)
# Wikimedia asks for at most this many requests in flight at once. The deployment-wide
# request slots (the `wikipedia_slots` Param) enforce it; within one process the
# coalescer sends no more than this at once, and on workers the Airflow pool of this
# many slots keeps company tasks from waiting on slots in worker processes.
MAX_IN_FLIGHT = 3
POOL = "wikipedia"
SLOT_PREFIX = "wikipedia"  # slots wikipedia#0, wikipedia#1, ... of the request slot table
REQUEST_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
# A slot's lease outlives the longest request: connect plus read timeout. The read timeout
# bounds each wait for bytes, not the whole answer, but an answer is a few kilobytes of
# JSON that comes in one read; request_slots.CLOCK_MARGIN is added for clock skew.
LEASE_SECONDS = request_slots.lease_seconds(sum(REQUEST_TIMEOUT))
# Ask servers to refuse us when replication lag is high, as bots are asked to.
MAXLAG_SECONDS = 5
# Retry-After is honoured inside the task this many times; a longer back-off is left to
# the task's own retries so a worker slot is not held asleep for minutes.
THROTTLE_ATTEMPTS = 3
MAX_RETRY_AFTER = 30.0
# In a triggerer, where waiting holds no worker slot, a client keeps asking through
# throttling, an outage (503s, refused connections) or a lost network for this long,
# backing off 1, 2, 4 ... 30 s: a Wikipedia outage of a minute or two costs the run that
# long and no error rows (the task's own retries, 5-10 s then 10-20 s, span ~30 s).
OUTAGE_PATIENCE = 180.0
THROTTLED_STATUSES = frozenset({429, 503})
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

log = logging.getLogger(__name__)


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


class WikipediaThrottled(WikipediaError):
    """Still throttled (429/503/maxlag) after honouring Retry-After in the task."""


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


def _named(titles: Sequence[str]) -> str:
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
    query = _checked(payload, _named(requested))
    if "continue" in payload:  # more than one answer holds: a bug of ours, not data
        raise WikipediaError(f"answer for {len(requested)} titles was cut short")
    pages = {page.get("title"): page for page in query.get("pages") or ()}
    if not pages:
        raise WikipediaError(f"response for {_named(requested)} has no pages")
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


def retry_after_seconds(response: requests.Response) -> float | None:
    """Seconds the server asked us to wait, or None when it is not throttling us."""
    throttled = response.status_code in THROTTLED_STATUSES
    if not throttled and response.headers.get("content-type", "").startswith("application/json"):
        # maxlag refusals come back as HTTP 200 with an error code and a Retry-After header.
        throttled = response.json().get("error", {}).get("code") == "maxlag"
    if not throttled:
        return None
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:  # an HTTP-date: rare from MediaWiki, a short wait is a fair reading
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def site_url(conn_id: str = WIKIPEDIA_CONN_ID) -> str:
    """The wiki the connection names (``https://en.wikipedia.org``), for links to its
    articles and diffs: the same connection the pipeline reads through."""
    from airflow.providers.http.hooks.http import HttpHook

    hook = HttpHook(method="GET", http_conn_id=conn_id)
    return hook.url_from_endpoint("").rstrip("/")


def article_url(site: str, title: str) -> str:
    """The article ``title`` on ``site``."""
    from urllib.parse import quote

    return f"{site}/wiki/{quote(title.replace(' ', '_'))}"


def diff_url(site: str, new: int, old: int) -> str:
    """What changed in an article from revision ``old`` to ``new``, on ``site``."""
    return f"{site}/w/index.php?diff={new}&oldid={old}"


def _backoff(attempt: int) -> float:
    """1, 2, 4 ... seconds, at most :data:`MAX_RETRY_AFTER`."""
    return min(2.0 ** (attempt - 1), MAX_RETRY_AFTER)


def request_slots_in(table, count: int) -> request_slots.RequestSlots:
    """The deployment's ``count`` Wikipedia request slots in DynamoDB ``table``."""
    return request_slots.RequestSlots(table, SLOT_PREFIX, count, lease=LEASE_SECONDS)


class WikipediaClient:
    """The MediaWiki API on the ``wikipedia_default`` connection, built once per holder of
    clients (a task on a worker, or a triggerer process for all its company tasks).

    One connection lookup and one HTTP session: the session carries the connection's
    host, settings and extra headers, and keeps its TCP connection open from one title
    (and one throttled retry) to the next.
    """

    def __init__(self, conn_id: str = WIKIPEDIA_CONN_ID, patience: float = 0.0) -> None:
        """``patience``: seconds a request keeps being retried through throttling and
        outages (:data:`OUTAGE_PATIENCE` in a triggerer); 0 gives up after
        :data:`THROTTLE_ATTEMPTS` throttled answers and at the first refused connection,
        leaving the rest to the task's retries."""
        import requests
        from airflow.providers.http.hooks.http import HttpHook

        self.patience = patience
        self._hook = HttpHook(method="GET", http_conn_id=conn_id)
        self._session = self._hook.get_conn(
            extra_options={"timeout": REQUEST_TIMEOUT, "check_response": False}
        )
        if self._session.headers.get("User-Agent") == requests.utils.default_user_agent():
            self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json"
        self._url = self._hook.url_from_endpoint(API_ENDPOINT)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> WikipediaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def latest(self, titles: Sequence[str], slots: request_slots.RequestSlots) -> dict[str, Page]:
        """The latest revision and its lead of each of ``titles`` (at most
        :data:`MAX_TITLES`), in one request."""
        answers = {title: invalid for title in titles if (invalid := invalid_title(title))}
        asked = list(dict.fromkeys(title for title in titles if title not in answers))
        if len(asked) > MAX_TITLES:
            raise ValueError(f"{len(asked)} titles in one query; at most {MAX_TITLES}")
        if not asked:
            return answers
        payload = self._get(latest_request(asked), slots, _named(asked))
        return answers | parse_latest(payload, asked)

    def history(
        self,
        page_title: str,
        slots: request_slots.RequestSlots,
        *,
        start: datetime | None,
        back_to: datetime,
    ) -> list[Revision]:
        """``page_title``'s revisions from ``start`` (inclusive; the newest when None) back
        to the first one saved before ``back_to``, or to the page's first revision: as
        many requests as that takes, each holding a slot."""
        found: list[Revision] = []
        more = ""
        while True:
            params = history_request(page_title, start, more)
            revisions, more = parse_history(self._get(params, slots, repr(page_title)), page_title)
            found.extend(revisions)
            if not more or (found and found[-1].timestamp < back_to):
                return found

    def texts(
        self, revids: Sequence[int], slots: request_slots.RequestSlots
    ) -> dict[int, RevisionText]:
        """The lead of each of ``revids`` (at most :data:`MAX_REVIDS`), in one request."""
        if len(revids) > MAX_REVIDS:
            raise ValueError(f"{len(revids)} revisions in one query; at most {MAX_REVIDS}")
        if not revids:
            return {}
        named = f"revisions {', '.join(map(str, revids))}"
        return parse_texts(self._get(texts_request(revids), slots, named), revids)

    def links(
        self, page_title: str, slots: request_slots.RequestSlots, *, limit: int = LINKS_LIMIT
    ) -> list[str]:
        """The articles ``page_title`` links to now, in the API's (title) order: as many
        requests as its links need, ``limit`` a request."""
        found: list[str] = []
        more = ""
        while True:
            params = links_request(page_title, more, limit)
            titles, more = parse_links(self._get(params, slots, repr(page_title)), page_title)
            found.extend(titles)
            if not more:
                return list(dict.fromkeys(found))

    def search(self, text: str, slots: request_slots.RequestSlots, *, limit: int) -> list[str]:
        """The titles of the ``limit`` articles a search for ``text`` ranks first."""
        if not text.strip():
            return []
        payload = self._get(search_request(text, limit), slots, f"search {text!r}")
        return parse_search(payload, text)

    def _get(
        self, params: dict[str, str], slots: request_slots.RequestSlots, what: str
    ) -> dict[str, Any]:
        """The JSON answer to one query, sent holding one of ``slots``; Retry-After
        honoured :data:`THROTTLE_ATTEMPTS` times, or for :attr:`patience` seconds."""
        import requests

        request = self._session.prepare_request(requests.Request("GET", self._url, params=params))
        patient_until = time.monotonic() + self.patience
        for attempt in itertools.count(1):
            try:
                # The one place a request goes out; its slot is freed before any wait.
                with slots.hold():
                    response = self._hook.run_and_check(
                        self._session, request, self._hook.merged_extra
                    )
            except (requests.ConnectionError, requests.Timeout) as error:
                if time.monotonic() > patient_until:
                    raise
                wait, reason = _backoff(attempt), f"unreachable ({type(error).__name__})"
            else:
                wait = retry_after_seconds(response)
                if wait is None:
                    break
                if self.patience:
                    wait = max(wait, _backoff(attempt))
                reason = f"HTTP {response.status_code}"
                if attempt >= THROTTLE_ATTEMPTS and time.monotonic() + wait > patient_until:
                    raise WikipediaThrottled(f"still throttled after {attempt} attempts for {what}")
            log.warning(
                "Wikipedia throttled %s (%s), waiting %.1fs (attempt %d)",
                what,
                reason,
                wait,
                attempt,
            )
            time.sleep(wait)
        if response.status_code != 200:
            raise WikipediaError(f"HTTP {response.status_code} for {what}: {response.text[:200]}")
        return response.json()
