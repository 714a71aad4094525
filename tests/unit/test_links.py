"""One spelling per resource, and every link and image a page points at, in page order."""

from __future__ import annotations

import pytest

from enrichment.image_labels.links import PageRefs, extract_refs, normalise_url

PAGE = "http://shop.example/catalogue/index.html"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("http://shop.example/a.html#top", "http://shop.example/a.html", id="fragment"),
        pytest.param("http://shop.example:80/a", "http://shop.example/a", id="default-port-http"),
        pytest.param(
            "https://shop.example:443/a", "https://shop.example/a", id="default-port-https"
        ),
        pytest.param(
            "http://shop.example:8080/a", "http://shop.example:8080/a", id="other-port-kept"
        ),
        pytest.param(
            "HTTP://Shop.EXAMPLE/Catalogue/A.html",
            "http://shop.example/Catalogue/A.html",
            id="scheme-and-host-lowercased-path-kept",
        ),
        pytest.param("http://shop.example./a", "http://shop.example/a", id="trailing-dot-host"),
        pytest.param(
            "http://shop.example/a/./b/../c", "http://shop.example/a/c", id="dot-segments"
        ),
        pytest.param("http://shop.example/a/b/..", "http://shop.example/a/", id="dot-dot-last"),
        pytest.param(
            "http://shop.example/../../a", "http://shop.example/a", id="dot-dot-above-root"
        ),
        pytest.param(
            "http://shop.example/a//b", "http://shop.example/a//b", id="empty-segment-kept"
        ),
        pytest.param("http://shop.example", "http://shop.example/", id="empty-path"),
        pytest.param("http://shop.example?q=1", "http://shop.example/?q=1", id="empty-path-query"),
        pytest.param(
            "http://shop.example/s?b=2&a=1&a=0",
            "http://shop.example/s?a=0&a=1&b=2",
            id="query-sorted",
        ),
        pytest.param("http://shop.example/s?", "http://shop.example/s", id="empty-query-dropped"),
        pytest.param(
            "http://shop.example/s?q=a%20b&p=x+y",
            "http://shop.example/s?p=x+y&q=a%20b",
            id="query-encoding-kept",
        ),
        pytest.param(
            "http://shop.example/s?b&a=", "http://shop.example/s?a=&b", id="blank-values-as-written"
        ),
        pytest.param(
            "http://user:secret@shop.example:8080/a",
            "http://shop.example:8080/a",
            id="credentials-dropped",
        ),
        pytest.param("  http://shop.example/a\n", "http://shop.example/a", id="whitespace"),
        pytest.param("javascript:alert(1)", "javascript:alert(1)", id="javascript-untouched"),
        pytest.param(
            "mailto:Web@Shop.example?subject=Hi#x",
            "mailto:Web@Shop.example?subject=Hi#x",
            id="mailto-untouched",
        ),
        pytest.param(
            "data:image/gif;base64,R0lGODlh", "data:image/gif;base64,R0lGODlh", id="data-untouched"
        ),
        pytest.param("file:///etc/passwd", "file:///etc/passwd", id="file-untouched"),
        pytest.param(
            "http://[2001:DB8::1]:80/a#f", "http://[2001:db8::1]/a", id="ipv6-literal-default-port"
        ),
        pytest.param("http://[::1]:8080/a", "http://[::1]:8080/a", id="ipv6-literal-other-port"),
        pytest.param("http://shop.example:99999/a", "http://shop.example:99999/a", id="bad-port"),
        pytest.param("http://[oops/a", "http://[oops/a", id="unparseable-untouched"),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("other.html", "http://shop.example/catalogue/other.html", id="sibling"),
        pytest.param("../about", "http://shop.example/about", id="parent"),
        pytest.param("/a/../b", "http://shop.example/b", id="root-relative-dots"),
        pytest.param("?page=2", "http://shop.example/catalogue/index.html?page=2", id="query-only"),
        pytest.param("#reviews", "http://shop.example/catalogue/index.html", id="fragment-only"),
        pytest.param("//CDN.example/x.png", "http://cdn.example/x.png", id="scheme-relative"),
        pytest.param("https://other.example", "https://other.example/", id="absolute"),
        pytest.param("mailto:a@b.example", "mailto:a@b.example", id="mailto"),
    ],
)
def test_normalise_url_against_the_page_it_is_on(url, expected):
    assert normalise_url(url, PAGE) == expected


