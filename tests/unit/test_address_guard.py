"""Which addresses the crawler may connect to, decided without sending a packet.

Every URL here has an IP literal for a host (or no host): ``getaddrinfo`` parses a
literal locally, so these tests open no socket. Names that need DNS are tested in
``tests/isolated``.
"""

from __future__ import annotations

import ipaddress

import pytest

from enrichment.image_labels.address_guard import RefusedURL, address_problem, check_url


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        pytest.param("127.0.0.1", "loopback address", id="loopback"),
        pytest.param("127.8.9.10", "loopback address", id="loopback-range"),
        pytest.param("::1", "loopback address", id="ipv6-loopback"),
        pytest.param("169.254.169.254", "link-local address", id="cloud-metadata"),
        pytest.param("169.254.0.1", "link-local address", id="link-local"),
        pytest.param("fe80::1", "link-local address", id="ipv6-link-local"),
        pytest.param("10.0.0.1", "private address", id="private-10"),
        pytest.param("172.16.0.1", "private address", id="private-172.16"),
        pytest.param("172.31.255.254", "private address", id="private-172.31"),
        pytest.param("192.168.1.1", "private address", id="private-192.168"),
        pytest.param("fd00::1", "private address", id="ipv6-unique-local"),
        pytest.param("::ffff:169.254.169.254", "link-local address", id="ipv4-mapped-metadata"),
        pytest.param("::ffff:10.0.0.1", "private address", id="ipv4-mapped-private"),
        pytest.param("::ffff:127.0.0.1", "loopback address", id="ipv4-mapped-loopback"),
        pytest.param("100.64.0.1", "non-global address", id="carrier-grade-nat"),
        pytest.param("100.127.255.254", "non-global address", id="carrier-grade-nat-top"),
        pytest.param("224.0.0.1", "multicast address", id="multicast"),
        pytest.param("ff02::1", "multicast address", id="ipv6-multicast"),
        pytest.param("0.0.0.0", "unspecified address", id="unspecified"),
        pytest.param("::", "unspecified address", id="ipv6-unspecified"),
        pytest.param("::7f00:1", "reserved address", id="ipv4-compatible-ipv6"),
        pytest.param("192.0.2.1", "private address", id="documentation"),
    ],
)
def test_off_limits_addresses_say_why(address, problem):
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("93.184.215.14", id="public-ipv4"),
        pytest.param("172.32.0.1", id="just-above-172.16/12"),
        pytest.param("100.128.0.1", id="just-above-100.64/10"),
        pytest.param("2606:2800:21f:cb07:6820:80da:af6b:8b2c", id="public-ipv6"),
        pytest.param("::ffff:93.184.215.14", id="ipv4-mapped-public"),
    ],
)
def test_public_addresses_are_allowed(address):
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("file:///etc/passwd", "scheme 'file' is not http/https", id="file"),
        pytest.param("javascript:alert(1)", "scheme 'javascript' is not http/https", id="js"),
        pytest.param("ftp://93.184.215.14/a.png", "scheme 'ftp' is not http/https", id="ftp"),
        pytest.param("data:image/gif;base64,R0lG", "scheme 'data' is not http/https", id="data"),
        pytest.param("/images/a.png", "scheme '(none)' is not http/https", id="relative"),
        pytest.param("http:///images/a.png", "no host", id="missing-host"),
        pytest.param("http://93.184.215.14:99999/", "invalid port", id="invalid-port"),
        pytest.param("http://[oops/", "not a valid URL (Invalid IPv6 URL)", id="unparseable"),
        pytest.param(
            "http://169.254.169.254/latest/meta-data/",
            "link-local address 169.254.169.254",
            id="cloud-metadata",
        ),
        pytest.param("http://10.0.0.1/admin", "private address 10.0.0.1", id="private"),
        pytest.param("https://192.168.0.1:8443/", "private address 192.168.0.1", id="private-tls"),
        pytest.param("http://127.0.0.1:8952/", "loopback address 127.0.0.1", id="loopback"),
        pytest.param("http://[::1]/", "loopback address ::1", id="ipv6-loopback"),
        pytest.param(
            "http://[::ffff:169.254.169.254]/",
            f"link-local address {ipaddress.ip_address('::ffff:169.254.169.254')}",
            id="ipv4-mapped-metadata",
        ),
        pytest.param("http://0.0.0.0:8080/", "unspecified address 0.0.0.0", id="unspecified"),
        pytest.param("http://100.64.0.1/", "non-global address 100.64.0.1", id="cgnat"),
    ],
)
def test_check_url_refuses_with_a_reason(url, reason):
    with pytest.raises(RefusedURL) as refused:
        check_url(url, allow_private=False)
    assert (refused.value.url, refused.value.reason) == (url, reason)
    assert str(refused.value) == f"{reason}: {url}"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://93.184.215.14/", id="http"),
        pytest.param("https://93.184.215.14:8443/a?b=c", id="https-other-port"),
        pytest.param("http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", id="ipv6"),
    ],
)
def test_check_url_lets_public_addresses_through(url):
    assert check_url(url, allow_private=False) is None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:8952/", id="loopback"),
        pytest.param("http://10.0.0.1/", id="private"),
    ],
)
def test_a_site_allowed_private_addresses_may_use_them(url):
    """The local sample site lives on loopback; its Site says so."""
    assert check_url(url, allow_private=True) is None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("http:///a", id="missing-host"),
        pytest.param("http://127.0.0.1:0x50/", id="invalid-port"),
    ],
)
def test_allowing_private_addresses_allows_nothing_else(url):
    with pytest.raises(RefusedURL):
        check_url(url, allow_private=True)
