"""The two HTML pages of the Wikipedia stand-in that the results page links to, so its
links work in the demo: an article (``/wiki/<title>``) and a diff
(``/w/index.php?diff=<new>&oldid=<old>``).
"""

from __future__ import annotations

from html import escape
from urllib.parse import unquote

from dev.standins.wikipedia_pages import iso_timestamp, normalise_title, section_zero
from dev.standins.wikipedia_query import Corpus


def html_page(corpus: Corpus, path: str, query: dict[str, list[str]]) -> tuple[int, str]:
    """The two pages the results page links to, so its links work in the demo: an
    article (``/wiki/<title>``: its lead now) and a diff
    (``/w/index.php?diff=<new>&oldid=<old>``: the two revisions' leads in wikitext)."""
    if path.startswith("/wiki/"):
        title = normalise_title(unquote(path.removeprefix("/wiki/")).replace("_", " "))
        page = corpus.find(title)
        if page is None:
            return 404, _html(title, "<p>Wikipedia has no article with this name.</p>")
        return 200, _html(page.title, f"<p>{escape(page.extract)}</p>")
    shown = []
    for name in ("oldid", "diff"):
        revid = query.get(name, [""])[0]
        found = corpus.revision(int(revid)) if revid.isdigit() else None
        if found is None:
            return 404, _html("Diff", f"<p>No such revision for {name}.</p>")
        page, revision = found
        shown.append(
            f"<h2>Revision {revision.revid} ({iso_timestamp(revision.timestamp)})</h2>"
            f"<pre>{escape(section_zero(revision.wikitext))}</pre>"
        )
    return 200, _html(f"{page.title}: difference between revisions", "".join(shown))


def _html(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f" (local Wikipedia stand-in)</title></head><body><h1>{escape(title)}</h1>{body}"
        "<p><small>Served by the local Wikipedia stand-in (dev/standins).</small></p>"
        "</body></html>"
    )
