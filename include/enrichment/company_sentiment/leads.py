"""The plain text of a Wikipedia lead, read from the wikitext of one revision's section 0.

A daily run reads the latest revision and a backfill a past one; both pass the wikitext
that ``prop=revisions&rvslots=main&rvsection=0`` returns through :func:`read_lead`, so
the same revision gives byte-identical text whichever run asks. Wikitext is parsed with
mwparserfromhell rather than rendered to HTML: ``action=parse&oldid=`` renders one
revision per request, while ``prop=revisions`` returns the wikitext of 50 revisions per
query and a revision's wikitext never changes, so it can be cached by revision id.

Templates are not expanded (that needs the wiki): the few inline templates whose words
belong to the sentence (``{{lang}}``, ``{{convert}}``, ``{{circa}}``, ...) are rendered
here as the words they show, and every other template (short description, infobox,
hatnotes, maintenance tags, citations, pronunciations) is dropped. What a rendered
template would add around its words (a "French:" label, a converted unit, a date's
hidden ISO form) is left out on purpose: a table of labels that grew over time would
change the text of revisions read before, and the words are what the sentiment is about.

:func:`first_sentences` cuts the text to the ``sentences`` Param, which TextExtracts'
``exsentences`` did before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mwparserfromhell.nodes import ExternalLink, HTMLEntity, Tag, Template, Text, Wikilink
    from mwparserfromhell.wikicode import Wikicode

Kind = Literal["article", "redirect", "disambiguation", "empty"]


@dataclass(frozen=True)
class Lead:
    """What section 0 of one revision is: an article's lead and its plain text, a redirect
    and its target title, a disambiguation page, or an article whose lead has no text."""

    kind: Kind
    # The lead's plain text on one line, whitespace runs collapsed; "" unless an article.
    text: str
    # The title a redirect points to ("#REDIRECT [[Target#Section|x]]" -> "Target").
    redirect_to: str = ""


def read_lead(wikitext: str) -> Lead:
    """The :class:`Lead` of the wikitext of a revision's section 0.

    Never raises: malformed wikitext (unclosed templates or links) is read the way
    MediaWiki shows it, as the literal characters.
    """
    import mwparserfromhell

    target = _redirect_target(wikitext)
    if target is not None:
        return Lead("redirect", "", target)
    code = mwparserfromhell.parse(wikitext)
    if _tagged_disambiguation(code):
        return Lead("disambiguation", "")
    paragraphs = _paragraphs(code)
    if any(_DISAMBIGUATION_INTRO.search(paragraph) for paragraph in paragraphs):
        return Lead("disambiguation", "")
    text = _tidy(" ".join(paragraphs))
    return Lead("article", text) if text else Lead("empty", "")


# --- Redirects ---------------------------------------------------------------------------

# MediaWiki reads a page as a redirect when its text starts with the magic word (any case,
# an optional colon) followed by a link; "#REDIRECT" without a link is a numbered list item.
_REDIRECT = re.compile(r"\A\ufeff?\s*#\s*redirect\s*:?\s*\[\[([^\]|]*)", re.IGNORECASE)


def _redirect_target(wikitext: str) -> str | None:
    """The title a redirect page points to (section anchor dropped, underscores as spaces,
    first letter upper case as MediaWiki stores titles), or None if it is no redirect."""
    match = _REDIRECT.match(wikitext)
    if match is None:
        return None
    title = match.group(1).split("#", 1)[0].replace("_", " ")
    title = " ".join(title.split()).lstrip(":").strip()
    return title[:1].upper() + title[1:]


# --- Disambiguation pages ----------------------------------------------------------------

# Templates that make a page a disambiguation page on the English Wikipedia: they emit the
# __DISAMBIG__ magic word, which is what the API's `disambiguation` page prop (used before
# this module) reports. {{Disambiguation}} with its redirects {{disambig}}, {{dab}} and
# {{disamb}}, its cleanup variants, and the variants by subject: {{hndis}} (people's
# names), {{geodis}} (places) and the short names of the "... disambiguation" family,
# whose full names ({{school disambiguation}}, {{airport disambiguation}}, ...) are
# matched by their suffix. Set index articles ({{set index article}}, {{shipindex}},
# {{surname}}, {{given name}}) are left out: the English Wikipedia's guideline says they
# are list articles, not disambiguation pages, and they carry no disambiguation page prop.
DISAMBIGUATION_TEMPLATES = frozenset(
    "disambiguation disambig dab disamb hndis geodis "
    "disambiguation cleanup disambig-cleanup hndis-cleanup "
    "numberdis schooldis hospitaldis roaddis mathdab letter-numbercombdisambig".split()
)
# These templates sit at the bottom of a disambiguation page, so section 0 holds them
# only when the page has no headings. A sectioned page is recognised by the introductory
# line its style guide asks for ("Foo may refer to:", "Foo most commonly refers to:"),
# a paragraph that ends with a colon before the list.
_DISAMBIGUATION_INTRO = re.compile(
    r"\b(?:may|might|can|could|commonly|usually|often|also|mainly|primarily)\s+"
    r"(?:also\s+)?(?:refer|refers|stand|stands)\s+(?:to|for)\s*:$",
    re.IGNORECASE,
)


def _tagged_disambiguation(code: Wikicode) -> bool:
    for node in code.nodes:
        kind = type(node).__name__
        if kind == "Template" and _is_disambiguation_template(_template_name(node)):
            return True
        if kind == "Text" and "__DISAMBIG__" in node.value:
            return True
    return False


def _is_disambiguation_template(name: str) -> bool:
    return name in DISAMBIGUATION_TEMPLATES or name.endswith(" disambiguation")


# --- Wikitext to text --------------------------------------------------------------------


def _paragraphs(code: Wikicode) -> list[str]:
    """The lines of the lead that hold text once markup is gone, whitespace collapsed."""
    lines = (" ".join(line.split()) for line in _render(code).splitlines())
    return [line for line in lines if line]


def _render(code: Wikicode | None) -> str:
    if code is None:
        return ""
    return "".join(_RENDERERS.get(type(node).__name__, _nothing)(node) for node in code.nodes)


def _nothing(node: Any) -> str:
    """Comments, headings and template arguments show nothing in a lead."""
    return ""


# Behaviour switches such as __NOTOC__ and __DISAMBIG__ render as nothing.
_BEHAVIOUR_SWITCH = re.compile(r"__[A-Z]+__")


def _text(node: Text) -> str:
    return _BEHAVIOUR_SWITCH.sub("", node.value)


def _entity(node: HTMLEntity) -> str:
    character = node.normalize()
    # A numeric entity can name a lone surrogate, which no UTF-8 file or API can carry.
    return " " if character.isspace() else character.encode("utf-8", "replace").decode()


# Links that show nothing where they stand: files and images (their captions included),
# categories, and interlanguage links ("[[de:Foo]]"). A leading colon makes any of them an
# ordinary visible link.
_HIDDEN_LINK = re.compile(r"\s*(?:(?i:file|image|category)|[a-z]{2,3}(?:-[a-z]+)*)\s*:")


def _wikilink(node: Wikilink) -> str:
    title = _render(node.title)
    if _HIDDEN_LINK.match(title):
        return ""
    if node.text is not None and str(node.text).strip():
        return _render(node.text)
    return title.strip().lstrip(":")


def _external_link(node: ExternalLink) -> str:
    if node.title is not None and str(node.title).strip():
        return _render(node.title)
    # "[http://x]" shows a footnote-like number; a bare URL in the prose shows itself.
    return "" if node.brackets else str(node.url)


# Tags whose content is not prose: footnotes, galleries, formulas and scores, maps, code,
# tables (wiki "{| |}" and HTML), and what is shown only when the page is transcluded.
_DROPPED_TAGS = frozenset(
    "ref references gallery math chem ce score timeline graph mapframe maplink imagemap "
    "syntaxhighlight source templatestyles indicator categorytree includeonly table".split()
)


def _tag(node: Tag) -> str:
    name = str(node.tag).strip().lower()
    if name in _DROPPED_TAGS:
        return ""
    if name in ("br", "hr"):
        return "\n"
    # List markers ("*", "#", ":", ";") have no contents; bold and italic quotes, <span>,
    # <sup> and the rest keep theirs.
    return _render(node.contents) if node.contents is not None else ""


def _template(node: Template) -> str:
    name = _template_name(node)
    render = _TEMPLATES.get(name)
    if render is None and name.startswith("lang-"):
        render = _first
    return render(_arguments(node)) if render is not None else ""


def _template_name(node: Template) -> str:
    """The name a template is known by, lower case with spaces collapsed:
    "{{ Template:infobox_Company <!-- x -->" is "infobox company"."""
    name = "".join(str(part) for part in node.name.nodes if type(part).__name__ == "Text")
    name = " ".join(name.replace("_", " ").split()).lower()
    return name.removeprefix("template:").strip()


def _arguments(node: Template) -> dict[str, str]:
    """Argument name ("1", "2", ... for positional ones) -> its text; the last one given
    under a name wins, as in MediaWiki."""
    return {str(param.name).strip(): _render(param.value).strip() for param in node.params}


# Keyed by the names of the parser's node classes, so that importing this module does not
# import the parser (DAG files import the package while the scheduler parses them).
_RENDERERS: dict[str, Callable[[Any], str]] = {
    "Text": _text,
    "HTMLEntity": _entity,
    "Wikilink": _wikilink,
    "ExternalLink": _external_link,
    "Tag": _tag,
    "Template": _template,
}

# --- Templates whose text belongs to the sentence ----------------------------------------

Arguments = dict[str, str]
EN_DASH, EM_DASH, TIMES = "\N{EN DASH}", "\N{EM DASH}", "\N{MULTIPLICATION SIGN}"
MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _positional(arguments: Arguments) -> list[str]:
    values = []
    while str(len(values) + 1) in arguments:
        values.append(arguments[str(len(values) + 1)])
    return values


def _first(arguments: Arguments) -> str:
    return arguments.get("1", "")


def _second(arguments: Arguments) -> str:
    return arguments.get("2", "")


def _last(arguments: Arguments) -> str:
    values = _positional(arguments)
    return values[-1] if values else ""


def _joined(arguments: Arguments) -> str:
    """{{sic|Conc|encus}} splits a misspelt word so bots leave it alone: "Concencus"."""
    return "".join(_positional(arguments))


def _interlanguage(arguments: Arguments) -> str:
    return arguments.get("lt") or _first(arguments)


def _date(year: str, month: str, day: str, *, day_first: bool) -> str:
    """A date as "4 February 2004" or "February 4, 2004", missing parts left out; a month
    that is not a number 1-12 is shown as written ("May")."""
    if month.isdigit() and 1 <= int(month) <= 12:
        month = MONTHS[int(month) - 1]
    day = str(int(day)) if day.isdigit() else day
    if not (month and day):
        return " ".join(part for part in (month, year) if part)
    return f"{day} {month} {year}" if day_first else f"{month} {day}, {year}"


def _start_date(arguments: Arguments) -> str:
    """{{start date|2004|2|4}}: "February 4, 2004", or "4 February 2004" with df=y. The
    "... and age" variants' age is left out: it depends on the day the text is read."""
    year, month, day = (arguments.get(key, "") for key in ("1", "2", "3"))
    day_first = arguments.get("df", "").lower() in ("y", "yes")
    return _date(year, month, day, day_first=day_first)


