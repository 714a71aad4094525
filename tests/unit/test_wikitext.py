"""The text of a lead: the wikitext of a revision's section 0 read as an article (its
plain text), a redirect, a disambiguation page or an empty lead, and cut into sentences.

The corpus in tests/unit/wikitext/ is written by hand in the shapes real leads have, one
YAML file per case: the story, the wikitext, and the kind and text expected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from enrichment.wikipedia.sentences import first_sentences
from enrichment.wikipedia.wikitext import Lead, read_lead

CORPUS = sorted((Path(__file__).parent / "wikitext").glob("*.yaml"))


def expected_lead(case: dict) -> Lead:
    return Lead(case["kind"], case.get("text", ""), case.get("redirect_to", ""))


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_lead_of_the_corpus(path: Path):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert case["story"]
    assert read_lead(case["wikitext"]) == expected_lead(case)


def test_the_corpus_holds_every_kind_of_lead():
    kinds = {yaml.safe_load(path.read_text(encoding="utf-8"))["kind"] for path in CORPUS}
    assert kinds == {"article", "redirect", "disambiguation", "empty"}


@pytest.mark.parametrize(
    ("wikitext", "text"),
    [
        pytest.param(
            "Acme ( ; born 1990) sells.", "Acme (born 1990) sells.", id="leading-semicolon"
        ),
        pytest.param(
            "Acme (born 1990; ) sells.", "Acme (born 1990) sells.", id="trailing-semicolon"
        ),
        pytest.param("Acme ( , ; ) sells .", "Acme sells.", id="empty-brackets"),
        pytest.param("Acme sells , , tools", "Acme sells, tools", id="doubled-comma"),
        pytest.param("Acme sells tools , .", "Acme sells tools.", id="comma-before-stop"),
        pytest.param("Acme ( Ltd ) sells.", "Acme (Ltd) sells.", id="spaces-inside-brackets"),
        pytest.param("Acme, .NET and C tools .", "Acme, .NET and C tools.", id="dotnet"),
        pytest.param("Acme&#160;Corp", "Acme Corp", id="numeric-no-break-space"),
        pytest.param(
            "Acme &ndash; tools &#91;1&#93;", "Acme \N{EN DASH} tools [1]", id="named-and-numeric"
        ),
        pytest.param("Acme&#xD800;", "Acme?", id="lone-surrogate-never-reaches-a-file"),
        pytest.param("Acme __NOTOC__ sells.", "Acme sells.", id="behaviour-switch"),
    ],
)
def test_what_removed_markup_leaves_is_tidied(wikitext, text):
    assert read_lead(wikitext) == Lead("article", text)


@pytest.mark.parametrize(
    ("wikitext", "text"),
    [
        pytest.param("{{lang|fr|Société}}", "Société", id="lang"),
        pytest.param("{{lang-fr|Société}}", "Société", id="lang-xx-without-its-label"),
        pytest.param("{{langx|fr|Société}}", "Société", id="langx-without-its-label"),
        pytest.param("{{transl|ru|Gazprom}}", "Gazprom", id="transl"),
        pytest.param("{{convert|5|km|mi|abbr=on}}", "5 km", id="convert"),
        pytest.param("{{convert|5|-|10|km}}", "5\N{EN DASH}10 km", id="convert-range-dash"),
        pytest.param("{{convert|2|x|3|m}}", "2 \N{MULTIPLICATION SIGN} 3 m", id="convert-range-by"),
        pytest.param("{{convert|5}}", "5", id="convert-without-unit"),
        pytest.param("{{US$|5 billion|2020}}", "US$5 billion", id="us-dollars"),
        pytest.param("{{circa|1900}}", "c. 1900", id="circa"),
        pytest.param("{{As of|2024}}", "As of 2024", id="as-of-year"),
        pytest.param("{{As of|2024|5|3}}", "As of 3 May 2024", id="as-of-day"),
        pytest.param("{{As of|2024|5|3|df=US}}", "As of May 3, 2024", id="as-of-us"),
        pytest.param("{{as of|2024|lc=y}}", "as of 2024", id="as-of-lower-case"),
        pytest.param("{{As of|2024|alt=Lately}}", "Lately", id="as-of-alt"),
        pytest.param("{{start date|2004}}", "2004", id="start-date-year"),
        pytest.param("{{start date|2004|2}}", "February 2004", id="start-date-month"),
        pytest.param("{{As of|2024|May}}", "As of May 2024", id="as-of-month-name"),
        pytest.param("{{start date and age|2004|2|4|df=yes}}", "4 February 2004", id="no-age"),
        pytest.param("{{abbr|AA|American Airlines}}", "AA", id="abbr"),
        pytest.param("{{ill|Foo|de|Foo AG}}", "Foo", id="ill"),
        pytest.param("{{ill|Foo AG|de|lt=Foo}}", "Foo", id="ill-label"),
        pytest.param("{{sic|Conc|encus}}", "Concencus", id="sic-split-word"),
        pytest.param("Ross{{'}}s", "Ross's", id="apostrophe"),
        pytest.param("a{{ndash}}b{{mdash}}c", "a\N{EN DASH}b—c", id="dashes"),
        pytest.param("{{small|Ltd}} {{Nobr|Foo Bar}}", "Ltd Foo Bar", id="formatting"),
        pytest.param("{{ Template:Nowrap |x}}", "x", id="namespace-and-spaces-in-name"),
        pytest.param("{{nowrap|1=a=b}}", "a=b", id="named-positional-argument"),
        pytest.param("{{nihongo||ソニー|Sonī}}", "ソニー (Sonī)", id="nihongo-without-english"),
    ],
)
def test_templates_whose_words_belong_to_the_sentence(wikitext, text):
    assert read_lead(f"Acme is {wikitext} now").text == f"Acme is {text} now"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{IPA|/\N{MODIFIER LETTER VERTICAL LINE}æk.mi/}}", id="ipa"),
        pytest.param("{{IPAc-en|\N{MODIFIER LETTER VERTICAL LINE}|æ|k|m|i}}", id="ipac-en"),
        pytest.param("{{pronunciation|Acme.ogg}}", id="pronunciation"),
        pytest.param("{{efn|Also spelt Akme.}}", id="efn"),
        pytest.param("{{refn|group=n|Founded 1900.}}", id="refn"),
        pytest.param("{{sfn|Doe|2019|p=4}}", id="sfn"),
        pytest.param("{{cn}}", id="citation-needed"),
        pytest.param("{{Distinguish|Acne}}", id="hatnote"),
        pytest.param("{{#if:x|shown|not}}", id="parser-function"),
        pytest.param("{{{1|default}}}", id="template-argument"),
        pytest.param("{{Lang-fr}}{{convert}}", id="text-bearing-without-arguments"),
    ],
)
def test_other_templates_show_nothing(template):
    assert read_lead(f"Acme {template} sells tools.").text == "Acme sells tools."


@pytest.mark.parametrize(
    "wikitext",
    [
        pytest.param("#REDIRECT", id="magic-word-without-a-link"),
        pytest.param("Text\n#REDIRECT [[Elsewhere]]", id="magic-word-not-first"),
        pytest.param("* #redirect [[Elsewhere]]", id="in-a-list"),
    ],
)
def test_only_a_page_starting_with_the_magic_word_and_a_link_is_a_redirect(wikitext):
    assert read_lead(wikitext).kind == "article"


@pytest.mark.parametrize(
    "wikitext",
    [
        pytest.param("Acme was sued.\n{{Disambiguation needed|date=May 2020}}", id="dn-tag"),
        pytest.param("{{Other uses|Acme (disambiguation)}}\nAcme sells tools.", id="hatnote"),
        pytest.param("Acme sells tools.\n{{shipindex}}", id="ship-set-index"),
        pytest.param("Acme sells tools.<!-- {{disambiguation}} __DISAMBIG__ -->", id="comment"),
        pytest.param("Acme's name may refer to its founder.", id="may-refer-in-prose"),
    ],
)
def test_articles_that_only_mention_disambiguation_stay_articles(wikitext):
    assert read_lead(wikitext).kind == "article"


def test_the_same_wikitext_gives_the_same_lead_in_every_process():
    """A daily run and a backfill read the same revision in different processes: nothing
    in the reading may hang on the order of a set or dict, which differs between them."""
    script = (
        "import sys, yaml\n"
        "from enrichment.wikipedia.wikitext import read_lead\n"
        "for path in sys.argv[1:]:\n"
        "    print(repr(read_lead(yaml.safe_load(open(path, encoding='utf-8'))['wikitext'])))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, *map(str, CORPUS)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs.pop().count("Lead(") == len(CORPUS)


NASTY = [
    pytest.param("", id="empty"),
    pytest.param("{{Infobox company\n| name = Acme\n| founded = {{start date|", id="unclosed"),
    pytest.param("}}]]|}-->'''''''", id="closers-only"),
    pytest.param("[[File:x.jpg|thumb|[[a|[[b]]", id="unclosed-file-caption"),
    pytest.param("{{" * 500 + "x" + "}}" * 500, id="deeply-nested-templates"),
    pytest.param("[[" * 300 + "x" + "]]" * 300, id="deeply-nested-links"),
    pytest.param("<ref>never closed " * 50, id="unclosed-refs"),
    pytest.param("{|\n|" * 200, id="unclosed-tables"),
    pytest.param("&#99999999; &#0; &bogus; &#x110000;", id="bad-entities"),
    pytest.param("\x00\ud800\uffff\u202e", id="odd-characters"),
    pytest.param("{{convert|||||}} {{As of|||}} {{start date|x|y|z}}", id="empty-arguments"),
    pytest.param("#REDIRECT [[]]", id="redirect-to-nothing"),
    pytest.param("'''" * 1000, id="quotes"),
]


@pytest.mark.parametrize("wikitext", NASTY)
def test_garbage_never_raises_and_gives_one_line(wikitext):
    lead = read_lead(wikitext)
    assert lead.kind in ("article", "redirect", "disambiguation", "empty")
    assert "\n" not in lead.text
    assert lead.text == " ".join(lead.text.split())
    assert (lead.kind == "article") == bool(lead.text)


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        pytest.param("Acme sells. It grows.", 1, "Acme sells.", id="first"),
        pytest.param("Acme sells! Does it grow? Yes.", 2, "Acme sells! Does it grow?", id="marks"),
        pytest.param(
            "Acme Inc. (AI) is based in St. Louis. It grows.",
            1,
            "Acme Inc. (AI) is based in St. Louis.",
            id="abbreviations",
        ),
        pytest.param(
            "It was founded by J. R. R. Smith and A. P. Møller. It grows.",
            1,
            "It was founded by J. R. R. Smith and A. P. Møller.",
            id="initials",
        ),
        pytest.param(
            "Its U.S. arm, e.g. Acme Co. West, sells tools. It grows.",
            1,
            "Its U.S. arm, e.g. Acme Co. West, sells tools.",
            id="dotted-abbreviations",
        ),
        pytest.param(
            "Revenue rose 3.5 percent in 2023. It grows.",
            1,
            "Revenue rose 3.5 percent in 2023.",
            id="decimal",
        ),
        pytest.param(
            "Founded c. 1900 by Dr. Ames. It grows.",
            1,
            "Founded c. 1900 by Dr. Ames.",
            id="circa-before-a-digit",
        ),
        pytest.param(
            'Its motto is "Build well." "It grows," says its chief.',
            1,
            'Its motto is "Build well."',
            id="quote-closes-and-opens",
        ),
        pytest.param(
            "Acme (founded 1900.) It grows.",
            1,
            "Acme (founded 1900.)",
            id="bracket-closes",
        ),
        pytest.param(
            "It sold 5 million units. 2023 was its best year.",
            1,
            "It sold 5 million units.",
            id="next-starts-with-a-digit",
        ),
        pytest.param(
            "It sells tools. ebay sells them too.",
            1,
            "It sells tools. ebay sells them too.",
            id="lower-case-next-word",
        ),
        pytest.param("One. Two. Three.", 2, "One. Two.", id="two"),
        pytest.param("One. Two.", 5, "One. Two.", id="more-than-there-are"),
        pytest.param("One. Two.", 0, "One. Two.", id="zero-means-all"),
        pytest.param("One. Two.", -1, "One. Two.", id="negative-means-all"),
        pytest.param("One.  \t Two.", 2, "One. Two.", id="joined-by-one-space"),
        pytest.param("No stop at the end", 1, "No stop at the end", id="no-stop"),
        pytest.param("", 1, "", id="empty"),
    ],
)
def test_first_sentences(text, count, expected):
    assert first_sentences(text, count) == expected


def _stand_in_revisions():
    from dev.standins.wikipedia_pages import load_corpus, synthetic_page

    articles, redirects = load_corpus()
    pages = [*articles.values(), *redirects.values(), synthetic_page("Synthetic Company 7")]
    return [
        pytest.param(revision, id=f"{page.title}@{revision.revid}")
        for page in pages
        for revision in page.revisions
        if revision.text is not None and revision.wikitext is not None
    ]


@pytest.mark.parametrize("revision", _stand_in_revisions())
def test_every_revision_of_the_stand_in_reads_as_the_text_it_declares(revision):
    """The local Wikipedia's leads are written in wikitext with the plain text they mean
    beside it: the pipeline's one conversion of section 0 (what ``rvsection=0`` serves)
    must find exactly that text, and tell a disambiguation page from an article by its
    section 0 alone (its {{disambiguation}} tag sits at the page's end)."""
    from dev.standins.wikipedia_pages import DISAMBIGUATION, section_zero

    lead = read_lead(section_zero(revision.wikitext))
    if DISAMBIGUATION.search(revision.wikitext):
        assert (lead.kind, lead.text) == ("disambiguation", "")
    else:
        assert (lead.kind, lead.text) == ("article", revision.text)
