"""A local stand-in for a web site the ``image_labels`` crawler is pointed at.

A small static site on 127.0.0.1 built to exercise every rule the crawler has to get
right: robots.txt, bounded depth, URL normalisation, image formats Rekognition does and
does not take, duplicates, an image over Rekognition's inline limit, a lying file name,
dead links, off-domain links, and links and redirects to addresses a crawler must refuse
(cloud metadata, private and loopback ranges, non-HTTP schemes). Every image is drawn
with Pillow when the server starts (no binary files in git), deterministically, so a
test can compute the expected SHA-256 image ids from :func:`build_site` without HTTP.

Site map (depth = link hops from ``/``; a redirect adds none). ``{origin}`` is the
site's own ``http://127.0.0.1:<port>``; outcomes are for a correct crawler with max
depth 3 that obeys robots.txt and fetches every image candidate it finds::

    /robots.txt                     User-agent: * / Disallow: /private/ (and a BadBot
                                    group disallowing everything)       fetched first
    /                          d0   og:image /images/hero.jpg; img /images/logo.png;
                                    links below, plus hostile and off-domain links
      /products.html           d1   linked as /products.html, ./products.html#top and
                                    {origin}/products.html?  -> one page after
                                    normalisation (fragment and empty query dropped)
      /products.html?sort=price d1  same document under a distinct URL (the site
                                    ignores queries); fetched, adds no new image ids
      /blog/                   d1   og:image {origin}/images/hero.jpg (same URL as
                                    the home page's relative one -> fetched once)
      /about  -> 301 /about.html d1 same-site redirect, followed; img /images/team.jpg
      /private/staff.html      d1   robots-disallowed: never fetched, nor its image
                                    /private/badge.jpg (both exist and answer 200)
      /missing.html            d1   404
      /go/metadata             d1   302 -> http://169.254.169.254/latest/meta-data/:
                                    fetched, the redirect is refused
      /blog/2026/launch.html   d2   img /images/blog/launch.jpg
      /blog/2026/archive/older.html  d3  img ../../../images/blog/older.png
      /blog/2026/archive/oldest.html d4  beyond depth 3: never fetched, nor its image
                                    /images/blog/oldest.jpg (exists, answers 200)

    Hostile links on / (never requested): http://169.254.169.254/latest/meta-data/
    (link-local), http://10.0.0.1/admin (private), http://127.0.0.1:<port+1>/admin
    (loopback, another port), file:///etc/passwd, javascript:alert(1),
    mailto:webmaster@example.org. Off-domain (never requested): https://example.org/partners
    and the image https://cdn.example.net/partner-logo.png.

    Images on /products.html:
      img srcset product-small.webp 480w, product-large.jpg 1200w; src product-large.jpg
      picture: source srcset banner.webp (type image/webp), img banner.png (same art)
      spinner.gif      animated GIF89a          -> convert or skip with a reason
      diagram.svg      image/svg+xml text       -> skip (or rasterise) with a reason
      fake.jpg         image/jpeg header, HTML body -> rejected by magic bytes
      missing.png      404
      huge.png         ~6.3 MB PNG noise, over the 5 MB inline limit and under the
                       15 MB S3-object limit    -> label via S3, or skip by byte limit
      logo-copy.png    byte-identical to logo.png -> same image id, stored once
      avatar.png       302 -> http://169.254.169.254/latest/meta-data/iam/security-
                       credentials/              -> redirect refused
      http://169.254.169.254/latest/meta-data/iam.png -> never requested
      data:image/gif;base64,...                  -> non-HTTP scheme, skipped

Query strings are ignored when serving (``/products.html?x`` is ``/products.html``), as
on most static sites. HEAD is answered like GET without a body.

For tests, ``GET /__control__/requests`` returns the requests received (method, path
with query, User-Agent), ``DELETE /__control__/requests`` clears it, and ``/healthz``
answers 200; none of these three is logged.

Run: ``python -m dev.standins.sample_site --host 127.0.0.1 --port 8952``
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

DEFAULT_PORT = 8952
ROBOTS_DISALLOWED_PREFIX = "/private/"
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
METADATA_CREDENTIALS_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
METADATA_IMAGE_URL = "http://169.254.169.254/latest/meta-data/iam.png"
PRIVATE_URL = "http://10.0.0.1/admin"
FILE_URL = "file:///etc/passwd"
JAVASCRIPT_URL = "javascript:alert(1)"
MAILTO_URL = "mailto:webmaster@example.org"
# The smallest valid GIF (1x1, transparent): an inline image no crawler should fetch.
DATA_IMAGE_URL = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
OFF_DOMAIN_PAGE_URL = "https://example.org/partners"
OFF_DOMAIN_IMAGE_URL = "https://cdn.example.net/partner-logo.png"
INLINE_IMAGE_LIMIT = 5 * 1024 * 1024  # Rekognition's limit for image bytes in the request
S3_IMAGE_LIMIT = 15 * 1024 * 1024  # ... and for an image it reads from S3

# Link depth of every page from "/" (a redirect adds no depth), and the same-site images
# each page references; tests check both against the HTML, so they cannot drift.
PAGE_DEPTHS = {
    "/": 0,
    "/products.html": 1,
    "/blog/": 1,
    "/about.html": 1,
    "/private/staff.html": 1,
    "/blog/2026/launch.html": 2,
    "/blog/2026/archive/older.html": 3,
    "/blog/2026/archive/oldest.html": 4,
}
PAGE_IMAGES = {
    "/": ("/images/hero.jpg", "/images/logo.png"),
    "/products.html": (
        "/images/product-small.webp",
        "/images/product-large.jpg",
        "/images/banner.webp",
        "/images/banner.png",
        "/images/spinner.gif",
        "/images/diagram.svg",
        "/images/fake.jpg",
        "/images/missing.png",
        "/images/huge.png",
        "/images/logo-copy.png",
        "/images/avatar.png",
    ),
    "/blog/": ("/images/hero.jpg",),
    "/about.html": ("/images/team.jpg",),
    "/private/staff.html": ("/private/badge.jpg",),
    "/blog/2026/launch.html": ("/images/blog/launch.jpg",),
    "/blog/2026/archive/older.html": ("/images/blog/older.png",),
    "/blog/2026/archive/oldest.html": ("/images/blog/oldest.jpg",),
}
# Same-site paths that redirect: (status, Location as sent).
REDIRECTS = {
    "/about": (301, "/about.html"),
    "/go/metadata": (302, METADATA_URL),
    "/images/avatar.png": (302, METADATA_CREDENTIALS_URL),
}
NOT_FOUND_PATHS = ("/missing.html", "/images/missing.png")
DUPLICATE_IMAGES = ("/images/logo.png", "/images/logo-copy.png")
HUGE_IMAGE = "/images/huge.png"
FAKE_IMAGE = "/images/fake.jpg"

ROBOTS_TXT = f"""\
# The sample site for the image_labels crawler.
User-agent: BadBot
Disallow: /

