"""Revisions of a Wikipedia page: when each was saved, its parent, and its lead's wikitext.

MediaWiki stamps revisions in UTC to the second (``2026-11-20T13:05:00Z``); every time
here is an aware UTC datetime, written back in that form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def parse_time(value: str) -> datetime:
    """A MediaWiki timestamp (``2026-11-20T13:05:00Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_time(moment: datetime) -> str:
    """The MediaWiki form of ``moment`` (UTC, seconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, order=True)
class Revision:
    """One saved version of a page: its id, its parent's (0 for the page's first) and when."""

    timestamp: datetime
    revid: int
    parentid: int


@dataclass(frozen=True)
class RevisionText:
    """Section 0 of one revision; ``wikitext`` is None when Wikipedia hides it (a revision
    deleted by an administrator: ``texthidden``)."""

    revid: int
    title: str
    timestamp: datetime
    wikitext: str | None
