"""Which addresses the crawler may connect to.

A crawled page decides what the crawler fetches next, so a hostile or careless page can
point it at the cloud metadata endpoint (169.254.169.254), a database on the private
network or a service on loopback. Only ``http``/``https`` URLs whose host resolves to
public addresses are fetched, unless the site is explicitly allowed to use private ones
(the local sample site in development); link-local addresses are refused even then.

The check runs twice: :func:`check_url` before a URL is queued, for a clear skip reason,
and :func:`guarded_session` at connect time, which resolves the host itself, checks
every address and connects to the checked one, so DNS answering differently the second
time (rebinding) cannot slip a private address in.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedURL(ValueError):
    """The crawler must not fetch this URL; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is off limits (``"link-local address"``, ...), or None if public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # Most specific first: 169.254.0.0/16 is also "private", but link-local says more.
    for kind in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address"
    if not address.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT)
        return "non-global address"
    return None


def literal_address_problem(host: str) -> str | None:
    """For a host that is an IP literal, why it is off limits (``"link-local address
    169.254.169.254"``); None for a public literal or a name."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    problem = address_problem(address)
    return f"{problem} {address}" if problem else None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def checked_addresses(host: str, port: int, allow_private: bool) -> list[IPAddress]:
    """The addresses of ``host``; raises :class:`RefusedURL` if any of them is off limits.

    One refused address refuses the host: which of several addresses a client picks is
    not ours to predict.
    """
    url = f"//{host}:{port}"
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedURL(url, f"host does not resolve ({error})") from error
    for address in addresses:
        problem = address_problem(address)
        # Link-local stays refused even for an allowed site: it is where cloud metadata
        # (credentials) lives, and no site of ours is served from there.
        if problem and (not allow_private or problem == "link-local address"):
            raise RefusedURL(url, f"{problem} {address}")
    return addresses


def check_url(url: str, allow_private: bool) -> None:
    """Raise :class:`RefusedURL` unless ``url`` is http(s) to an allowed address."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # "http://[oops/": an unbalanced IPv6 bracket
        raise RefusedURL(url, f"not a valid URL ({error})") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise RefusedURL(url, f"scheme {parts.scheme or '(none)'!r} is not http/https")
    if not parts.hostname:
        raise RefusedURL(url, "no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedURL(url, "invalid port") from error
    try:
        checked_addresses(parts.hostname, port, allow_private)
    except RefusedURL as refused:
        raise RefusedURL(url, refused.reason) from None


def guarded_session(allow_private: bool, user_agent: str) -> requests.Session:
    """A requests session whose every connection goes to a checked address.

    Proxies from the environment are ignored: a proxy would make the address check
    meaningless. Redirects are the caller's to follow (``allow_redirects=False``), hop by
    hop, with :func:`check_url`; any hop followed anyway still connects only if allowed.
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _Pinned:
        def _new_conn(self):
            addresses = checked_addresses(self.host, self.port, allow_private)
            # Connect to the address just checked. urllib3's ``host`` (Host header, TLS SNI
            # and certificate check) reads ``_dns_host``, so the name is put back after.
            name, self._dns_host = self._dns_host, str(addresses[0])
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    class PinnedHTTPConnection(_Pinned, HTTPConnection):
        pass

    class PinnedHTTPSConnection(_Pinned, HTTPSConnection):
        pass

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTPConnection

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": PinnedHTTPPool,
                "https": PinnedHTTPSPool,
            }

    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    adapter = GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
