"""Search in the Wikipedia stand-in: list=search and generator=search over the articles,
ranked and shown as CirrusSearch does closely enough for the pipeline (``wikipedia_api``'s
docstring has the rules): words folded for case and accents, a title that is the query
first, then titles with every word, then matches in the text, each with a highlighted
snippet of the lead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import escape
from typing import Any

from dev.standins.wikipedia_pages import SENTENCE_END, Page, iso_timestamp, title_key
from dev.standins.wikipedia_params import MAX_SEARCH_RESULTS, ApiError, read_limit

# A search result's snippet: about this many characters of the lead around the first match.
SNIPPET_CHARS = 150
WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """A word as search compares it: case and accents folded ("Nestlé" finds "nestle")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class SearchAsked:
    """The parameters of list=search (``sr*``) or generator=search (``gsr*``)."""

    module = "search"
    words: tuple[str, ...]  # folded
    articles: bool  # srnamespace lets namespace 0 through
    limit: int
    offset: int
    max_limit: int | None
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, params: dict[str, str], prefix: str) -> SearchAsked:
        query = params.get(f"{prefix}search", "")
        if not query.strip():
            raise ApiError("missingparam", f'The "{prefix}search" parameter must be set.')
        warnings: list[str] = []
        limit, max_limit = read_limit(
            params.get(f"{prefix}limit"), MAX_SEARCH_RESULTS, warnings, f"{prefix}limit"
        )
        raw_offset = params.get(f"{prefix}offset", "0")
        try:
            offset = max(0, int(raw_offset))
        except ValueError:
            info = f'Invalid value "{raw_offset}" for integer parameter "{prefix}offset".'
            raise ApiError("badinteger", info) from None
        namespaces = params.get(f"{prefix}namespace", "0").split("|")
        words = tuple(dict.fromkeys(fold(word) for word in WORD.findall(query)))
        articles = "0" in namespaces or "*" in namespaces
        return cls(words, articles, limit, offset, max_limit, tuple(warnings))

    def rank(self, page: Page) -> tuple[int, int, bytes] | None:
        """Where ``page`` comes among the hits (lower first), or None if it is not one:
        every word must be in its title or its lead. First a title that is the query,
        then titles with all the words, then pages matching in their text only; within
        each, more occurrences of the words first, then by title."""
        title_words = [fold(word) for word in WORD.findall(page.title)]
        text_words = [fold(word) for word in WORD.findall(page.latest.text or "")]
        if not self.words or not set(self.words) <= {*title_words, *text_words}:
            return None
        if title_words == list(self.words):
            tier = 0
        elif set(self.words) <= set(title_words):
            tier = 1
        else:
            tier = 2
        occurrences = sum(word in self.words for word in (*title_words, *text_words))
        return tier, -occurrences, title_key(page.title)

    def result(self, page: Page) -> dict[str, Any]:
        """A hit as CirrusSearch lists it, whatever ``srprop`` asked for."""
        text = page.latest.text or ""
        return {
            "ns": 0,
            "title": page.title,
            "pageid": page.pageid,
            "size": page.latest.size,
            "wordcount": len(text.split()),  # of the lead: the stand-in's only plain text
            "snippet": self.snippet(text),
            "timestamp": iso_timestamp(page.latest.timestamp),
        }

    def snippet(self, text: str) -> str:
        """About SNIPPET_CHARS of the lead from the sentence of the first match (its
        start when only the title matched), HTML-escaped, the words highlighted."""
        matches = [m for m in WORD.finditer(text) if fold(m.group()) in self.words]
        start = 0
        if matches:
            first = matches[0].start()
            start = max(
                (b.end() for b in SENTENCE_END.finditer(text) if b.end() <= first), default=0
            )
            if first - start > SNIPPET_CHARS // 2:  # a long sentence: from a word before
                start = text.find(" ", first - SNIPPET_CHARS // 3) + 1
        end = len(text)
        if end - start > SNIPPET_CHARS:
            end = max(text.rfind(" ", start, start + SNIPPET_CHARS), start + 1)
        pieces, at = [], start
        for match in matches:
            if start <= match.start() and match.end() <= end:
                pieces.append(escape(text[at : match.start()], quote=False))
                pieces.append(f'<span class="searchmatch">{escape(match.group())}</span>')
                at = match.end()
        pieces.append(escape(text[at:end], quote=False))
        return "".join(pieces)