def _as_of(arguments: Arguments) -> str:
    """{{As of|2024|5|3}}: "As of 3 May 2024" ("May 3, 2024" with df=US), lower case
    with lc=y, or the alt text instead."""
    if arguments.get("alt"):
        return arguments["alt"]
    year, month, day = (arguments.get(key, "") for key in ("1", "2", "3"))
    day_first = arguments.get("df", "").lower() != "us"
    words = "as of" if arguments.get("lc") else "As of"
    return f"{words} {_date(year, month, day, day_first=day_first)}"


# {{convert|5|to|10|km}}: the words between the two values of a range.
_RANGES = {
    "-": EN_DASH,
    EN_DASH: EN_DASH,
    "to": " to ",
    "to(-)": " to ",
    "and": " and ",
    "and(-)": " and ",
    "or": " or ",
    "by": " by ",
    "x": f" {TIMES} ",
    TIMES: f" {TIMES} ",
    "+/-": " ± ",
    "±": " ± ",
}


def _convert(arguments: Arguments) -> str:
    """{{convert|5|km|mi}}: the value and unit as written, "5 km" (the converted value in
    brackets is left out); a range, {{convert|5|to|10|km}}: "5 to 10 km"."""
    values = _positional(arguments)
    if len(values) >= 4 and values[1] in _RANGES:
        return f"{values[0]}{_RANGES[values[1]]}{values[2]} {values[3]}"
    return " ".join(values[:2])


