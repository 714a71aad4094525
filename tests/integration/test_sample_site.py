"""The sample site stand-in serves the traps its map promises, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import pytest
import requests
from bs4 import BeautifulSoup
from PIL import Image

from dev import PROJECT_ROOT
from dev.ports import free_port
from dev.standins.sample_site import (
    DUPLICATE_IMAGES,
    FAKE_IMAGE,
    HUGE_IMAGE,
    INLINE_IMAGE_LIMIT,
    METADATA_CREDENTIALS_URL,
    METADATA_URL,
    PAGE_DEPTHS,
    PAGE_IMAGES,
    REDIRECTS,
    ROBOTS_DISALLOWED_PREFIX,
    S3_IMAGE_LIMIT,
    SampleSiteServer,
    Site,
    build_site,
    loopback_url,
    refused_urls,
)

# Magic bytes of each format, so a test can tell what a body really is.
MAGIC = {
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "image/gif": lambda b: b.startswith(b"GIF89a"),
    "image/svg+xml": lambda b: b"<svg" in b[:200],
}


@pytest.fixture(scope="module")
def server() -> Iterator[SampleSiteServer]:
    site_server = SampleSiteServer(("127.0.0.1", free_port()))
    thread = threading.Thread(target=site_server.serve_forever, daemon=True)
    thread.start()
    yield site_server
    site_server.shutdown()
    site_server.server_close()


@pytest.fixture
def site(server: SampleSiteServer) -> Site:
    requests.delete(server.site.origin + "/__control__/requests", timeout=5).raise_for_status()
    return server.site


def get(site: Site, path: str, **kwargs) -> requests.Response:
    return requests.get(site.origin + path, timeout=10, **kwargs)


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        pytest.param("/images/hero.jpg", "image/jpeg", id="jpeg"),
        pytest.param("/images/logo.png", "image/png", id="png"),
        pytest.param("/images/product-small.webp", "image/webp", id="webp"),
        pytest.param("/images/spinner.gif", "image/gif", id="gif"),
        pytest.param("/images/diagram.svg", "image/svg+xml", id="svg"),
    ],
)
def test_images_are_what_their_content_type_says(site, path, content_type):
    response = get(site, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert MAGIC[content_type](response.content)
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_the_gif_is_animated(site):
    with Image.open(io.BytesIO(get(site, "/images/spinner.gif").content)) as gif:
        assert gif.is_animated


def test_the_fake_jpeg_is_html(site):
    response = get(site, FAKE_IMAGE)
    assert response.headers["Content-Type"] == "image/jpeg"
    assert not MAGIC["image/jpeg"](response.content)
    assert response.content.lstrip().lower().startswith(b"<!doctype html>")


def test_the_duplicate_is_byte_identical(site):
    original, copy = (get(site, path).content for path in DUPLICATE_IMAGES)
    assert original == copy
    assert DUPLICATE_IMAGES[0] != DUPLICATE_IMAGES[1]


def test_every_other_image_is_distinct(site):
    ids = [sha256(site.get(path).body) for path in site.image_paths()]
    assert len(ids) - len(set(ids)) == 1  # only the deliberate duplicate


def test_the_huge_image_needs_an_s3_reference(site):
    response = get(site, HUGE_IMAGE)
    assert INLINE_IMAGE_LIMIT < len(response.content) < S3_IMAGE_LIMIT
    assert MAGIC["image/png"](response.content)


def test_raster_images_are_big_enough_for_rekognition(site):
    for path in site.image_paths():
        resource = site.get(path)
        if resource.content_type == "image/svg+xml" or path == FAKE_IMAGE:
            continue
        with Image.open(io.BytesIO(resource.body)) as image:
            assert min(image.size) >= 100, path


def test_served_bytes_are_the_ones_build_site_computes(site):
    """So tests can compute expected image ids without HTTP."""
    for path in site.image_paths():
        assert sha256(get(site, path).content) == sha256(build_site(site.port).get(path).body)


def test_robots_txt_disallows_the_private_prefix(site):
    response = get(site, "/robots.txt")
    assert response.headers["Content-Type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    agent = "ai-enrichment-pipelines/0.1"
    assert not robots.can_fetch(agent, site.origin + ROBOTS_DISALLOWED_PREFIX + "staff.html")
    assert not robots.can_fetch(agent, site.origin + "/private/badge.jpg")
    assert robots.can_fetch(agent, site.origin + "/products.html")
    assert not robots.can_fetch("BadBot/1.0", site.origin + "/products.html")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/private/staff.html", id="disallowed-page"),
        pytest.param("/private/badge.jpg", id="disallowed-image"),
        pytest.param("/blog/2026/archive/oldest.html", id="depth-4-page"),
        pytest.param("/images/blog/oldest.jpg", id="depth-4-image"),
    ],
)
def test_what_a_crawler_must_skip_still_exists(site, path):
    """So a crawler that never asks for these chose not to, rather than found nothing."""
    assert get(site, path).status_code == 200


@pytest.mark.parametrize("path", ["/missing.html", "/images/missing.png", "/nowhere"])
def test_broken_links_are_404(site, path):
    response = get(site, path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        pytest.param("/about", 301, "/about.html", id="same-site"),
        pytest.param("/go/metadata", 302, METADATA_URL, id="to-metadata"),
        pytest.param("/images/avatar.png", 302, METADATA_CREDENTIALS_URL, id="image-to-metadata"),
    ],
)
def test_redirects(site, path, status, location):
    response = get(site, path, allow_redirects=False)
    assert (response.status_code, response.headers["Location"]) == (status, location)


def test_the_same_site_redirect_lands_on_a_page(site):
    response = get(site, "/about")
    assert response.status_code == 200
    assert response.url == site.origin + "/about.html"


def test_queries_are_ignored_and_head_has_no_body(site):
    assert get(site, "/products.html?sort=price").content == get(site, "/products.html").content
    head = requests.head(site.origin + "/images/logo.png", timeout=5)
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(site.get("/images/logo.png").body)


def test_the_request_log_records_and_resets(site):
    get(site, "/robots.txt", headers={"User-Agent": "test-crawler/1.0"})
    requests.head(site.origin + "/products.html?sort=price", timeout=5)
    get(site, "/healthz")
    log = get(site, "/__control__/requests").json()
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", "/robots.txt"),
        ("HEAD", "/products.html?sort=price"),
    ]
    assert log[0]["user_agent"] == "test-crawler/1.0"
    requests.delete(site.origin + "/__control__/requests", timeout=5).raise_for_status()
    assert get(site, "/__control__/requests").json() == []


# --- the map in the docstring and constants matches the HTML -------------------------


def normalise(url: str) -> str:
    """Drop the fragment and an empty query, as a crawler keying pages by URL would."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def references(site: Site, page: str) -> tuple[set[str], set[str]]:
    """Absolute URLs a page links to and the image URLs it embeds (every candidate)."""
    base = site.origin + page
    soup = BeautifulSoup(site.get(page).body, "html.parser")
    links = {urljoin(base, a["href"]) for a in soup.find_all("a", href=True)}
    sources = [img["src"] for img in soup.find_all("img", src=True)]
    for tag in soup.find_all(["img", "source"], srcset=True):
        sources += [candidate.split()[0] for candidate in tag["srcset"].split(",")]
    sources += [meta["content"] for meta in soup.find_all("meta", property="og:image")]
    return links, {urljoin(base, src) for src in sources}


