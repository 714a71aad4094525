"""The MediaWiki API on the ``wikipedia_default`` connection: one client per holder.

The host comes from the Airflow connection, so the same code talks to en.wikipedia.org
or to the local stand-in. Every request has a timeout and a User-Agent naming the
project, asks with ``maxlag`` and is sent holding one of the deployment's Wikipedia
request slots (:mod:`enrichment.request_slots`), so at most :data:`MAX_IN_FLIGHT` are in
flight however many processes and hosts send them. Throttling (429/503, or a ``maxlag``
refusal) is retried after the ``Retry-After`` the server asks for, each attempt taking a
slot of its own and freeing it before the wait (tenacity runs the attempts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from enrichment import request_slots
from enrichment.wikipedia import queries
from enrichment.wikipedia.queries import MAX_REVIDS, MAX_TITLES, Page, WikipediaError, named
from enrichment.wikipedia.revisions import Revision, RevisionText

if TYPE_CHECKING:
    import requests
    from tenacity import RetryCallState

WIKIPEDIA_CONN_ID = "wikipedia_default"
API_ENDPOINT = "/w/api.php"
# The Wikimedia User-Agent policy blocks generic agents: name the project and a contact.
# A deployment names its own contact with a "User-Agent" key in the connection's extra.
USER_AGENT = (
    "ai-enrichment-pipelines/0.1 "
    "(https://github.com/ai-enrichment-pipelines/ai-enrichment-pipelines; data pipelines bot)"
)
# Wikimedia asks for at most this many requests in flight at once. The deployment-wide
# request slots (the `wikipedia_slots` Param) enforce it.
MAX_IN_FLIGHT = 3
SLOT_PREFIX = "wikipedia"  # slots wikipedia#0, wikipedia#1, ... of the request slot table
REQUEST_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
# A slot's lease outlives the longest request: connect plus read timeout. The read timeout
# bounds each wait for bytes, not the whole answer, but an answer is a few kilobytes of
# JSON that comes in one read; request_slots.CLOCK_MARGIN is added for clock skew.
LEASE_SECONDS = request_slots.lease_seconds(sum(REQUEST_TIMEOUT))
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

log = logging.getLogger(__name__)


class WikipediaThrottled(WikipediaError):
    """Still throttled (429/503/maxlag) after honouring Retry-After in the task."""


class _Throttled(Exception):
    """One throttled answer: the status and the seconds the server asked us to wait."""

    def __init__(self, status: int, retry_after: float) -> None:
        super().__init__(f"HTTP {status}")
        self.retry_after = retry_after


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


def request_slots_in(table, count: int) -> request_slots.RequestSlots:
    """The deployment's ``count`` Wikipedia request slots in DynamoDB ``table``."""
    return request_slots.RequestSlots(table, SLOT_PREFIX, count, lease=LEASE_SECONDS)


def _backoff(attempt: int) -> float:
    """1, 2, 4 ... seconds, at most :data:`MAX_RETRY_AFTER`."""
    return min(2.0 ** (attempt - 1), MAX_RETRY_AFTER)


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
        answers = {title: bad for title in titles if (bad := queries.invalid_title(title))}
        asked = list(dict.fromkeys(title for title in titles if title not in answers))
        if len(asked) > MAX_TITLES:
            raise ValueError(f"{len(asked)} titles in one query; at most {MAX_TITLES}")
        if not asked:
            return answers
        payload = self._get(queries.latest_request(asked), slots, named(asked))
        return answers | queries.parse_latest(payload, asked)

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
            payload = self._get(
                queries.history_request(page_title, start, more), slots, repr(page_title)
            )
            revisions, more = queries.parse_history(payload, page_title)
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
        what = f"revisions {', '.join(map(str, revids))}"
        return queries.parse_texts(self._get(queries.texts_request(revids), slots, what), revids)

    def links(
        self,
        page_title: str,
        slots: request_slots.RequestSlots,
        *,
        limit: int = queries.LINKS_LIMIT,
    ) -> list[str]:
        """The articles ``page_title`` links to now, in the API's (title) order: as many
        requests as its links need, ``limit`` a request."""
        found: list[str] = []
        more = ""
        while True:
            payload = self._get(
                queries.links_request(page_title, more, limit), slots, repr(page_title)
            )
            titles, more = queries.parse_links(payload, page_title)
            found.extend(titles)
            if not more:
                return list(dict.fromkeys(found))

    def search(self, text: str, slots: request_slots.RequestSlots, *, limit: int) -> list[str]:
        """The titles of the ``limit`` articles a search for ``text`` ranks first."""
        if not text.strip():
            return []
        payload = self._get(queries.search_request(text, limit), slots, f"search {text!r}")
        return queries.parse_search(payload, text)

    def _get(
        self, params: dict[str, str], slots: request_slots.RequestSlots, what: str
    ) -> dict[str, Any]:
        """The JSON answer to one query: each attempt sent holding one of ``slots``;
        Retry-After honoured :data:`THROTTLE_ATTEMPTS` times, or for :attr:`patience`
        seconds, unreachable servers retried for :attr:`patience` seconds."""
        import requests
        from tenacity import Retrying, retry_if_exception_type

        request = self._session.prepare_request(requests.Request("GET", self._url, params=params))

        def attempt() -> requests.Response:
            # The one place a request goes out; its slot is freed before any wait.
            with slots.hold():
                response = self._hook.run_and_check(self._session, request, self._hook.merged_extra)
            wait = retry_after_seconds(response)
            if wait is not None:
                raise _Throttled(response.status_code, wait)
            return response

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception()
            if isinstance(error, _Throttled):
                return (
                    max(error.retry_after, _backoff(state.attempt_number))
                    if self.patience
                    else error.retry_after
                )
            return _backoff(state.attempt_number)

        def give_up(state: RetryCallState) -> bool:
            patient_until = state.start_time + self.patience
            if isinstance(state.outcome.exception(), _Throttled):
                out_of_attempts = state.attempt_number >= THROTTLE_ATTEMPTS
                return out_of_attempts and time.monotonic() + state.upcoming_sleep > patient_until
            return time.monotonic() > patient_until

        def say_why(state: RetryCallState) -> None:
            error = state.outcome.exception()
            reason = (
                str(error)
                if isinstance(error, _Throttled)
                else f"unreachable ({type(error).__name__})"
            )
            log.warning(
                "Wikipedia throttled %s (%s), waiting %.1fs (attempt %d)",
                what,
                reason,
                state.upcoming_sleep,
                state.attempt_number,
            )

        def gave_up(state: RetryCallState) -> requests.Response:
            error = state.outcome.exception()
            if isinstance(error, _Throttled):
                raise WikipediaThrottled(
                    f"still throttled after {state.attempt_number} attempts for {what}"
                )
            raise error

        response = Retrying(
            retry=retry_if_exception_type((_Throttled, requests.ConnectionError, requests.Timeout)),
            wait=wait,
            stop=give_up,
            before_sleep=say_why,
            retry_error_callback=gave_up,
        )(attempt)
        if response.status_code != 200:
            raise WikipediaError(f"HTTP {response.status_code} for {what}: {response.text[:200]}")
        return response.json()
