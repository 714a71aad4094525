"""The sites the ``image_labels`` DAG crawls, from ``include/config/sites.yaml``.

Which file is read is a deployment setting, not a DAG parameter: ``ENRICHMENT_SITES_FILE``
points elsewhere (the local stack points it at ``sites.local.yaml``, the one file that
allows the loopback sample site). ``${VARIABLE}``s in the file come from the environment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from enrichment.crawler import Site

SITES_FILE_ENV = "ENRICHMENT_SITES_FILE"
DEFAULT_SITES_FILE = Path(__file__).resolve().parents[1] / "config" / "sites.yaml"
VARIABLE = re.compile(r"\$\{(\w+)\}")
SITE_FIELDS = frozenset(Site.__dataclass_fields__)


class SitesConfigError(ValueError):
    pass


def sites_file() -> Path:
    return Path(os.environ.get(SITES_FILE_ENV) or DEFAULT_SITES_FILE)


def _expand(value: object, path: Path) -> object:
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


def parse_sites(text: str, path: Path) -> dict[str, Site]:
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


def load_sites(names: list[str] | None = None, path: Path | None = None) -> list[Site]:
    """The configured sites named in ``names`` (all of them when empty), in file order."""
    path = path or sites_file()
    sites = parse_sites(path.read_text(encoding="utf-8"), path)
    unknown = sorted(set(names or ()) - set(sites))
    if unknown:
        raise SitesConfigError(f"{path}: no site named {unknown}; known: {sorted(sites)}")
    return [site for name, site in sites.items() if not names or name in names]