def test_the_spellings_of_one_page_on_the_sample_site_are_one_url():
    origin = "http://127.0.0.1:8952"
    spellings = [
        ("/products.html", origin + "/"),
        ("./products.html#top", origin + "/"),
        (origin + "/products.html?", origin + "/"),
        ("../../products.html#reviews", origin + "/blog/2026/launch.html"),
        ("HTTP://127.0.0.1:8952/blog/../products.html", None),
    ]
    assert {normalise_url(url, base) for url, base in spellings} == {origin + "/products.html"}


def test_links_and_images_come_in_page_order_with_og_image_first():
    html = """<html><head>
      <meta property="og:image" content="/og.jpg">
      <meta name="og:image:url" content="/og-url.jpg">
      <meta property="og:title" content="/not-an-image.jpg">
    </head><body>
      <a href="/b.html">B</a>
      <img src="/one.png">
      <a href="a.html">A</a>
      <img src="/two.jpg" alt="">
    </body></html>"""
    assert extract_refs(html, PAGE) == PageRefs(
        links=[
            "http://shop.example/b.html",
            "http://shop.example/catalogue/a.html",
        ],
        images=[
            "http://shop.example/og.jpg",
            "http://shop.example/og-url.jpg",
            "http://shop.example/one.png",
            "http://shop.example/two.jpg",
        ],
    )


def test_every_srcset_candidate_is_an_image_without_its_descriptor():
    html = """
      <img srcset="small.webp 480w, large.jpg 1200w,big.jpg   2x" src="fallback.jpg">
      <img srcset="only.png">
      <picture>
        <source srcset="banner.avif 1x, banner@2x.avif 2x" type="image/avif">
        <source srcset="banner.webp" type="image/webp">
        <img src="banner.png">
      </picture>"""
    assert extract_refs(html, "http://shop.example/").images == [
        "http://shop.example/fallback.jpg",
        "http://shop.example/small.webp",
        "http://shop.example/large.jpg",
        "http://shop.example/big.jpg",
        "http://shop.example/only.png",
        "http://shop.example/banner.avif",
        "http://shop.example/banner@2x.avif",
        "http://shop.example/banner.webp",
        "http://shop.example/banner.png",
    ]


def test_a_video_source_is_not_an_image():
    html = '<video><source src="/clip.mp4" type="video/mp4"></video><img src="/poster.jpg">'
    assert extract_refs(html, "http://shop.example/").images == ["http://shop.example/poster.jpg"]


def test_base_href_resolves_relative_references():
    html = """<head><base href="/static/v2/"></head>
      <a href="page.html">x</a><img src="img/a.png"><a href="/root.html">y</a>"""
    assert extract_refs(html, PAGE) == PageRefs(
        links=["http://shop.example/static/v2/page.html", "http://shop.example/root.html"],
        images=["http://shop.example/static/v2/img/a.png"],
    )


def test_one_resource_under_many_spellings_is_listed_once_where_first_seen():
    html = """
      <meta property="og:image" content="http://SHOP.example:80/img/a.png#x">
      <img src="/img/a.png"><img srcset="../img/a.png 2x"><img src="/img/b.png">
      <a href="/p?b=2&a=1">1</a><a href="#top">self</a><a href="/p?a=1&b=2#f">2</a>
      <a href="index.html">self again</a>"""
    assert extract_refs(html, PAGE) == PageRefs(
        links=["http://shop.example/p?a=1&b=2", PAGE],
        images=["http://shop.example/img/a.png", "http://shop.example/img/b.png"],
    )


def test_hostile_and_empty_references_are_kept_for_the_guard_or_dropped():
    """Non-HTTP and malformed links are the guard's to refuse with a reason; blanks are
    nothing at all."""
    html = """
      <a href="javascript:alert(1)">j</a><a href="mailto:x@y.example">m</a>
      <a href="http://[oops/">broken</a><a href="">empty</a><a href="  ">blank</a>
      <img src="data:image/gif;base64,R0lGODlh"><img src=""><img alt="no src">"""
    assert extract_refs(html, PAGE) == PageRefs(
        links=["javascript:alert(1)", "mailto:x@y.example", "http://[oops/"],
        images=["data:image/gif;base64,R0lGODlh"],
    )


def test_bytes_are_decoded_by_their_declared_charset():
    html = '<meta charset="iso-8859-1"><a href="/caf\xe9.html">x</a>'.encode("latin-1")
    assert extract_refs(html, "http://shop.example/").links == ["http://shop.example/café.html"]
