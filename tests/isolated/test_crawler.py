"""The crawler on the sample site: what it fetches, what it skips and why, and its limits.

The sample site links and redirects to the cloud metadata endpoint and a private
address, so this runs in the isolated network namespace, where those addresses are
canaries (see ``tests/support/netns.py``). Its map and expected outcomes are in the docstring of
:mod:`dev.standins.sample_site`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from dev.standins.sample_site import (
    DATA_IMAGE_URL,
    FILE_URL,
    HUGE_IMAGE,
    JAVASCRIPT_URL,
    MAILTO_URL,
    METADATA_CREDENTIALS_URL,
    METADATA_IMAGE_URL,
    METADATA_URL,
    OFF_DOMAIN_IMAGE_URL,
    OFF_DOMAIN_PAGE_URL,
    PRIVATE_URL,
    SampleSiteServer,
    build_site,
    loopback_url,
    refused_urls,
)
from enrichment.image_labels.crawling import SiteCrawl, Skip, crawl_site
from enrichment.image_labels.fetching import USER_AGENT
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.image_labels.sites import Site
from tests.support.servers import TinySite, page, serving, status

DEFAULT_LIMITS = ImageLabelsSettings().limits()
PAGES = (
    "/",
    "/products.html",
    "/products.html?sort=price",
    "/blog/",
    "/about",  # 301 to /about.html, recorded under the URL that was linked
    "/blog/2026/launch.html",
    "/blog/2026/archive/older.html",
)
IMAGES = (
    "/images/hero.jpg",
    "/images/logo.png",
    "/images/product-small.webp",
    "/images/product-large.jpg",
    "/images/banner.webp",
    "/images/banner.png",
    "/images/spinner.gif",
    "/images/diagram.svg",  # downloaded: telling formats apart is formats.py's job
    "/images/fake.jpg",
    "/images/huge.png",
    "/images/logo-copy.png",
    "/images/team.jpg",
    "/images/blog/launch.jpg",
    "/images/blog/older.png",
)


@pytest.fixture(scope="module")
def server() -> Iterator[SampleSiteServer]:
    with serving(SampleSiteServer(("127.0.0.1", 0))) as site_server:
        yield site_server


@dataclass
class Crawl:
    origin: str
    port: int
    result: SiteCrawl
    requests: list[dict]

    def paths(self) -> list[str]:
        return [request["path"] for request in self.requests]

    def skips(self) -> dict[str, str]:
        return {skip.url.removeprefix(self.origin): skip.reason for skip in self.result.skips}

    def downloaded(self) -> dict[str, bytes]:
        return {d.ref.url.removeprefix(self.origin): d.data for d in self.result.downloads}


def sample(origin: str, allow_private_addresses: bool = True, crawl_delay: float = 0) -> Site:
    return Site(
        name="sample",
        start_urls=(origin + "/",),
        allow_private_addresses=allow_private_addresses,
        crawl_delay=crawl_delay,
    )


def crawl(server: SampleSiteServer, site: Site, max_images: int = 200, **limits) -> Crawl:
    """``site`` crawled, with the sample site's request log of that crawl alone."""
    control = server.site.origin + "/__control__/requests"
    with requests.Session() as http:
        http.trust_env = False
        http.delete(control, timeout=5).raise_for_status()
        result = crawl_site(site, ImageLabelsSettings(**limits).limits(), max_images=max_images)
        log = http.get(control, timeout=5).json()
    return Crawl(server.site.origin, server.site.port, result, log)


@pytest.fixture(scope="module")
def full(server: SampleSiteServer) -> Crawl:
    """One crawl of the whole site with default limits, shared by the tests that read it."""
    return crawl(server, sample(server.site.origin), max_depth=3)


def test_the_pages_fetched_are_those_robots_allows_within_depth_3(full):
    assert sorted(full.result.pages) == sorted(full.origin + path for path in PAGES)
    assert len(full.result.pages) == len(set(full.result.pages))


def test_every_same_site_image_is_downloaded_once_byte_for_byte(full):
    expected = build_site(full.port)
    assert full.downloaded() == {path: expected.get(path).body for path in IMAGES}
    assert len(full.result.downloads) == len(IMAGES)


def test_an_image_remembers_the_first_page_that_showed_it(full):
    """The home page's og:image is also the blog's (spelled absolutely there)."""
    pages = {d.ref.url: d.ref.page_url for d in full.result.downloads}
    assert pages[full.origin + "/images/hero.jpg"] == full.origin + "/"
    assert pages[full.origin + "/images/team.jpg"] == full.origin + "/about"
    assert {d.ref.site for d in full.result.downloads} == {"sample"}


