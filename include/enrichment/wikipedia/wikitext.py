"""What the wikitext of one revision's section 0 is, and the plain text of its lead.

A daily run reads the latest revision and a backfill a past one; both pass the wikitext
that ``prop=revisions&rvslots=main&rvsection=0`` returns through :func:`read_lead`, so
the same revision gives byte-identical text whichever run asks. Wikitext is parsed with
mwparserfromhell rather than rendered to HTML (docs/company_sentiment.md says why).

Templates are not expanded (that needs the wiki): the few inline templates whose words
belong to the sentence are rendered as the words they show (:mod:`.templates`), and
every other template (short description, infobox, hatnotes, maintenance tags, citations,
pronunciations) is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from enrichment.wikipedia.templates import inline_text

if TYPE_CHECKING:
    from mwparserfromhell.nodes import ExternalLink, HTMLEntity, Tag, Template, Text, Wikilink
    from mwparserfromhell.wikicode import Wikicode

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
# __DISAMBIG__ magic word, which is what the API's `disambiguation` page prop reports.
# {{Disambiguation}} with its redirects {{disambig}}, {{dab}} and {{disamb}}, its cleanup
# variants, and the variants by subject: {{hndis}} (people's
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
    return inline_text(_template_name(node), _arguments(node))


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