User-agent: *
Disallow: {ROBOTS_DISALLOWED_PREFIX}
"""

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "SVG": "image/svg+xml",
}
HTML = "text/html; charset=utf-8"


def loopback_url(port: int) -> str:
    """Loopback, but another port than the site's: a different origin on this machine."""
    return f"http://127.0.0.1:{port + 1}/admin"


def refused_urls(port: int) -> tuple[str, ...]:
    """Every URL the site links to, embeds or redirects to that a crawler must refuse."""
    return (
        METADATA_URL,
        METADATA_CREDENTIALS_URL,
        METADATA_IMAGE_URL,
        PRIVATE_URL,
        loopback_url(port),
        FILE_URL,
        JAVASCRIPT_URL,
        MAILTO_URL,
        DATA_IMAGE_URL,
    )


@dataclass(frozen=True)
class Resource:
    status: int
    content_type: str
    body: bytes
    location: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type, "Content-Length": str(len(self.body))}
        if self.location is not None:
            headers["Location"] = self.location
        return headers


@dataclass(frozen=True)
class Site:
    """Everything the server answers, by path; anything else is the 404 page."""

    port: int
    resources: dict[str, Resource] = field(repr=False)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> Resource:
        return self.resources.get(path) or _not_found(path)

    def image_paths(self) -> list[str]:
        """Paths that answer 200 with an image content type (fake.jpg included)."""
        return sorted(
            path
            for path, r in self.resources.items()
            if r.status == 200 and r.content_type.startswith("image/")
        )


# --- images -------------------------------------------------------------------------


