"""The sites file: which sites the image_labels DAG crawls, and what they may do."""

from __future__ import annotations

from pathlib import Path

import pytest

from dev.stack import LOCAL_SITES_FILE
from enrichment.image_labels.sites import (
    DEFAULT_SITES_FILE,
    SitesConfigError,
    load_sites,
    parse_sites,
)

HERE = Path("sites.yaml")


def test_a_site_with_defaults():
    (site,) = parse_sites("sites: [{name: a, start_urls: ['https://a.example/']}]", HERE).values()
    assert site.start_urls == ("https://a.example/",)
    assert site.on_site("https://a.example/page")
    assert not site.on_site("https://b.example/")
    assert (site.allow_private_addresses, site.crawl_delay, site.concurrency) == (False, 1.0, 2)


def test_variables_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:9999")
    text = "sites: [{name: a, start_urls: ['${SITE_URL}/'], allow_private_addresses: true}]"
    assert parse_sites(text, HERE)["a"].start_urls == ("http://127.0.0.1:9999/",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "sites: [{name: a, start_urls: ['${NOT_SET_ANYWHERE}/']}]",
            "is not set",
            id="unset-variable",
        ),
        pytest.param("sites: [just-a-name]", "is not a mapping", id="not-a-mapping"),
        pytest.param("sites: [{name: a}]", "needs `name` and `start_urls`", id="no-start-urls"),
        pytest.param(
            "sites: [{name: a, start_urls: [x], depth: 3}]",
            "unknown keys ['depth']",
            id="unknown-key",
        ),
        pytest.param(
            "sites: [{name: a, start_urls: [x]}, {name: a, start_urls: [y]}]",
            "listed twice",
            id="duplicate",
        ),
    ],
)
def test_a_bad_file_is_a_clear_error(text, message):
    with pytest.raises(SitesConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_sites(text, HERE)


def test_unknown_site_names_are_refused(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites: [{name: a, start_urls: ['https://a.example/']}]")
    assert [site.name for site in load_sites([], path)] == ["a"]
    with pytest.raises(SitesConfigError, match=r"no site named \['b'\]; known: \['a'\]"):
        load_sites(["b"], path)


def test_production_file_allows_no_private_addresses():
    sites = load_sites(path=DEFAULT_SITES_FILE)
    assert sites
    assert not [site.name for site in sites if site.allow_private_addresses]


def test_only_the_development_file_allows_the_loopback_sample_site(monkeypatch):
    monkeypatch.setenv("ENRICHMENT_SAMPLE_SITE_URL", "http://127.0.0.1:8952")
    (sample,) = load_sites(path=LOCAL_SITES_FILE)
    assert (sample.name, sample.allow_private_addresses) == ("sample", True)
    assert sample.on_site("http://127.0.0.1:8952/products.html")
    assert not sample.on_site("http://127.0.0.1:8953/admin")  # another port, another site