def test_everything_not_fetched_is_a_skip_with_its_reason(full):
    link_local = "refused: link-local address 169.254.169.254"
    assert full.skips() == {
        "/private/staff.html": "disallowed by robots.txt",
        "/missing.html": "HTTP 404",
        "/images/missing.png": "HTTP 404",
        "/go/metadata": f"redirect to {METADATA_URL}: {link_local}",
        "/images/avatar.png": f"redirect to {METADATA_CREDENTIALS_URL}: {link_local}",
        "/blog/2026/archive/oldest.html": "deeper than max_depth (3)",
        OFF_DOMAIN_PAGE_URL: "off-site",
        OFF_DOMAIN_IMAGE_URL: "off-site",
        METADATA_URL: link_local,
        METADATA_IMAGE_URL: link_local,
        PRIVATE_URL: "refused: private address 10.0.0.1",
        # Another port is another site, and the site's allowance of loopback is for itself.
        loopback_url(full.port): "refused: loopback address 127.0.0.1",
        FILE_URL: "refused: scheme 'file' is not http/https",
        JAVASCRIPT_URL: "refused: scheme 'javascript' is not http/https",
        MAILTO_URL: "refused: scheme 'mailto' is not http/https",
        DATA_IMAGE_URL: "refused: scheme 'data' is not http/https",
    }
    assert len(full.result.skips) == len(full.skips())
    assert {skip.site for skip in full.result.skips} == {"sample"}


def test_every_url_the_site_says_to_refuse_is_refused(full):
    """Linked, embedded or redirected to: each is named by a skip that says "refused"."""
    for url in refused_urls(full.port):
        refusals = [s for s in full.result.skips if url == s.url or f"to {url}:" in s.reason]
        assert refusals, url
        assert all("refused: " in refusal.reason for refusal in refusals), url


def test_skips_name_the_page_that_led_there(full):
    referrers = {skip.url: skip.page_url for skip in full.result.skips}
    assert referrers[full.origin + "/blog/2026/archive/oldest.html"] == (
        full.origin + "/blog/2026/archive/older.html"
    )
    assert referrers[full.origin + "/images/avatar.png"] == full.origin + "/products.html"
    assert referrers[METADATA_URL] == full.origin + "/"


def test_the_request_log_shows_a_polite_crawler(full, canaries):
    paths = full.paths()
    assert paths[0] == "/robots.txt"
    assert Counter(paths) == Counter(
        [
            "/robots.txt",
            *PAGES,
            *("/about.html", "/missing.html", "/go/metadata"),
            *IMAGES,
            *("/images/missing.png", "/images/avatar.png"),
        ]
    )
    assert not [path for path in paths if path.startswith("/private/") or "oldest" in path]
    assert {(r["method"], r["user_agent"]) for r in full.requests} == {("GET", USER_AGENT)}
    assert {address: server.hits for address, server in canaries.items()} == {
        "169.254.169.254": [],
        "10.0.0.1": [],
    }


def test_max_pages_stops_the_crawl_after_that_many_pages(server):
    done = crawl(server, sample(server.site.origin), max_pages=2)
    assert done.result.pages == [done.origin + "/", done.origin + "/products.html"]
    over = {url for url, reason in done.skips().items() if reason == "over max_pages (2)"}
    assert over == {
        "/products.html?sort=price",
        "/blog/",
        "/about",
        "/missing.html",
        "/go/metadata",
        "/blog/2026/launch.html",
    }
    assert [path for path in done.paths() if not path.startswith("/images/")] == [
        "/robots.txt",
        "/",
        "/products.html",
    ]


def test_max_images_downloads_the_first_images_in_page_order(server):
    done = crawl(server, sample(server.site.origin), max_images=3)
    first = ["/images/hero.jpg", "/images/logo.png", "/images/product-large.jpg"]
    assert list(done.downloaded()) == first
    over = {url for url, reason in done.skips().items() if reason == "over max_images (3)"}
    assert over == (set(IMAGES) | {"/images/missing.png", "/images/avatar.png"}) - set(first)
    assert sorted(path for path in done.paths() if path.startswith("/images/")) == sorted(first)
    assert len(done.result.pages) == len(PAGES)


