"""The connect-time guard: refused addresses are never connected to, allowed ones keep
their name (Host header, TLS), and the canaries that would see a slip are really there."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
import requests

from enrichment.image_labels.address_guard import RefusedURL, check_url, guarded_session
from enrichment.image_labels.crawling import Skip, crawl_site
from enrichment.image_labels.fetching import USER_AGENT
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.image_labels.sites import Site
from tests.support.servers import TinySite, page, redirect, serving

CANARY_URLS = [
    pytest.param("http://169.254.169.254/latest/meta-data/", "link-local", id="metadata"),
    pytest.param("http://10.0.0.1/admin", "private", id="private"),
]

DEFAULT_LIMITS = ImageLabelsSettings().limits()


def canary_hits(canaries) -> list[str]:
    return [hit for canary in canaries.values() for hit in canary.hits]


def test_the_canaries_would_see_a_request_that_slipped_through(canaries):
    """So "no hits" below means nothing was sent, not that nothing was listening."""
    canary = canaries["169.254.169.254"]
    with requests.Session() as plain:
        plain.trust_env = False
        try:
            assert plain.get("http://169.254.169.254/probe", timeout=5).status_code == 200
            assert canary.hits == ["GET http://169.254.169.254/probe"]
        finally:
            # This request was the test's own; the session's end-of-run check is for the crawler.
            canary.hits.remove("GET http://169.254.169.254/probe")


@pytest.mark.parametrize(("url", "kind"), CANARY_URLS)
def test_the_session_refuses_a_refused_address_before_connecting(canaries, url, kind):
    host = url.split("/")[2]
    session = guarded_session(allow_private=False, user_agent=USER_AGENT)
    with session, pytest.raises(RefusedURL) as refused:
        session.get(url, timeout=5)
    assert refused.value.reason == f"{kind} address {host}"
    assert canary_hits(canaries) == []


@pytest.mark.parametrize(("url", "kind"), CANARY_URLS)
def test_a_redirect_from_a_crawled_site_to_a_refused_address_is_not_followed(canaries, url, kind):
    with serving(TinySite({"/": redirect(url)})) as tiny:
        site = Site("local", (tiny.origin + "/",), allow_private_addresses=True, crawl_delay=0)
        result = crawl_site(site, DEFAULT_LIMITS, max_images=10)
    host = url.split("/")[2]
    assert result.pages == []
    assert result.skips == [
        Skip(tiny.origin + "/", f"redirect to {url}: refused: {kind} address {host}", "local")
    ]
    assert tiny.paths() == ["/robots.txt", "/"]
    assert canary_hits(canaries) == []


@pytest.mark.parametrize(("url", "kind"), CANARY_URLS)
def test_a_site_configured_on_a_refused_address_is_not_crawled(canaries, url, kind):
    result = crawl_site(Site("hostile", (url,), crawl_delay=0), DEFAULT_LIMITS, max_images=10)
    host = url.split("/")[2]
    assert (result.pages, result.downloads) == ([], [])
    assert result.skips == [Skip(url, f"refused: {kind} address {host}", "hostile")]
    assert canary_hits(canaries) == []


def test_a_name_that_does_not_resolve_is_refused():
    """``.invalid`` never resolves (RFC 2606); here the lookup cannot leave the namespace."""
    with pytest.raises(RefusedURL) as refused:
        check_url("http://images.nowhere.invalid/a.png", allow_private=False)
    assert refused.value.reason.startswith("host does not resolve (")
    site = Site("nowhere", ("http://nowhere.invalid/",), crawl_delay=0)
    [skip] = crawl_site(site, DEFAULT_LIMITS, max_images=10).skips
    assert skip.reason.startswith("refused: host does not resolve (")


def test_every_request_on_a_connection_names_the_host_asked_for():
    """The connection goes to the checked address, but the Host header stays the name a
    virtual host is served under, on the first request and on the reused connection."""
    session = guarded_session(allow_private=True, user_agent=USER_AGENT)
    with serving(TinySite({"/": page("home")})) as tiny, session:
        for _ in range(3):
            session.get(f"http://localhost:{tiny.server_port}/", timeout=5).raise_for_status()
    assert [request["host"] for request in tiny.requests] == [f"localhost:{tiny.server_port}"] * 3


def test_https_is_verified_against_the_name_not_the_address(tmp_path):
    """TLS SNI and the certificate check use the host name; the certificate here names
    ``localhost`` only, so checking it against 127.0.0.1 would fail."""
    certificate, key = self_signed_certificate(tmp_path, "localhost")
    tiny = TinySite({"/": page("secure")})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    tiny.socket = context.wrap_socket(tiny.socket, server_side=True)
    with serving(tiny), guarded_session(allow_private=True, user_agent=USER_AGENT) as session:
        session.verify = str(certificate)
        for _ in range(2):
            response = session.get(f"https://localhost:{tiny.server_port}/", timeout=5)
            assert response.text == "secure"
    assert [request["host"] for request in tiny.requests] == [f"localhost:{tiny.server_port}"] * 2


def self_signed_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "cert.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


def test_link_local_stays_refused_for_a_site_allowed_private_addresses(canaries):
    session = guarded_session(allow_private=True, user_agent="test")
    with pytest.raises(RefusedURL, match=r"link-local address 169\.254\.169\.254"):
        session.get("http://169.254.169.254/latest/meta-data/", timeout=2)
    assert canaries["169.254.169.254"].hits == []
