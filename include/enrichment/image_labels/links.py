"""Links and image references in an HTML page, as normalised absolute URLs.

Normalised means one spelling per resource, so the crawler fetches each once: scheme
and host lower-cased, default port and fragment dropped, dot segments resolved, an
empty path made ``/`` and query parameters sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str, base: str | None = None) -> str:
    """``url`` made absolute against ``base`` and spelled one way.

    URLs that are not hierarchical (``javascript:``, ``mailto:``, ``data:``) come back
    absolute but otherwise untouched, for the address guard to refuse by scheme; so do
    URLs that do not parse (``http://[oops/``), for it to refuse as invalid.
    """
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return absolute
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return absolute  # an invalid port; the guard refuses it with that reason
    # Built from host and port only: credentials in a crawled link are never ours to send.
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    # Sorted as written: decoding and re-encoding would turn %20 into + and ?flag into
    # ?flag=, which some servers read differently.
    query = "&".join(sorted(pair for pair in parts.query.split("&") if pair))
    return urlunsplit((scheme, netloc, _remove_dot_segments(parts.path), query, ""))


def _remove_dot_segments(path: str) -> str:
    """``/a/b/../c`` as ``/a/c`` (RFC 3986 5.2.4); an empty path as ``/``. urljoin does this
    for relative references only, not for a URL that is already absolute."""
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments and segments[-1] in (".", ".."):
        kept.append("")  # "/a/b/.." is the directory "/a/"
    return "/" + "/".join(kept)


@dataclass(frozen=True)
class PageRefs:
    """What a page points at: pages to crawl and images to collect (in page order)."""

    links: list[str]
    images: list[str]


def _srcset_urls(srcset: str) -> list[str]:
    """The URLs of a ``srcset`` ("a.jpg 480w, b.jpg 2x"); descriptors are dropped."""
    return [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]


def extract_refs(html: str | bytes, page_url: str) -> PageRefs:
    """Links (``<a href>``) and images (``<img src/srcset>``, ``<picture><source srcset>``,
    ``og:image``) of a page, normalised and de-duplicated, honouring ``<base href>``."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    base = normalise_url(base_tag["href"], page_url) if base_tag else page_url

    images: list[str] = []
    for meta in soup.find_all("meta", content=True):
        if (meta.get("property") or meta.get("name")) in ("og:image", "og:image:url"):
            images.append(meta["content"])
    for tag in soup.find_all(["img", "source"]):
        if tag.name == "img" and tag.get("src"):
            images.append(tag["src"])
        if tag.get("srcset"):
            images.extend(_srcset_urls(tag["srcset"]))
    links = [a["href"] for a in soup.find_all("a", href=True)]

    def unique(urls: list[str]) -> list[str]:
        return list(dict.fromkeys(normalise_url(url, base) for url in urls if url.strip()))

    return PageRefs(links=unique(links), images=unique(images))
