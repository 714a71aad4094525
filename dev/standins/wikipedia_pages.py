"""The pages the Wikipedia stand-in serves, each with its revision history in wikitext.

A :class:`Page` is a title, a page id and its revisions, oldest first. Pages come from the
YAML corpus (``wikipedia_corpus.yaml``, whose header documents the format and the timeline
facts tests may rely on), from :func:`synthetic_page` for the made-up
``Synthetic Company <n>`` articles, and from edits saved through the control API. What a
page is now (a redirect, a disambiguation page, its extract, the articles it links to) is
read from its latest revision, as on the wiki.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

CORPUS = Path(__file__).with_name("wikipedia_corpus.yaml")
REDIRECT = re.compile(r"\A\s*#redirect\s*:?\s*\[\[([^\]|#]+)", re.IGNORECASE)
# The templates that put a page in the disambiguation category (and so set its page prop).
DISAMBIGUATION = re.compile(
    r"\{\{\s*(?:disambiguation|disambig|dab)\s*[|}]|__DISAMBIG__", re.IGNORECASE
)
# A heading is a line that starts and ends with "=" ("== History =="); section 0 is what
# comes before the first one.
HEADING = re.compile(r"^=[^\n]*=[ \t]*$", re.MULTILINE)
# A sentence ends at . ! or ? followed by space and a capital, which is how TextExtracts
# cuts ``exsentences`` closely enough for this corpus ("Inc. is" is not a boundary).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# A wikilink, innermost first: [[Target]], [[Target|text]], [[Target#Section|text]]. A
# link inside a file's caption is found on its own; the file link around it is not (its
# caption holds brackets), which is right, as a file link is not an article link.
WIKILINK = re.compile(r"\[\[([^\[\]|]*)(?:\|[^\[\]]*)?\]\]")
# What the parser never reads as links: comments and nowiki'd text.
UNPARSED = re.compile(r"<!--.*?-->|<nowiki>.*?</nowiki>", re.DOTALL | re.IGNORECASE)
# The prefixes that make a link leave namespace 0: the English Wikipedia's namespaces and
# their aliases (talk namespaces too), and the interwiki and language prefixes it uses
# most. A colon after anything else stays in the title, as in "Star Wars: Episode I".
NAMESPACE_PREFIXES = frozenset(
    "talk user wikipedia wp project image file mediawiki template help category portal "
    "draft timedtext module special media book education program gadget topic "
    "wikt wiktionary w commons c meta m metawikimedia species wikispecies b wikibooks n "
    "wikinews q wikiquote s wikisource v wikiversity voy wikivoyage d wikidata mw "
    "mediawikiwiki phab phabricator foundation wmf wikimedia outreach incubator "
    "en de fr es it pt nl pl ru ja zh sv uk ar fa he ko vi id tr cs fi no da hu ro el "
    "simple".split()
) | frozenset(
    f"{name} talk"
    for name in "user wikipedia project image file mediawiki template help category portal "
    "draft timedtext module".split()
)
# Made-up companies: the number is written as Python writes it, so a page has one title.
SYNTHETIC = re.compile(r"Synthetic Company (0|[1-9][0-9]{0,7})")
SYNTHETIC_PAGEIDS = 900_000_000
# Four revisions per company, numbered below the corpus's revids (about 1.27e9 and up).
SYNTHETIC_REVIDS = 100_000_000
SYNTHETIC_REVISIONS = 4
SYNTHETIC_CREATED = datetime(2020, 1, 1, tzinfo=UTC)
# The days of October 2026 a made-up company's lead changes, at hour n % 24.
SYNTHETIC_EDIT_DAYS = (5, 15, 25)
# What a made-up company is known for: its tone, by revision and number.
SYNTHETIC_TRAITS = (
    "an award-winning and innovative maker of widgets",
    "a maker of widgets known for a fraud scandal and heavy losses",
    "a maker of widgets sold in several countries",
)


def normalise_title(title: str) -> str:
    """MediaWiki title normalisation: underscores to spaces, one space, first letter upper."""
    title = " ".join(title.replace("_", " ").split())
    return title[:1].upper() + title[1:]


def title_key(title: str) -> bytes:
    """How MediaWiki's database orders titles: by their bytes, with underscores."""
    return title.replace(" ", "_").encode("utf-8")