def _draw(size: tuple[int, int], background: str, shape: str, colour: str) -> Image.Image:
    image = Image.new("RGB", size, background)
    width, height = size
    box = (width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    draw = ImageDraw.Draw(image)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    elif shape == "triangle":
        draw.polygon([(width // 2, height // 6), (width // 6, height * 5 // 6),
                      (width * 5 // 6, height * 5 // 6)], fill=colour)  # fmt: skip
    elif shape == "stripes":
        for x in range(0, width, max(width // 8, 1) * 2):
            draw.rectangle((x, 0, x + width // 8, height), fill=colour)
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, Any] = {"JPEG": {"quality": 85}, "WEBP": {"quality": 80}}.get(fmt, {})
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _spinner() -> bytes:
    frames = []
    for step in range(8):
        frame = Image.new("RGB", (120, 120), "white")
        angle = step * 45
        ImageDraw.Draw(frame).pieslice((10, 10, 110, 110), angle, angle + 90, fill="navy")
        frames.append(frame.convert("P"))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buffer.getvalue()


def _noise_png(width: int = 1450, height: int = 1450, seed: int = 20260101) -> bytes:
    """Seeded RGB noise: incompressible, so the PNG stays ~6.3 MB (fast at level 1)."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


SVG_DIAGRAM = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">
  <rect width="240" height="160" fill="#f4f1de"/>
  <rect x="20" y="50" width="60" height="60" fill="#3d405b"/>
  <rect x="160" y="50" width="60" height="60" fill="#e07a5f"/>
  <line x1="80" y1="80" x2="160" y2="80" stroke="#81b29a" stroke-width="6"/>
</svg>
"""

FAKE_JPEG_BODY = b"""\
<!doctype html>
<html><head><title>Not an image</title></head>
<body><p>This file is named .jpg and served as image/jpeg, but it is HTML.</p></body></html>
"""

# path -> how its bytes are made; every entry is distinct except the deliberate copy.
_PICTURES: dict[str, tuple[str, Callable[[], Image.Image]]] = {
    "/images/hero.jpg": ("JPEG", lambda: _draw((640, 360), "skyblue", "circle", "gold")),
    "/images/logo.png": ("PNG", lambda: _draw((200, 200), "white", "square", "crimson")),
    "/images/product-small.webp": (
        "WEBP",
        lambda: _draw((480, 320), "beige", "triangle", "darkgreen"),
    ),
    "/images/product-large.jpg": (
        "JPEG",
        lambda: _draw((1200, 800), "lavender", "triangle", "indigo"),
    ),
    # The two sources of one <picture>: the same art, encoded twice.
    "/images/banner.webp": ("WEBP", lambda: _draw((800, 200), "black", "stripes", "orange")),
    "/images/banner.png": ("PNG", lambda: _draw((800, 200), "black", "stripes", "orange")),
    "/images/team.jpg": ("JPEG", lambda: _draw((400, 300), "peachpuff", "circle", "sienna")),
    "/images/blog/launch.jpg": ("JPEG", lambda: _draw((480, 320), "teal", "square", "white")),
    "/images/blog/older.png": ("PNG", lambda: _draw((320, 240), "khaki", "circle", "purple")),
    "/images/blog/oldest.jpg": ("JPEG", lambda: _draw((320, 240), "gray", "stripes", "yellow")),
    "/private/badge.jpg": ("JPEG", lambda: _draw((200, 200), "maroon", "triangle", "silver")),
}


@functools.cache
def build_images() -> dict[str, Resource]:
    """Every image the site serves (about 0.3 s, once per process)."""
    images = {
        path: Resource(200, CONTENT_TYPES[fmt], _encode(draw(), fmt))
        for path, (fmt, draw) in _PICTURES.items()
    }
    images["/images/logo-copy.png"] = images["/images/logo.png"]
    images["/images/spinner.gif"] = Resource(200, CONTENT_TYPES["GIF"], _spinner())
    images["/images/diagram.svg"] = Resource(200, CONTENT_TYPES["SVG"], SVG_DIAGRAM)
    images[HUGE_IMAGE] = Resource(200, CONTENT_TYPES["PNG"], _noise_png())
    images[FAKE_IMAGE] = Resource(200, CONTENT_TYPES["JPEG"], FAKE_JPEG_BODY)
    return images


# --- pages --------------------------------------------------------------------------


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>\n'
        f"<body>\n<h1>{title}</h1>\n{body}\n"
        '<p><a href="/">Home</a></p>\n</body></html>\n'
    ).encode()


def _json(body: Any) -> Resource:
    return Resource(200, "application/json", json.dumps(body).encode())


def _not_found(path: str) -> Resource:
    return Resource(404, HTML, _page("Not found", f"<p>Nothing at {path}.</p>"))


def build_pages(port: int) -> dict[str, Resource]:
    """The HTML pages, robots.txt and redirects; absolute links name this port."""
    origin = f"http://127.0.0.1:{port}"
    home = f"""
<ul>
  <li><a href="/products.html">Products</a></li>
  <li><a href="./products.html#top">Products (fragment)</a></li>
  <li><a href="{origin}/products.html?">Products (absolute, empty query)</a></li>
  <li><a href="/products.html?sort=price">Products by price</a></li>
  <li><a href="blog/">Blog</a></li>
  <li><a href="/about">About us</a></li>
  <li><a href="/private/staff.html">Staff only</a></li>
  <li><a href="/missing.html">An old page</a></li>
  <li><a href="{OFF_DOMAIN_PAGE_URL}">Our partners</a></li>
  <li><a href="/go/metadata">Status</a></li>
</ul>
<img src="/images/logo.png" alt="logo" width="200" height="200">
<img src="{OFF_DOMAIN_IMAGE_URL}" alt="partner logo">
<h2>Links a crawler must refuse</h2>
<ul>
  <li><a href="{METADATA_URL}">Instance metadata</a></li>
  <li><a href="{PRIVATE_URL}">Router admin</a></li>
  <li><a href="{loopback_url(port)}">Local admin</a></li>
  <li><a href="{FILE_URL}">Passwords</a></li>
  <li><a href="{JAVASCRIPT_URL}">Click me</a></li>
  <li><a href="{MAILTO_URL}">Write to us</a></li>
</ul>"""
    products = f"""
<a id="top"></a>
<img srcset="/images/product-small.webp 480w, /images/product-large.jpg 1200w"
     sizes="(max-width: 600px) 480px, 1200px" src="/images/product-large.jpg" alt="product">
<picture>
  <source srcset="/images/banner.webp" type="image/webp">
  <img src="/images/banner.png" alt="banner">
</picture>
<img src="/images/spinner.gif" alt="loading">
<img src="/images/diagram.svg" alt="diagram">
<img src="/images/fake.jpg" alt="not really a photo">
<img src="/images/missing.png" alt="gone">
<img src="/images/huge.png" alt="a very large photo">
<img src="images/logo-copy.png" alt="logo again">
<img src="/images/avatar.png" alt="avatar">
<img src="{METADATA_IMAGE_URL}" alt="credentials">
<img src="{DATA_IMAGE_URL}" alt="pixel">
<p><a href="/blog/2026/launch.html">Read the launch post</a></p>"""
    blog = '<p><a href="2026/launch.html">We launched</a></p>'
    launch = """
<img src="/images/blog/launch.jpg" alt="launch">
<p><a href="archive/older.html">An older post</a> and <a href="../../products.html#reviews">
the products</a>.</p>"""
    older = """
<img src="../../../images/blog/older.png" alt="older">
<p><a href="oldest.html">The oldest post</a></p>"""
    oldest = '<img src="/images/blog/oldest.jpg" alt="oldest">'
    hero = f'<meta property="og:image" content="{origin}/images/hero.jpg">'
    pages = {
        "/": _page("Sample shop", home, '<meta property="og:image" content="/images/hero.jpg">'),
        "/products.html": _page("Products", products),
        "/blog/": _page("Blog", blog, hero),
        "/about.html": _page("About", '<img src="/images/team.jpg" alt="the team">'),
        "/private/staff.html": _page("Staff", '<img src="/private/badge.jpg" alt="badge">'),
        "/blog/2026/launch.html": _page("Launch", launch),
        "/blog/2026/archive/older.html": _page("Older", older),
        "/blog/2026/archive/oldest.html": _page("Oldest", oldest),
    }
    resources = {path: Resource(200, HTML, body) for path, body in pages.items()}
    resources["/robots.txt"] = Resource(200, "text/plain; charset=utf-8", ROBOTS_TXT.encode())
    for path, (status, location) in REDIRECTS.items():
        body = _page("Moved", f'<p><a href="{location}">{location}</a></p>')
        resources[path] = Resource(status, HTML, body, location=location)
    return resources


def build_site(port: int = DEFAULT_PORT) -> Site:
    """The whole site as served on ``port``: pages (port-dependent links) and images."""
    return Site(port=port, resources=build_images() | build_pages(port))


# --- server -------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: SampleSiteServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
    # ACK holds the second one back ~40 ms per response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is kept on the server and served under /__control__/requests

    def _send(self, resource: Resource, with_body: bool = True) -> None:
        self.send_response(resource.status)
        for name, value in resource.headers().items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(resource.body)

    def _serve(self, with_body: bool) -> None:
        path = urlsplit(self.path).path
        server = self.server
        if path == "/healthz":
            self._send(_json({"status": "ok", "port": server.site.port}), with_body)
            return
        if path == "/__control__/requests":
            with server.lock:
                self._send(_json(list(server.requests)), with_body)
            return
        entry = {
            "method": self.command,
            "path": self.path,
            "user_agent": self.headers.get("User-Agent"),
            "at": time.time(),
        }
        with server.lock:
            server.requests.append(entry)
        self._send(server.site.get(path), with_body)

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path != "/__control__/requests":
            self._send(_not_found(self.path))
            return
        with self.server.lock:
            self.server.requests.clear()
        self._send(_json({"reset": True}))


class SampleSiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, Handler)
        # Built after binding, so port 0 (any free port) still gets self-consistent links.
        self.site = build_site(self.server_address[1])
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def handle_error(self, request, client_address) -> None:
        # A crawler closing its keep-alive connections is not an error of the site.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    SampleSiteServer((args.host, args.port)).serve_forever()


if __name__ == "__main__":
    main()
