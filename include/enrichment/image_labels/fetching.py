"""Fetching for the crawler: one guarded GET at a time, politely and safely.

Why requests and not Scrapy: a crawl here is one bounded task inside an Airflow worker.
Scrapy's Twisted reactor cannot be restarted in a process and wants to own it, its
settings would duplicate the limits the DAG's settings carry, and its middleware stack
would have to be bent to re-check every redirect hop against the address guard. Plain
requests gives a session whose connections the guard pins
(:mod:`enrichment.image_labels.address_guard`), manual redirects, streaming downloads
with a byte cap and timeouts on every call.

Rules, per site: stay on the site's domains; obey its robots.txt (RFC 9309: a missing
file allows everything, an unreachable one disallows everything) and its Crawl-delay; at
most ``concurrency`` requests in flight per host, ``crawl_delay`` seconds apart; every
redirect hop is checked again like a new URL. A URL not fetched raises :class:`Skipped`
with the reason. The breadth-first walk that decides what to fetch is
:mod:`enrichment.image_labels.crawling`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from enrichment.image_labels.address_guard import (
    RefusedURL,
    check_url,
    guarded_session,
    literal_address_problem,
)
from enrichment.image_labels.links import normalise_url
from enrichment.image_labels.sites import Limits, Site

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = (
    "enrichment-pipelines-image-labels/1.0 "
    "(https://github.com/enrichment-pipelines/enrichment-pipelines; data-engineering@example.com)"
)
ROBOTS_AGENT = "enrichment-pipelines-image-labels"
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
CHUNK = 64 * 1024


class Skipped(Exception):
    """A URL not fetched; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


class HostLimiter:
    """At most ``concurrency`` requests in flight per host, started ``delay`` s apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.concurrency = concurrency
        self.delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    def wait(self, host: str) -> threading.Semaphore:
        with self._lock:
            slot = self._slots.setdefault(host, threading.Semaphore(self.concurrency))
        slot.acquire()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self.delay
        time.sleep(start - now)
        return slot


class SiteFetcher:
    """Fetches for one site: guarded session, robots.txt per origin, per-host limits."""

    def __init__(self, site: Site, limits: Limits) -> None:
        self.site = site
        self.limits = limits
        self.session: requests.Session = guarded_session(
            allow_private=site.allow_private_addresses, user_agent=USER_AGENT
        )
        self.limiter = HostLimiter(site.concurrency, site.crawl_delay)
        self._robots: dict[str, RobotFileParser] = {}
        self._refusals: dict[tuple[str, str], str | None] = {}
        self._refusals_lock = threading.Lock()
        self._robots_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def check(self, url: str) -> None:
        """Raise :class:`Skipped` unless ``url`` is on the site and its address allowed."""
        try:
            parts = urlsplit(url)
            on_site = self.site.on_site(url)
        except ValueError as error:  # a crawled "http://[oops/" or "http://host:99999/"
            raise Skipped(f"refused: not a valid URL ({error})") from None
        if parts.scheme in ("http", "https") and not on_site:
            # An address literal says what it is without DNS; the site's allowance of
            # private addresses covers its own hosts only.
            problem = literal_address_problem(parts.hostname or "")
            raise Skipped(f"refused: {problem}" if problem else "off-site")
        # Hosts repeat on every link of a site: resolve and judge each origin once per crawl.
        origin = (parts.scheme, parts.netloc)
        with self._refusals_lock:
            known = self._refusals.get(origin, "")
        if known == "":
            try:
                check_url(url, allow_private=self.site.allow_private_addresses)
                known = None
            except RefusedURL as refused:
                known = f"refused: {refused.reason}"
            if parts.scheme in ("http", "https"):
                with self._refusals_lock:
                    self._refusals[origin] = known
        if known:
            raise Skipped(known)

    def admit(self, url: str) -> None:
        """:meth:`check`, and robots.txt of the URL's origin."""
        self.check(url)
        if not self.robots(url).can_fetch(ROBOTS_AGENT, url):
            raise Skipped("disallowed by robots.txt")

    def robots(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = self._read_robots(origin)
                delay = self._robots[origin].crawl_delay(ROBOTS_AGENT)
                if delay:
                    self.limiter.delay = max(self.limiter.delay, float(delay))
            return self._robots[origin]

    def _read_robots(self, origin: str) -> RobotFileParser:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            fetched = self._get(origin + "/robots.txt", max_bytes=512 * 1024, obey_robots=False)
            parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        except Skipped as skipped:
            if skipped.reason.startswith("HTTP 4"):
                parser.allow_all = True
            else:
                log.warning("robots.txt of %s unreachable (%s): not crawling it", origin, skipped)
                parser.disallow_all = True
        return parser

    def _get(self, url: str, max_bytes: int, obey_robots: bool = True) -> Fetched:
        """GET ``url`` following at most MAX_REDIRECTS hops, each checked like a new URL."""
        import requests

        for hop in range(MAX_REDIRECTS + 1):
            try:
                if obey_robots:
                    self.admit(url)
                else:
                    self.check(url)
            except Skipped as skipped:
                if hop == 0:
                    raise
                # The skipped URL is the one asked for; say where it led.
                raise Skipped(f"redirect to {url}: {skipped.reason}") from None
            slot = self.limiter.wait(urlsplit(url).netloc)
            try:
                response = self.session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.limits.connect_timeout, self.limits.read_timeout),
                )
                with response:
                    if not response.is_redirect:
                        return _read(response, url, max_bytes)
                    url = normalise_url(response.headers["Location"], url)
            except RefusedURL as refused:  # the connect-time guard disagreed with check()
                raise Skipped(f"refused: {refused.reason}") from None
            except requests.RequestException as error:
                raise Skipped(f"request failed: {type(error).__name__}") from None
            except ValueError as error:  # a Location requests cannot parse ("http://[x")
                raise Skipped(f"request failed: {type(error).__name__} ({error})") from None
            finally:
                slot.release()
        raise Skipped(f"more than {MAX_REDIRECTS} redirects")

    def fetch_page(self, url: str) -> Fetched:
        fetched = self._get(url, self.limits.max_page_bytes)
        if fetched.content_type not in HTML_TYPES:
            raise Skipped(f"not an HTML page ({fetched.content_type or 'no type'})")
        return fetched

    def fetch_image(self, url: str) -> bytes:
        return self._get(url, self.limits.max_image_bytes).body


def _read(response: requests.Response, url: str, max_bytes: int) -> Fetched:
    """The body of a final (non-redirect) response, streamed up to ``max_bytes``."""
    if response.status_code != 200:
        raise Skipped(f"HTTP {response.status_code}")
    declared = int(response.headers.get("Content-Length") or 0)
    if declared > max_bytes:
        raise Skipped(f"larger than {max_bytes} bytes ({declared})")
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise Skipped(f"larger than {max_bytes} bytes")
    content_type = response.headers.get("Content-Type", "")
    return Fetched(url, content_type.split(";")[0].strip().lower(), bytes(body))