def article_link(target: str) -> str | None:
    """The article a link's target names (normalised like a title), or None when the link
    leaves namespace 0 (a file, a category, another wiki...) or stays on the page."""
    target = html.unescape(target).strip()
    if target.startswith(":"):  # [[:Category:X]] links to the category itself
        target = target[1:]
    prefix, colon, _ = target.partition(":")
    if colon and " ".join(prefix.replace("_", " ").split()).casefold() in NAMESPACE_PREFIXES:
        return None
    target = target.partition("#")[0].strip()
    if not target or target.startswith("/") or re.search(r"[<>\[\]{}|]", target):
        return None
    return normalise_title(target)


def iso_timestamp(moment: datetime) -> str:
    """The API's timestamp format: ``2026-11-20T00:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str) -> datetime | None:
    """A timestamp as the API takes it: ISO 8601 (``2026-11-20T00:00:00Z``) or MediaWiki's
    ``20261120000000``, in UTC; None when it is neither."""
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y%m%d%H%M%S"):
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return None


def section_zero(wikitext: str) -> str:
    """The lead: everything before the first heading, trailing whitespace trimmed as
    MediaWiki trims a section it returns."""
    return HEADING.split(wikitext, maxsplit=1)[0].rstrip()


def first_sentences(text: str, count: int) -> str:
    return " ".join(SENTENCE_END.split(text.strip())[:count])


@dataclass(frozen=True)
class Revision:
    revid: int
    parentid: int  # 0 for the revision that created the page
    timestamp: datetime
    wikitext: str
    # The lead as the pipeline's converter should read it (one line); None for a redirect.
    text: str | None = None
    minor: bool = False
    hidden: bool = False  # its text deleted by an admin: served as texthidden/sha1hidden

    @property
    def size(self) -> int:
        return len(self.wikitext.encode("utf-8"))

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.wikitext.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Page:
    title: str
    pageid: int
    revisions: tuple[Revision, ...]  # oldest first

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def redirect_target(self) -> str | None:
        match = REDIRECT.match(self.latest.wikitext)
        return normalise_title(match.group(1)) if match else None

    @property
    def disambiguation(self) -> bool:
        return bool(DISAMBIGUATION.search(self.latest.wikitext))

    @property
    def links(self) -> tuple[str, ...]:
        """The articles (namespace 0) the latest revision's whole wikitext links to, once
        each, in MediaWiki's order: by title as the database keys it (underscores, bytes).
        A redirect's link is its target. Templates are not expanded, so the links they
        would make are not here; links written in their parameters are."""
        found = {
            title
            for raw in WIKILINK.findall(UNPARSED.sub("", self.latest.wikitext))
            if (title := article_link(raw)) is not None
        }
        return tuple(sorted(found, key=title_key))

    @property
    def extract(self) -> str:
        """The intro TextExtracts answers: the latest revision's text."""
        return " ".join((self.latest.text or "").split())

    def edited(self, revid: int, timestamp: datetime, wikitext: str, text: str | None) -> Page:
        """This page with one more revision saved on top of its latest one."""
        parentid = self.revisions[-1].revid if self.revisions else 0
        revision = Revision(revid, parentid, timestamp, wikitext, text)
        return replace(self, revisions=(*self.revisions, revision))


