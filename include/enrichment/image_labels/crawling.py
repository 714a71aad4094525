"""The crawl of one site: a bounded breadth-first walk of its pages, then its images.

From the start URLs, pages are fetched level by level to ``max_depth`` link hops, at
most ``max_pages`` of them; every image a fetched page shows is collected once, and at
most ``max_images`` are downloaded. Fetching itself (the address guard, robots.txt, the
per-host limits) is :class:`~enrichment.image_labels.fetching.SiteFetcher`'s. Anything
not fetched or not used is a :class:`Skip` with its reason, never an exception out of
:func:`crawl_site`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from enrichment.image_labels.fetching import Fetched, SiteFetcher, Skipped
from enrichment.image_labels.links import extract_refs, normalise_url
from enrichment.image_labels.sites import Limits, Site

# A page to fetch and the page that linked to it (None for a start URL).
Visit = tuple[str, str | None]


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


class _Walk:
    """The state of one site's crawl: what was seen, queued, collected and skipped."""

    def __init__(self, site: Site, limits: Limits, fetcher: SiteFetcher) -> None:
        self.site = site
        self.limits = limits
        self.fetcher = fetcher
        self.result = SiteCrawl(site=site.name)
        # Apart, so a URL linked as a page (<a href="big.jpg">) is still collected as an image.
        self.seen_pages: set[str] = set()
        self.seen_images: set[str] = set()
        self.images: list[ImageRef] = []

    def skip(self, url: str, reason: str, page_url: str | None) -> None:
        self.result.skips.append(Skip(url, reason, self.site.name, page_url))

    def admit(self, url: str, page_url: str | None) -> bool:
        """Whether ``url`` may be fetched; if not, it is recorded as a skip."""
        try:
            self.fetcher.admit(url)
        except Skipped as skipped:
            self.skip(url, skipped.reason, page_url)
            return False
        return True

    def start(self) -> list[Visit]:
        frontier: list[Visit] = []
        for url in map(normalise_url, self.site.start_urls):
            if url not in self.seen_pages:
                self.seen_pages.add(url)
                if self.admit(url, None):
                    frontier.append((url, None))
        return frontier

    def visit(self, item: Visit) -> tuple[str, str | None, Fetched | Skipped]:
        url, referrer = item
        try:
            return url, referrer, self.fetcher.fetch_page(url)
        except Skipped as skipped:
            return url, referrer, skipped

    def level(self, pool: ThreadPoolExecutor, frontier: list[Visit], depth: int) -> list[Visit]:
        """Fetch one level of pages (as many as ``max_pages`` leaves room for); the next."""
        room = max(self.limits.max_pages - len(self.result.pages), 0)
        for url, referrer in frontier[room:]:
            self.skip(url, f"over max_pages ({self.limits.max_pages})", referrer)
        next_frontier: list[Visit] = []
        for url, referrer, outcome in pool.map(self.visit, frontier[:room]):
            if isinstance(outcome, Skipped):
                self.skip(url, outcome.reason, referrer)
                continue
            self.result.pages.append(url)
            next_frontier.extend(self.follow(url, outcome, depth))
        return next_frontier

    def follow(self, url: str, page: Fetched, depth: int) -> list[Visit]:
        """Collect the images ``page`` shows; the links it leads on to, if not too deep."""
        refs = extract_refs(page.body, page.url)
        for image in refs.images:
            if image not in self.seen_images:
                self.seen_images.add(image)
                if self.admit(image, url):
                    self.images.append(ImageRef(image, url, self.site.name))
        links: list[Visit] = []
        for link in refs.links:
            if link in self.seen_pages:
                continue
            self.seen_pages.add(link)
            if depth == self.limits.max_depth:
                self.skip(link, f"deeper than max_depth ({self.limits.max_depth})", url)
            elif self.admit(link, url):
                links.append((link, url))
        return links

    def download(self, ref: ImageRef) -> Download | Skip:
        try:
            return Download(ref, self.fetcher.fetch_image(ref.url))
        except Skipped as skipped:
            return Skip(ref.url, skipped.reason, ref.site, ref.page_url)

    def download_images(self, pool: ThreadPoolExecutor, max_images: int) -> None:
        for ref in self.images[max_images:]:
            self.skip(ref.url, f"over max_images ({max_images})", ref.page_url)
        for outcome in pool.map(self.download, self.images[:max_images]):
            if isinstance(outcome, Skip):
                self.result.skips.append(outcome)
            else:
                self.result.downloads.append(outcome)


def crawl_site(site: Site, limits: Limits, max_images: int) -> SiteCrawl:
    """Pages of ``site`` breadth-first, then up to ``max_images`` of the images they show."""
    fetcher = SiteFetcher(site, limits)
    walk = _Walk(site, limits, fetcher)
    try:
        frontier = walk.start()
        with ThreadPoolExecutor(max_workers=site.concurrency) as pool:
            for depth in range(limits.max_depth + 1):
                frontier = walk.level(pool, frontier, depth)
            walk.download_images(pool, max_images)
    finally:
        fetcher.close()
    return walk.result