def _nihongo(arguments: Arguments) -> str:
    """{{nihongo|Sony Group Corporation|ソニーグループ株式会社|Sonī Gurūpu}}: the English
    name, then the Japanese and its romanisation in brackets (without the "Hepburn:"
    label, as language labels are left out)."""
    english, japanese, romaji = (arguments.get(key, "") for key in ("1", "2", "3"))
    head = english or japanese
    inside = [part for part in (japanese if english else "", romaji) if part]
    return f"{head} ({', '.join(inside)})" if inside else head


def _prefixed(prefix: str) -> Callable[[Arguments], str]:
    return lambda arguments: f"{prefix}{_first(arguments)}"


def _constant(text: str) -> Callable[[Arguments], str]:
    return lambda arguments: text


_TEMPLATES: dict[str, Callable[[Arguments], str]] = {
    # The words in another language; the language's name, which {{langx}} and {{lang-fr}}
    # show as a "French:" label, is left out.
    "lang": _second,
    "langx": _second,
    "transl": _last,
    "transliteration": _last,
    "nihongo": _nihongo,
    # Formatting around words.
    **dict.fromkeys(
        "nowrap nobr small smaller big larger em strong nobold noitalic sc small caps".split(),
        _first,
    ),
    "abbr": _first,
    "sic": _joined,
    "ill": _interlanguage,
    "interlanguage link": _interlanguage,
    # Amounts, dates and units.
    "us$": _prefixed("US$"),
    "usd": _prefixed("US$"),
    "circa": _prefixed("c. "),
    "c.": _prefixed("c. "),
    "as of": _as_of,
    **dict.fromkeys(
        [
            "start date",
            "start date and age",
            "end date",
            "birth date",
            "birth date and age",
            "death date",
            "death date and age",
        ],
        _start_date,
    ),
    "convert": _convert,
    "cvt": _convert,
    # Punctuation.
    "'": _constant("'"),
    "'s": _constant("'s"),
    "ndash": _constant(EN_DASH),
    "mdash": _constant(EM_DASH),
    **dict.fromkeys(
        ["snd", "spnd", "sndash", "spaced ndash", "spaced en dash"], _constant(f" {EN_DASH} ")
    ),
    "nbsp": _constant(" "),
}

