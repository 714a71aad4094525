"""What the ``image_labels`` DAG crawls and how much: the sites file, a site, the limits.

Which file is read is a deployment setting, not a DAG parameter: ``ENRICHMENT_SITES_FILE``
points at another file (the local stack points it at the development file that allows
the loopback sample site); by default the package's own ``config/sites.yaml`` is read.
``${VARIABLE}``s in the file come from the environment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from enrichment.image_labels.links import normalise_url

SITES_FILE_ENV = "ENRICHMENT_SITES_FILE"
DEFAULT_SITES_FILE = resources.files("enrichment") / "config" / "sites.yaml"
VARIABLE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class Site:
    """One site to crawl. ``allowed_domains`` entries are ``host`` (any subdomain, default
    ports) or ``host:port`` (exactly that origin); by default the start URLs' origins."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...] = ()
    allow_private_addresses: bool = False
    crawl_delay: float = 1.0
    concurrency: int = 2

    def on_site(self, url: str) -> bool:
        """Whether ``url`` (normalised) is inside the site's domains."""
        domains = self.allowed_domains or tuple(
            urlsplit(normalise_url(start)).netloc for start in self.start_urls
        )
        parts = urlsplit(url)
        for domain in domains:
            allowed = urlsplit("//" + domain.lower())
            if allowed.port is not None:  # exactly that origin: another port is another site
                if (parts.hostname, parts.port) == (allowed.hostname, allowed.port):
                    return True
            elif parts.port is None and (
                parts.hostname == allowed.hostname
                or str(parts.hostname).endswith(f".{allowed.hostname}")
            ):
                return True
        return False


@dataclass(frozen=True)
class Limits:
    """How much one run crawls. The first four come from the DAG's settings
    (:meth:`ImageLabelsSettings.limits`); the rest are fixed safety margins."""

    max_depth: int
    max_pages: int
    max_images: int
    max_image_bytes: int
    max_page_bytes: int = 2 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


SITE_FIELDS = frozenset(Site.__dataclass_fields__)


class SitesConfigError(ValueError):
    pass


def sites_file() -> Traversable:
    configured = os.environ.get(SITES_FILE_ENV)
    return Path(configured) if configured else DEFAULT_SITES_FILE


def _expand(value: object, path: Traversable) -> object:
    """``value`` with ``${VARIABLE}``s in its strings replaced from the environment."""

    def variable(match: re.Match[str]) -> str:
        if match.group(1) not in os.environ:
            raise SitesConfigError(f"{path}: ${{{match.group(1)}}} is not set in the environment")
        return os.environ[match.group(1)]

    if isinstance(value, str):
        return VARIABLE.sub(variable, value)
    if isinstance(value, list):
        return [_expand(item, path) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item, path) for key, item in value.items()}
    return value


def parse_sites(text: str, path: Traversable) -> dict[str, Site]:
    """Sites by name from the YAML ``text``; a clear error naming the file and the entry."""
    import yaml

    entries = _expand((yaml.safe_load(text) or {}).get("sites") or [], path)
    sites: dict[str, Site] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SitesConfigError(f"{path}: site #{number} is not a mapping")
        unknown = set(entry) - SITE_FIELDS
        if unknown or not entry.get("name") or not entry.get("start_urls"):
            raise SitesConfigError(
                f"{path}: site #{number} needs `name` and `start_urls`"
                + (f"; unknown keys {sorted(unknown)}" if unknown else "")
            )
        if entry["name"] in sites:
            raise SitesConfigError(f"{path}: site {entry['name']!r} is listed twice")
        fields = entry | {
            "start_urls": tuple(entry["start_urls"]),
            "allowed_domains": tuple(entry.get("allowed_domains") or ()),
        }
        sites[entry["name"]] = Site(**fields)
    return sites


def load_sites(
    names: tuple[str, ...] | list[str] = (), path: Traversable | None = None
) -> list[Site]:
    """The configured sites named in ``names`` (all of them when empty), in file order."""
    path = path or sites_file()
    sites = parse_sites(path.read_text(encoding="utf-8"), path)
    unknown = sorted(set(names) - set(sites))
    if unknown:
        raise SitesConfigError(f"{path}: no site named {unknown}; known: {sorted(sites)}")
    return [site for name, site in sites.items() if not names or name in names]
