"""The first sentences of a plain text: how much of a lead the ``sentences`` Param keeps.

A sentence ends at ".", "!" or "?" before a word that starts with a capital letter or a
digit, unless the stop closes an abbreviation ("Inc.", "U.S.") or an initial ("J. R. R.
Tolkien").
"""

from __future__ import annotations

import re

# Words after which a full stop does not end a sentence (compared in lower case, without
# the stop). Initials ("J. R. R. Tolkien") and dotted abbreviations ("U.S.", "e.g.") are
# recognised by their shape instead.
ABBREVIATIONS = frozenset(
    "inc ltd co corp plc bros jr sr st mt ft mr mrs ms dr prof gen col lt sgt capt gov sen "
    "rep rev hon no nos vol fig est approx ca c vs etc dept univ assn ave blvd "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# A sentence may end at ".", "!" or "?" (closing quotes or brackets after it stay with it)
# followed by whitespace; it does when the next word starts with a capital letter or a
# digit, perhaps behind an opening quote or bracket.
_OPENERS = (
    "\"'(["
    "\N{LEFT DOUBLE QUOTATION MARK}"
    "\N{LEFT SINGLE QUOTATION MARK}"
    "\N{LEFT-POINTING DOUBLE ANGLE QUOTATION MARK}"
)
_CLOSERS = (
    "\"')]"
    "\N{RIGHT DOUBLE QUOTATION MARK}"
    "\N{RIGHT SINGLE QUOTATION MARK}"
    "\N{RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK}"
)
_SENTENCE_END = re.compile(f"[.!?][{re.escape(_CLOSERS)}]*(?=\\s+[{re.escape(_OPENERS)}]*(\\w))")
# "U.S", "e.g", "a.k.a": letters each followed by a stop (the last one's is the match's).
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


def first_sentences(text: str, count: int) -> str:
    """The first ``count`` sentences of ``text`` joined by one space; all of them when
    ``count`` is not positive or the text has fewer."""
    found = _sentences(text)
    return " ".join(found if count <= 0 else found[:count])


def _sentences(text: str) -> list[str]:
    """The sentences of a plain text, in order."""
    found, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _ends_sentence(text, match):
            found.append(text[start : match.end()].strip())
            start = match.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    following = match.group(1)
    if not (following.isupper() or following.isdigit()):
        return False
    if text[match.start()] != ".":
        return True
    # The word the stop closes, without opening quotes or brackets: "Inc", "(Corp", "J".
    before = text[: match.start()].rsplit(maxsplit=1)
    word = before[-1].lstrip(_OPENERS) if before else ""
    initial = len(word) == 1 and word.isupper()
    return not (initial or word.lower() in ABBREVIATIONS or _DOTTED.fullmatch(word))