def test_an_image_over_max_image_bytes_is_skipped_and_not_kept(server):
    size = len(build_site(server.site.port).get(HUGE_IMAGE).body)
    done = crawl(server, sample(server.site.origin), max_depth=1, max_image_bytes=size - 1)
    assert done.skips()[HUGE_IMAGE] == f"larger than {size - 1} bytes ({size})"
    assert HUGE_IMAGE not in done.downloaded()
    assert "/images/logo.png" in done.downloaded()


def test_a_site_not_allowed_private_addresses_refuses_the_sample_site(server):
    done = crawl(server, sample(server.site.origin, allow_private_addresses=False))
    assert done.result.pages == []
    assert done.result.downloads == []
    assert done.result.skips == [
        Skip(done.origin + "/", "refused: loopback address 127.0.0.1", "sample")
    ]
    assert done.requests == []


def test_requests_to_one_host_start_crawl_delay_apart(server):
    done = crawl(server, sample(server.site.origin, crawl_delay=0.2), max_depth=0)
    assert done.paths()[:2] == ["/robots.txt", "/"]
    assert sorted(done.paths()[2:]) == ["/images/hero.jpg", "/images/logo.png"]
    arrivals = [request["at"] for request in done.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Arrival times jitter by the connect and scheduling of each request, not by 30 ms.
    assert min(gaps) >= 0.2 - 0.03, gaps
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * 0.2 - 0.03


@pytest.mark.parametrize(
    ("robots", "pages", "requested"),
    [
        pytest.param(status(500), [], ["/robots.txt"], id="unreachable-disallows-all"),
        pytest.param(status(404), ["/"], ["/robots.txt", "/"], id="missing-allows-all"),
    ],
)
def test_robots_txt_that_cannot_be_read(robots, pages, requested):
    """RFC 9309: a robots.txt answering 5xx means "crawl nothing", 4xx "crawl anything"."""
    with serving(TinySite({"/robots.txt": robots, "/": page("<p>home</p>")})) as tiny:
        result = crawl_site(sample(tiny.origin), DEFAULT_LIMITS, max_images=10)
    assert result.pages == [tiny.origin + path for path in pages]
    assert tiny.paths() == requested
    if not pages:
        assert result.skips == [Skip(tiny.origin + "/", "disallowed by robots.txt", "sample")]


def test_robots_txt_crawl_delay_slows_the_crawl_down():
    """Python's robots.txt parser reads whole seconds only ("Crawl-delay: 0.5" is ignored)."""
    robots = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 1\n")
    routes = {"/robots.txt": robots, "/": page('<a href="/a">a</a>'), "/a": page("a")}
    with serving(TinySite(routes)) as tiny:
        result = crawl_site(sample(tiny.origin), DEFAULT_LIMITS, max_images=10)
    assert result.pages == [tiny.origin + "/", tiny.origin + "/a"]
    assert tiny.paths() == ["/robots.txt", "/", "/a"]
    home, then = (request["at"] for request in tiny.requests[1:])
    assert then - home >= 1 - 0.03


def test_malformed_links_and_redirects_are_skipped_and_the_crawl_goes_on():
    home = '<a href="http://[oops/">a</a><a href="http://127.0.0.1:99999/">b</a><a href="/r">r</a>'
    routes = {"/": page(home), "/r": (302, {"Location": "http://[oops/"}, b"")}
    with serving(TinySite(routes)) as tiny:
        result = crawl_site(sample(tiny.origin), DEFAULT_LIMITS, max_images=10)
    assert result.pages == [tiny.origin + "/"]
    assert {skip.url: skip.reason for skip in result.skips} == {
        "http://[oops/": "refused: not a valid URL (Invalid IPv6 URL)",
        "http://127.0.0.1:99999/": "refused: not a valid URL (Port out of range 0-65535)",
        # requests parses a Location even when not following it.
        tiny.origin + "/r": "request failed: ValueError (Invalid IPv6 URL)",
    }


def test_an_image_that_is_also_linked_to_is_still_downloaded():
    """A gallery links the full-size picture and another page shows it."""
    picture = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n...")
    routes = {
        "/": page('<a href="/photo.png">full size</a><a href="/gallery.html">gallery</a>'),
        "/gallery.html": page('<img src="/photo.png">'),
        "/photo.png": picture,
    }
    with serving(TinySite(routes)) as tiny:
        result = crawl_site(sample(tiny.origin), DEFAULT_LIMITS, max_images=10)
    assert [(d.ref.url, d.data) for d in result.downloads] == [
        (tiny.origin + "/photo.png", picture[2])
    ]
    assert (
        Skip(
            tiny.origin + "/photo.png", "not an HTML page (image/png)", "sample", tiny.origin + "/"
        )
        in result.skips
    )
