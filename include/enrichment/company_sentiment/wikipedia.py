"""Wikipedia, reached through the MediaWiki Action API on the ``wikipedia_default`` connection.

The book calls ``wikipedia.summary(name, sentences=1)`` from the PyPI package
``wikipedia``. That package is unmaintained, sets no request timeout, hard-codes its
endpoint and guesses titles with a buggy auto-suggest, so this module asks the API
directly: the TextExtracts intro in plain text, N sentences, redirects followed and
disambiguation pages flagged through page props. The host comes from the Airflow
connection, so the same code talks to en.wikipedia.org or to the local stand-in.

One request asks about up to :data:`MAX_TITLES` titles (the most intros TextExtracts
gives in one answer); each title's answer is found again through the ``normalized`` and
``redirects`` lists of the response. Every request is sent holding one of the
deployment's Wikipedia request slots (:mod:`enrichment.request_slots`), so at most
:data:`MAX_IN_FLIGHT` are in flight however many processes and hosts send them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from enrichment import request_slots

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
THROTTLED_STATUSES = frozenset({429, 503})
# TextExtracts returns at most 20 intros per query (``exlimit`` with ``exintro``).
MAX_TITLES = 20
# "|" separates titles in a query, so a title holding one cannot be asked about; the API
# would refuse the others of MediaWiki's illegal characters the same way.
ILLEGAL_TITLE_CHARS = frozenset("#<>[]|{}")

log = logging.getLogger(__name__)

Status = Literal["ok", "not_found", "ambiguous"]


@dataclass(frozen=True)
class Summary:
    """The answer about one title: the resolved article and its intro, or why there is none."""

    status: Status
    title: str
    snippet: str = ""
    reason: str = ""


class WikipediaError(Exception):
    """The API answered with something the pipeline cannot use; worth a retry."""


class WikipediaThrottled(WikipediaError):
    """Still throttled (429/503/maxlag) after honouring Retry-After in the task."""


def summary_request(titles: Sequence[str], sentences: int) -> dict[str, Any]:
    """Query parameters asking for the plain-text intros of ``titles``, redirects followed."""
    return {
        "action": "query",
        "format": "json",
        "formatversion": "2",
        "prop": "extracts|pageprops",
        "ppprop": "disambiguation",
        "exintro": "1",
        "explaintext": "1",
        "exsentences": str(sentences),
        "exlimit": str(MAX_TITLES),
        "redirects": "1",
        "titles": "|".join(titles),
        "maxlag": str(MAXLAG_SECONDS),
    }


def _named(titles: Sequence[str]) -> str:
    """``'Sony'`` or ``'Sony', 'Intel'``: the titles of a request, for error messages."""
    return ", ".join(map(repr, titles))


def invalid_title(title: str) -> Summary | None:
    """The answer for a title that cannot go into a query at all, else None."""
    if not title.strip() or ILLEGAL_TITLE_CHARS & set(title):
        return Summary("not_found", title, reason="invalid title: empty or illegal characters")
    return None


def _page_summary(page: dict[str, Any], requested: str) -> Summary:
    title = page.get("title", requested)
    if page.get("invalid"):
        return Summary("not_found", title, reason=f"invalid title: {page.get('invalidreason')}")
    if page.get("missing"):
        return Summary("not_found", title, reason="no such page")
    if "disambiguation" in page.get("pageprops", {}):
        return Summary("ambiguous", title, reason="disambiguation page")
    # One line, whitespace runs collapsed: the intro's paragraphs are joined by line
    # breaks, which CSV readers do not take inside a field (Athena's OpenCSVSerDe, pyarrow
    # by default); Comprehend reads the same words either way.
    snippet = " ".join((page.get("extract") or "").split())
    if not snippet:
        return Summary("not_found", title, reason="page has no intro text")
    return Summary("ok", title, snippet)


def parse_summaries(payload: dict[str, Any], requested: Sequence[str]) -> dict[str, Summary]:
    """Each requested title's :class:`Summary` from a ``formatversion=2`` query response.

    The API answers with one page per distinct article; a title is mapped to its page
    through the response's ``normalized`` (``netflix`` -> ``Netflix``) and ``redirects``
    (``Tesla Motors`` -> ``Tesla, Inc.``) lists.
    """
    if "error" in payload:
        error = payload["error"]
        raise WikipediaError(f"API error {error.get('code')}: {error.get('info')}")
    if "continue" in payload:  # more intros than one answer holds: a bug of ours, not data
        raise WikipediaError(f"answer for {len(requested)} titles was cut short")
    query = payload.get("query", {})
    pages = {page.get("title"): page for page in query.get("pages") or ()}
    if not pages:
        raise WikipediaError(f"response for {_named(requested)} has no pages")
    renames = {step["from"]: step["to"] for step in query.get("normalized", ())}
    renames |= {step["from"]: step["to"] for step in query.get("redirects", ())}
    summaries = {}
    for title in requested:
        resolved, seen = title, {title}
        while resolved in renames and renames[resolved] not in seen:  # redirect chains end
            resolved = renames[resolved]
            seen.add(resolved)
        if resolved not in pages:
            raise WikipediaError(f"response has no page for {title!r}")
        summaries[title] = _page_summary(pages[resolved], title)
    return summaries


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

    def __init__(self, conn_id: str = WIKIPEDIA_CONN_ID) -> None:
        import requests
        from airflow.providers.http.hooks.http import HttpHook

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

    def summaries(
        self, titles: Sequence[str], sentences: int, slots: request_slots.RequestSlots
    ) -> dict[str, Summary]:
        """The first ``sentences`` sentences of the intro of each of ``titles`` (at most
        :data:`MAX_TITLES`), in one request sent holding one of ``slots``."""
        import requests

        answers = {title: invalid for title in titles if (invalid := invalid_title(title))}
        asked = list(dict.fromkeys(title for title in titles if title not in answers))
        if len(asked) > MAX_TITLES:
            raise ValueError(f"{len(asked)} titles in one query; at most {MAX_TITLES}")
        if not asked:
            return answers
        request = self._session.prepare_request(
            requests.Request("GET", self._url, params=summary_request(asked, sentences))
        )
        for attempt in range(1, THROTTLE_ATTEMPTS + 1):
            # The one place a request goes out; its slot is freed before any Retry-After.
            with slots.hold():
                response = self._hook.run_and_check(self._session, request, self._hook.merged_extra)
            wait = retry_after_seconds(response)
            if wait is None:
                break
            log.warning(
                "Wikipedia throttled %d titles (HTTP %s), waiting %.1fs (attempt %d/%d)",
                len(asked),
                response.status_code,
                wait,
                attempt,
                THROTTLE_ATTEMPTS,
            )
            if attempt == THROTTLE_ATTEMPTS:
                raise WikipediaThrottled(
                    f"still throttled after {attempt} attempts for {_named(asked)}"
                )
            time.sleep(wait)
        if response.status_code != 200:
            raise WikipediaError(
                f"HTTP {response.status_code} for {_named(asked)}: {response.text[:200]}"
            )
        return answers | parse_summaries(response.json(), asked)