# --- Tidying what removed markup leaves behind -------------------------------------------

# Each pair is applied in turn until nothing changes, as Wikipedia's own plain extracts
# read: "company ." -> "company."; "Foo ( ; born 1990)" -> "Foo (born 1990)"; "Foo ()" ->
# "Foo"; "a, , b" -> "a, b".
# Punctuation counts as such only before a space or the end, so ".NET" keeps its space.
_TIDY_STEPS = (
    (re.compile(r"\(\s*[,;:]*\s*\)"), ""),
    (re.compile(r"\(\s*[,;]\s*"), "("),
    (re.compile(r"\s*[,;]\s*\)"), ")"),
    (re.compile(r"[,;]\s*(?=[.,;](?:\s|$))"), ""),
    (re.compile(r"\s+(?=[.,;:!?]+(?:\s|$))"), ""),
    (re.compile(r"\s+(?=[)\]])"), ""),
    (re.compile(r"(?<=[(\[])\s+"), ""),
)
_MAX_TIDY_ROUNDS = 5


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    for _ in range(_MAX_TIDY_ROUNDS):
        tidied = text
        for pattern, replacement in _TIDY_STEPS:
            tidied = pattern.sub(replacement, tidied)
        tidied = " ".join(tidied.split())
        if tidied == text:
            break
        text = tidied
    return text


# --- Sentences ---------------------------------------------------------------------------

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