def same_site_path(site: Site, url: str) -> str | None:
    parts = urlsplit(url)
    return parts.path if f"{parts.scheme}://{parts.netloc}" == site.origin else None


def test_page_depths_and_images_match_the_html(site):
    depths, queue = {"/": 0}, ["/"]
    while queue:
        page = queue.pop(0)
        links, images = references(site, page)
        assert {same_site_path(site, u) for u in images} - {None} == set(PAGE_IMAGES[page])
        for url in links:
            path = same_site_path(site, normalise(url))
            if path is None or site.get(path).status == 404:
                continue
            status, location = REDIRECTS.get(path, (200, None))
            if status == 301:
                path = location
            if path in PAGE_DEPTHS and path not in depths:
                depths[path] = depths[page] + 1
                queue.append(path)
    assert depths == PAGE_DEPTHS


def test_every_refused_url_is_linked_embedded_or_redirected_to(site):
    found: set[str] = {location for _, location in REDIRECTS.values()}
    for page in PAGE_DEPTHS:
        links, images = references(site, page)
        found |= links | images
    assert set(refused_urls(site.port)) <= found
    assert loopback_url(site.port) == f"http://127.0.0.1:{site.port + 1}/admin"


def test_the_command_line_server_serves_the_same_bytes():
    """Images are deterministic across processes, so ids computed in a test match."""
    port = free_port()
    command = [sys.executable, "-m", "dev.standins.sample_site", "--port", str(port)]
    origin = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
    try:
        # It draws its images at start-up: seconds on a loaded machine.
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(origin + "/healthz", timeout=5).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "sample site did not start"
            time.sleep(0.05)
        expected = build_site(port)
        for path in expected.image_paths():
            served = requests.get(origin + path, timeout=10).content
            assert sha256(served) == sha256(expected.get(path).body), path
        assert requests.get(origin + "/", timeout=5).content == expected.get("/").body
    finally:
        process.terminate()
        process.wait(timeout=10)
