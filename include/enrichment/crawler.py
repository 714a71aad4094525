"""Crawl configured web sites for image URLs, and download images, politely and safely.

Why requests + BeautifulSoup and not Scrapy: a crawl here is one bounded task inside an
Airflow worker. Scrapy's Twisted reactor cannot be restarted in a process and wants to own
it, its settings would duplicate the limits below, and its middleware stack would have to
be bent to re-check every redirect hop against the address guard. Plain requests gives a
session whose connections the guard pins (:mod:`enrichment.address_guard`), manual
redirects, streaming downloads with a byte cap and timeouts on every call.

Rules, per site: stay on the site's domains; obey its robots.txt (RFC 9309: a missing
file allows everything, an unreachable one disallows everything) and its Crawl-delay;
breadth-first to ``max_depth`` links from a start URL, at most ``max_pages`` pages; at
most ``concurrency`` requests in flight per host, ``crawl_delay`` seconds apart; every
redirect hop is checked again like a new URL. Anything not fetched is a :class:`Skip`
with its reason, never an exception out of :func:`crawl_site`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from enrichment.address_guard import (
    RefusedURL,
    check_url,
    guarded_session,
    literal_address_problem,
)
from enrichment.links import extract_refs, normalise_url

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


@dataclass(frozen=True)
class Site:
    """One site to crawl. ``allowed_domains`` entries are ``host`` (any subdomain, default
    ports) or ``host:port`` (exactly that origin); by default the start URLs' origins."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...] = ()
    allow_private_addresses: bool = False
    crawl_delay: float = 1.0
    concurrency: int = 2

    def on_site(self, url: str) -> bool:
        """Whether ``url`` (normalised) is inside the site's domains."""
        domains = self.allowed_domains or tuple(
            urlsplit(normalise_url(start)).netloc for start in self.start_urls
        )
        parts = urlsplit(url)
        for domain in domains:
            allowed = urlsplit("//" + domain.lower())
            if allowed.port is not None:  # exactly that origin: another port is another site
                if (parts.hostname, parts.port) == (allowed.hostname, allowed.port):
                    return True
            elif parts.port is None and (
                parts.hostname == allowed.hostname
                or str(parts.hostname).endswith(f".{allowed.hostname}")
            ):
                return True
        return False


@dataclass(frozen=True)
class Limits:
    max_depth: int = 3
    max_pages: int = 50
    max_images: int = 200
    max_image_bytes: int = 15 * 1024 * 1024
    max_page_bytes: int = 2 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


@dataclass(frozen=True)
class Skip:
    """A URL not fetched or not used, and why."""

    url: str
    reason: str
    site: str
    page_url: str | None = None


@dataclass(frozen=True)
class ImageRef:
    """An image URL and the first page that referenced it."""

    url: str
    page_url: str
    site: str


@dataclass(frozen=True)
class Download:
    ref: ImageRef
    data: bytes


@dataclass
class SiteCrawl:
    """Pages fetched, images downloaded and everything skipped on one site."""

    site: str
    pages: list[str] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


class Skipped(Exception):
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


class SiteCrawler:
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
                    if response.is_redirect:
                        url = normalise_url(response.headers["Location"], url)
                        continue
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


def crawl_site(site: Site, limits: Limits, max_images: int) -> SiteCrawl:
    """Pages of ``site`` breadth-first, then up to ``max_images`` of the images they show."""
    crawler = SiteCrawler(site, limits)
    result = SiteCrawl(site=site.name)
    # Apart, so a URL linked as a page (<a href="big.jpg">) is still collected as an image.
    seen: set[str] = set()
    seen_images: set[str] = set()
    frontier: list[tuple[str, str | None]] = []
    images: list[ImageRef] = []

    def admit(url: str, page_url: str | None) -> bool:
        try:
            crawler.admit(url)
        except Skipped as skipped:
            result.skips.append(Skip(url, skipped.reason, site.name, page_url))
            return False
        return True

    for url in map(normalise_url, site.start_urls):
        if url not in seen:
            seen.add(url)
            if admit(url, None):
                frontier.append((url, None))

    def visit(item: tuple[str, str | None]) -> tuple[str, str | None, Fetched | Skipped]:
        url, referrer = item
        try:
            return url, referrer, crawler.fetch_page(url)
        except Skipped as skipped:
            return url, referrer, skipped

    def download(ref: ImageRef) -> Download | Skip:
        try:
            return Download(ref, crawler.fetch_image(ref.url))
        except Skipped as skipped:
            return Skip(ref.url, skipped.reason, ref.site, ref.page_url)

    try:
        with ThreadPoolExecutor(max_workers=site.concurrency) as pool:
            for depth in range(limits.max_depth + 1):
                room = max(limits.max_pages - len(result.pages), 0)
                result.skips.extend(
                    Skip(url, f"over max_pages ({limits.max_pages})", site.name, referrer)
                    for url, referrer in frontier[room:]
                )
                next_frontier: list[tuple[str, str | None]] = []
                for url, referrer, outcome in pool.map(visit, frontier[:room]):
                    if isinstance(outcome, Skipped):
                        result.skips.append(Skip(url, outcome.reason, site.name, referrer))
                        continue
                    result.pages.append(url)
                    refs = extract_refs(outcome.body, outcome.url)
                    for image in refs.images:
                        if image not in seen_images:
                            seen_images.add(image)
                            if admit(image, url):
                                images.append(ImageRef(image, url, site.name))
                    for link in refs.links:
                        if link in seen:
                            continue
                        seen.add(link)
                        if depth == limits.max_depth:
                            reason = f"deeper than max_depth ({limits.max_depth})"
                            result.skips.append(Skip(link, reason, site.name, url))
                        elif admit(link, url):
                            next_frontier.append((link, url))
                frontier = next_frontier
            result.skips.extend(
                Skip(ref.url, f"over max_images ({max_images})", site.name, ref.page_url)
                for ref in images[max_images:]
            )
            for outcome in pool.map(download, images[:max_images]):
                if isinstance(outcome, Skip):
                    result.skips.append(outcome)
                else:
                    result.downloads.append(outcome)
    finally:
        crawler.close()
    return result