def load_corpus(path: Path = CORPUS) -> tuple[dict[str, Page], dict[str, Page]]:
    """The corpus's articles and redirect pages, by title; refuses a history that is not
    one the wiki could have (unordered, empty, ending hidden or in the wrong kind)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    articles = {title: _page(title, spec) for title, spec in data["articles"].items()}
    redirects = {title: _page(title, spec) for title, spec in data["redirects"].items()}
    for title, page in articles.items():
        if page.redirect_target:
            raise ValueError(f"{title}: an article whose latest revision is a redirect")
    for title, page in redirects.items():
        if not page.redirect_target:
            raise ValueError(f"{title}: a redirect whose latest revision is not one")
    return articles, redirects


def _page(title: str, spec: dict) -> Page:
    revisions: list[Revision] = []
    for item in spec["revisions"]:
        timestamp = parse_timestamp(item["timestamp"])
        if timestamp is None:
            raise ValueError(f"{title}: bad timestamp {item['timestamp']!r}")
        if revisions and timestamp <= revisions[-1].timestamp:
            raise ValueError(f"{title}: revisions are not oldest first")
        parentid = revisions[-1].revid if revisions else 0
        text = " ".join(item["text"].split()) if "text" in item else None
        revisions.append(
            Revision(
                revid=item["revid"],
                parentid=parentid,
                timestamp=timestamp,
                wikitext=item["wikitext"],
                text=text,
                minor=item.get("minor", False),
                hidden=item.get("hidden", False),
            )
        )
    if not revisions or revisions[-1].hidden:
        # The wiki cannot hide the current revision's text: an admin reverts first.
        raise ValueError(f"{title}: needs revisions, the latest one visible")
    return Page(title, spec["pageid"], tuple(revisions))


def synthetic_number(title: str) -> int | None:
    match = SYNTHETIC.fullmatch(title)
    return int(match.group(1)) if match else None


def synthetic_page_of(revid: int) -> Page | None:
    """The made-up article one of whose revisions is ``revid``, or None."""
    offset = revid - SYNTHETIC_REVIDS
    if not 0 <= offset < SYNTHETIC_REVISIONS * 10**8:
        return None
    return synthetic_page(f"Synthetic Company {offset // SYNTHETIC_REVISIONS}")


def synthetic_page(title: str) -> Page | None:
    """The made-up article ``Synthetic Company <n>``, or None for any other title.

    Created 2020-01-01T00:00:00Z; edited on 2026-10-05, -15 and -25 at hour n % 24 (so at
    midnight when n % 24 is 0); the tone of the first sentence turns each time, and the
    latest one is SYNTHETIC_TRAITS[n % 3]. Revids are SYNTHETIC_REVIDS + 4n + k.
    """
    number = synthetic_number(title)
    if number is None:
        return None
    founded = f"It was founded in {1900 + number % 120}"
    staff = f"and employs {10 + number % 990}\N{NO-BREAK SPACE}people"
    later = (f"{founded} {staff}.",)
    rests = (
        (f"{founded}.",),
        later,
        later,
        (*later, "Its headquarters are in a city that does not exist."),
    )
    edits = (datetime(2026, 10, day, number % 24, tzinfo=UTC) for day in SYNTHETIC_EDIT_DAYS)
    moments = (SYNTHETIC_CREATED, *edits)
    page = Page(title, SYNTHETIC_PAGEIDS + number, ())
    for k, (moment, rest) in enumerate(zip(moments, rests, strict=True)):
        trait = SYNTHETIC_TRAITS[(number - k) % len(SYNTHETIC_TRAITS)]
        wikitext, text = _synthetic_lead(title, number, trait, rest)
        page = page.edited(
            SYNTHETIC_REVIDS + SYNTHETIC_REVISIONS * number + k, moment, wikitext, text
        )
    return page


def _synthetic_lead(title: str, number: int, trait: str, rest: tuple[str, ...]) -> tuple[str, str]:
    """A made-up article's wikitext and the plain text of its lead."""
    linked = trait.replace("widgets", "[[widget]]s")
    ref = f"<ref>{{{{cite web |title=Company register |url=https://example.org/{number}}}}}</ref>"
    lead = " ".join((f"'''{title}''' is {linked}.{ref}", *rest)).replace(
        "\N{NO-BREAK SPACE}", "&nbsp;"
    )
    wikitext = (
        "{{Short description|Fictional maker of widgets}}\n"
        "{{Infobox company\n"
        f"| name = {title}\n"
        f"| founded = {{{{Start date|{1900 + number % 120}}}}}\n"
        "}}\n"
        f"{lead}\n\n"
        "== History ==\n"
        "The company is made up for load tests.\n"
    )
    text = " ".join(" ".join((f"{title} is {trait}.", *rest)).split())
    return wikitext, text
