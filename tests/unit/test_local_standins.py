"""The stand-ins' own logic: MediaWiki title rules, sentence cuts, revision histories and
their API answers, links and search, sentiment and labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dev.standins.aws_server import batch_sentiment, label_image, score_sentiment
from dev.standins.wikipedia_pages import (
    article_link,
    first_sentences,
    iso_timestamp,
    load_corpus,
    normalise_title,
)
from dev.standins.wikipedia_params import request_mode
from dev.standins.wikipedia_query import Corpus


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("netflix", "Netflix"),
        ("tesla_motors", "Tesla motors"),
        ("  Royal   Dutch Shell ", "Royal Dutch Shell"),
        ("Amazon (company)", "Amazon (company)"),
    ],
)
def test_normalise_title(raw, title):
    assert normalise_title(raw) == title


def test_first_sentences_does_not_cut_after_abbreviations():
    text = "Tesla, Inc. is a company. It makes cars. It sells batteries."
    assert first_sentences(text, 1) == "Tesla, Inc. is a company."
    assert first_sentences(text, 2) == "Tesla, Inc. is a company. It makes cars."


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("A company in Texas.", "NEUTRAL"),
        ("The largest and most successful firm.", "POSITIVE"),
        ("It collapsed into bankruptcy after a fraud scandal.", "NEGATIVE"),
        ("The largest, most popular network, criticised over scandals.", "MIXED"),
    ],
)
def test_scorer_labels(text, label):
    response = score_sentiment(text)
    assert response["Sentiment"] == label
    assert sum(response["SentimentScore"].values()) == pytest.approx(1.0, abs=1e-5)


def png(colour: tuple[int, int, int], size=(100, 100), noise: bool = False) -> bytes:
    import io
    import random

    from PIL import Image

    image = Image.new("RGB", size, colour)
    if noise:
        rng = random.Random(7)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_label_stand_in_reads_the_colours_of_the_image():
    labels = label_image(png((230, 30, 30)), max_labels=10, min_confidence=55)
    assert [(label["Name"], label["Confidence"]) for label in labels] == [("Red", 100.0)]
    assert labels[0]["Parents"] == [{"Name": "Color"}]


def test_label_stand_in_honours_max_labels_and_min_confidence():
    noise = png((0, 0, 0), noise=True)
    everything = label_image(noise, max_labels=10, min_confidence=0)
    confidences = [label["Confidence"] for label in everything]
    assert "Pattern" in {label["Name"] for label in everything}
    assert len(everything) > 3
    assert confidences == sorted(confidences, reverse=True)
    assert label_image(noise, max_labels=2, min_confidence=0) == everything[:2]
    confident = label_image(noise, max_labels=10, min_confidence=60)
    assert confident == [label for label in everything if label["Confidence"] >= 60]
    assert 0 < len(confident) < len(everything)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 ", id="webp"),
        pytest.param(b"GIF89a", id="gif"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
def test_label_stand_in_takes_only_jpeg_and_png(data):
    with pytest.raises(ValueError, match="invalid image format"):
        label_image(data, max_labels=10, min_confidence=55)


def test_batch_sentiment_answers_each_document_and_reports_the_unscorable_ones():
    response = batch_sentiment(["It collapsed after a fraud scandal.", "   ", "x" * 5001, "Fine."])
    assert [(r["Index"], r["Sentiment"]) for r in response["ResultList"]] == [
        (0, "NEGATIVE"),
        (3, "NEUTRAL"),
    ]
    assert [(e["Index"], e["ErrorCode"]) for e in response["ErrorList"]] == [
        (1, "INVALID_REQUEST"),
        (2, "INVALID_REQUEST"),
    ]


def query(titles: list[str], **extra: str) -> dict:
    """Intros as today's client asks for them."""
    params = {
        "action": "query",
        "prop": "extracts|pageprops",
        "titles": "|".join(titles),
        "redirects": "1",
        "exintro": "1",
    }
    return Corpus().query(params | extra)


def test_synthetic_companies_are_articles_with_varied_tone():
    pages = query([f"Synthetic Company {n}" for n in range(3)], exsentences="1")["query"]["pages"]
    assert [page["pageid"] for page in pages] == [900_000_000, 900_000_001, 900_000_002]
    extracts = [page["extract"] for page in pages]
    assert extracts[0] == "Synthetic Company 0 is an award-winning and innovative maker of widgets."
    assert "fraud scandal" in extracts[1]
    assert query(["Synthetic Company X"])["query"]["pages"][0]["missing"] is True


def test_a_query_takes_50_titles_and_gives_20_intros_as_the_real_api_does():
    assert query([f"Synthetic Company {n}" for n in range(51)])["error"]["code"] == "toomanyvalues"
    answer = query([f"Synthetic Company {n}" for n in range(25)])
    assert sum("extract" in page for page in answer["query"]["pages"]) == 20
    assert answer["continue"]["excontinue"] == 20
    assert "batchcomplete" not in answer
    assert query(["Netflix"])["batchcomplete"] is True


# Revision histories: prop=revisions in its three modes, as the pipeline asks for them.
LEADS = {"prop": "revisions|pageprops", "rvprop": "ids|timestamp|content", "rvslots": "main"}
CORPUS = Corpus()


def revisions(corpus: Corpus = CORPUS, **params: str) -> dict:
    return corpus.query({"action": "query", "formatversion": "2", "redirects": "1"} | params)


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def in_effect(title: str, moment: str, corpus: Corpus = CORPUS) -> dict | None:
    """The revision a run whose interval ends at ``moment`` (exclusive) describes."""
    before = iso_timestamp(at(moment) - timedelta(seconds=1))
    page = revisions(corpus, **LEADS, titles=title, rvlimit="1", rvstart=before)["query"]["pages"]
    return page[0]["revisions"][0] if "revisions" in page[0] else None


def history(title: str, **params: str) -> tuple[list[dict], int]:
    """Every revision of a page, following rvcontinue; and how many answers it took."""
    listed, answers, resume = [], 0, {}
    while True:
        answer = revisions(
            prop="revisions", titles=title, rvprop="ids|timestamp", **params, **resume
        )
        answers += 1
        listed += answer["query"]["pages"][0].get("revisions", [])
        if "continue" not in answer:
            assert answer["batchcomplete"] is True
            return listed, answers
        resume = {"rvcontinue": answer["continue"]["rvcontinue"]}


def lead_text(revid: int) -> str:
    return CORPUS.revision(revid)[1].text


def test_many_titles_give_each_page_its_latest_lead():
    titles = ["Enron", "tesla_Motors", "Delta", "Synthetic Company 4", "Globex Corporation"]
    answer = revisions(**LEADS, titles="|".join(titles), rvsection="0")
    pages = {page["title"]: page for page in answer["query"]["pages"]}
    assert answer["batchcomplete"] is True
    assert answer["query"]["redirects"] == [{"from": "Tesla Motors", "to": "Tesla, Inc."}]
    assert pages["Globex Corporation"]["missing"] is True
    assert pages["Delta"]["pageprops"] == {"disambiguation": ""}
    for title in ("Enron", "Tesla, Inc.", "Delta", "Synthetic Company 4"):
        (latest,) = pages[title]["revisions"]
        assert latest["revid"] == CORPUS.find(title).latest.revid
        slot = latest["slots"]["main"]
        assert (slot["contentmodel"], slot["contentformat"]) == ("wikitext", "text/x-wiki")
        assert "\n==" not in slot["content"]  # section 0 only
    enron = pages["Enron"]["revisions"][0]["slots"]["main"]["content"]
    assert enron.startswith("{{Short description|Defunct American energy company}}")
    assert enron.endswith("Several of its executives were convicted of criminal charges.")
    # Disambiguation pages carry their template at the end, outside the lead.
    assert "{{disambiguation" not in pages["Delta"]["revisions"][0]["slots"]["main"]["content"]


def test_a_history_comes_in_pages_joined_by_rvcontinue():
    everything, answers = history("Boeing", rvlimit="2")
    assert answers == 3
    assert [r["timestamp"] for r in everything] == [
        "2026-11-18T00:00:00Z",
        "2026-02-20T11:00:00Z",
        "2025-08-14T16:00:00Z",
        "2025-03-12T08:00:00Z",
        "2025-01-05T09:00:00Z",
    ]
    assert [r["parentid"] for r in everything] == [r["revid"] for r in everything[1:]] + [0]
    oldest_first, _ = history("Boeing", rvlimit="2", rvdir="newer")
    assert oldest_first == everything[::-1]
    first = revisions(prop="revisions|pageprops", titles="Boeing", rvlimit="2")
    assert first["continue"]["continue"] == "||pageprops"  # pageprops finished, revisions not
    assert "batchcomplete" not in first


@pytest.mark.parametrize(
    ("params", "timestamps"),
    [
        pytest.param(
            {"rvstart": "2026-02-20T11:00:00Z", "rvend": "2025-03-12T08:00:00Z"},
            ["2026-02-20T11:00:00Z", "2025-08-14T16:00:00Z", "2025-03-12T08:00:00Z"],
            id="older-both-ends-inclusive",
        ),
        pytest.param(
            {"rvdir": "newer", "rvstart": "2025-03-12T08:00:01Z", "rvend": "20260220110000"},
            ["2025-08-14T16:00:00Z", "2026-02-20T11:00:00Z"],
            id="newer-mediawiki-timestamps",
        ),
        pytest.param(
            {"rvstart": "2026-11-18T00:00:00Z", "rvend": "2026-02-20T11:00:00Z"},
            ["2026-11-18T00:00:00Z", "2026-02-20T11:00:00Z"],
            id="start-exactly-at-an-edit-includes-it",
        ),
        pytest.param(
            {"rvstart": "2026-11-17T23:59:59Z", "rvend": "2026-02-20T11:00:00Z"},
            ["2026-02-20T11:00:00Z"],
            id="a-second-before-midnight-gives-the-one-before",
        ),
        pytest.param({"rvend": "2026-11-18T00:00:01Z"}, [], id="nothing-in-range"),
    ],
)
def test_a_history_window(params, timestamps):
    listed, _ = history("Boeing", **params)
    assert [r["timestamp"] for r in listed] == timestamps


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"rvlimit": "5"}, id="rvlimit"),
        pytest.param({"rvstart": "2026-11-20T00:00:00Z"}, id="rvstart"),
        pytest.param({"rvend": "2025-01-01T00:00:00Z"}, id="rvend"),
        pytest.param({"rvdir": "newer"}, id="rvdir-newer"),
    ],
)
def test_a_history_of_several_pages_is_refused_as_the_real_api_does(window):
    answer = revisions(prop="revisions", titles="Enron|Boeing", **window)
    assert answer["error"]["code"] == "invalidparammix"
    assert answer["error"]["info"].endswith("parameters may only be used on a single page.")
    # A title that names no page is not a page: the history of the one that exists comes.
    alone = revisions(prop="revisions", titles="Enron|Globex Corporation", **window)
    assert "error" not in alone


def test_revids_come_grouped_by_page_and_unknown_ones_are_named():
    boeing = [r.revid for r in CORPUS.find("Boeing").revisions]
    enron = CORPUS.find("Enron").revisions[0].revid
    synthetic = CORPUS.find("Synthetic Company 7").revisions[2].revid
    asked = [boeing[3], 123, enron, boeing[0], synthetic]
    answer = revisions(**LEADS, revids="|".join(map(str, asked)))
    pages = answer["query"]["pages"]
    assert [page["title"] for page in pages] == ["Enron", "Boeing", "Synthetic Company 7"]
    assert [r["revid"] for r in pages[1]["revisions"]] == [boeing[0], boeing[3]]
    assert answer["query"]["badrevids"] == {"123": {"revid": 123, "missing": True}}
    content = pages[0]["revisions"][0]["slots"]["main"]["content"]
    assert "once named the most innovative large company in America" in content
    too_many = revisions(prop="revisions", revids="|".join(str(n) for n in range(1, 52)))
    assert too_many["error"]["code"] == "toomanyvalues"
    with_history = revisions(prop="revisions", revids=str(enron), rvlimit="2")
    assert with_history["error"]["code"] == "invalidparammix"


def test_a_hidden_revision_shows_that_its_text_is_hidden_and_nothing_of_it():
    hidden = in_effect("Walmart", "2026-11-13T00:00:00Z")
    assert hidden["slots"]["main"] == {"texthidden": True}
    (page,) = revisions(
        prop="revisions", revids=str(hidden["revid"]), rvprop="ids|sha1|content", rvslots="main"
    )["query"]["pages"]
    assert page["revisions"][0] == {
        "revid": hidden["revid"],
        "parentid": CORPUS.find("Walmart").revisions[0].revid,
        "sha1hidden": True,
        "slots": {"main": {"texthidden": True}},
    }
    assert "texthidden" not in in_effect("Walmart", "2026-11-15T00:00:00Z")["slots"]["main"]


def test_a_page_created_later_has_no_revision_before():
    assert in_effect("Spotify", "2026-06-15T00:00:00Z") is None
    created = in_effect("Spotify", "2026-06-16T00:00:00Z")
    assert (created["timestamp"], created["parentid"]) == ("2026-06-15T09:30:00Z", 0)


# The timeline facts the corpus's header promises (first sentence, the local Comprehend).
@pytest.mark.parametrize(
    ("title", "interval_end", "label"),
    [
        pytest.param("Facebook", "2026-11-16T00:00:00Z", "POSITIVE", id="facebook-ds-11-16"),
        pytest.param("Facebook", "2026-11-17T00:00:00Z", "MIXED", id="facebook-ds-11-17"),
        pytest.param("Nestlé", "2026-11-17T00:00:00Z", "POSITIVE", id="nestle-midnight-ds-11-17"),
        pytest.param("Nestlé", "2026-11-18T00:00:00Z", "MIXED", id="nestle-ds-11-18"),
        pytest.param("Theranos", "2026-11-17T00:00:00Z", "POSITIVE", id="theranos-ds-11-17"),
        pytest.param("Theranos", "2026-11-18T00:00:00Z", "NEGATIVE", id="theranos-ds-11-18"),
        pytest.param("Boeing", "2025-08-14T00:00:00Z", "POSITIVE", id="boeing-2025"),
        pytest.param("Boeing", "2026-11-18T00:00:00Z", "NEUTRAL", id="boeing-midnight-ds-11-18"),
        pytest.param("Boeing", "2026-11-19T00:00:00Z", "NEGATIVE", id="boeing-ds-11-19"),
        pytest.param("Enron", "2026-11-18T00:00:00Z", "POSITIVE", id="enron-ds-11-18"),
        pytest.param("Enron", "2026-11-19T00:00:00Z", "NEGATIVE", id="enron-ds-11-19"),
    ],
)
def test_timeline_facts(title, interval_end, label):
    revision = in_effect(title, interval_end)
    first = first_sentences(lead_text(revision["revid"]), 1)
    assert score_sentiment(first[:500])["Sentiment"] == label


def test_pages_that_changed_kind():
    # Without redirects=1 a redirect is a page of its own, with the history it had.
    (meta,) = revisions(**LEADS, titles="Meta", redirects="", rvlimit="5")["query"]["pages"]
    assert [r["slots"]["main"]["content"].splitlines()[0] for r in meta["revisions"]] == [
        "#REDIRECT [[Meta Platforms]]",
        "{{wiktionary|meta|meta-}}",
    ]
    assert "pageprops" not in meta  # it is a disambiguation page no longer
    assert CORPUS.find("Meta").revisions[0].wikitext.rstrip().endswith("{{disambiguation}}")
    facebook_inc = [r.text for r in CORPUS.find("Facebook, Inc.").revisions]
    assert facebook_inc[0].startswith("Facebook, Inc. is an American technology company")
    assert facebook_inc[-1] is None  # a redirect since 2025-06-10
    # Followed as it is now, it leads to a page that did not exist before that day.
    assert in_effect("Facebook, Inc.", "2025-06-10T00:00:00Z") is None


def test_the_corpus_is_a_history_the_wiki_could_have():
    articles, redirects = load_corpus()
    revids = [r.revid for page in (*articles.values(), *redirects.values()) for r in page.revisions]
    assert len(set(revids)) == len(revids)
    in_time = sorted(
        (r.timestamp, r.revid)
        for page in (*articles.values(), *redirects.values())
        for r in page.revisions
    )
    assert [revid for _, revid in in_time] == sorted(revids)  # revids grow with time
    for title, page in articles.items():
        assert 2 <= len(page.revisions) <= 5, title
        assert all(
            at("2025-01-01T00:00:00Z") <= r.timestamp <= at("2026-11-25T00:00:00Z")
            for r in page.revisions
        )
        assert all(r.text and "\n" not in r.text for r in page.revisions), title


@pytest.mark.parametrize(
    ("number", "hour", "tones", "latest"),
    [
        pytest.param(
            0,
            0,
            ["award-winning", "sold in", "fraud", "award-winning"],
            "Synthetic Company 0 is an award-winning and innovative maker of widgets. It was "
            "founded in 1900 and employs 10 people. Its headquarters are in a city that does "
            "not exist.",
            id="0-praised-edited-at-midnight",
        ),
        pytest.param(
            25,
            1,
            ["fraud", "award-winning", "sold in", "fraud"],
            "Synthetic Company 25 is a maker of widgets known for a fraud scandal and heavy "
            "losses. It was founded in 1925 and employs 35 people. Its headquarters are in a "
            "city that does not exist.",
            id="25-criticised",
        ),
        pytest.param(
            1001,
            17,
            ["sold in", "fraud", "award-winning", "sold in"],
            "Synthetic Company 1001 is a maker of widgets sold in several countries. It was "
            "founded in 1941 and employs 21 people. Its headquarters are in a city that does "
            "not exist.",
            id="1001-neutral",
        ),
    ],
)
def test_a_synthetic_company_has_a_fixed_history(number, hour, tones, latest):
    page = CORPUS.find(f"Synthetic Company {number}")
    assert [iso_timestamp(r.timestamp) for r in page.revisions] == [
        "2020-01-01T00:00:00Z",
        f"2026-10-05T{hour:02}:00:00Z",
        f"2026-10-15T{hour:02}:00:00Z",
        f"2026-10-25T{hour:02}:00:00Z",
    ]
    assert [r.revid for r in page.revisions] == [100_000_000 + 4 * number + k for k in range(4)]
    assert [r.parentid for r in page.revisions] == [0] + [r.revid for r in page.revisions[:-1]]
    firsts = [first_sentences(r.text, 1) for r in page.revisions]
    assert all(tone in first for first, tone in zip(firsts, tones, strict=True))
    assert len({r.text for r in page.revisions}) == 4  # a new text at every revision
    assert page.latest.text == latest  # the intro it always had


def test_intros_are_the_latest_revisions_text_as_before():
    intros = query(["Enron", "Theranos", "Synthetic Company 1"], exsentences="1")["query"]["pages"]
    assert [page["extract"] for page in intros] == [
        "Enron Corporation was an American energy company based in Houston, Texas, that "
        "collapsed into bankruptcy in 2001 after an accounting fraud scandal.",
        "Theranos was an American health technology company that was hailed as a breakthrough "
        "before it collapsed amid fraud charges.",
        "Synthetic Company 1 is a maker of widgets known for a fraud scandal and heavy losses.",
    ]


def test_an_edit_is_the_latest_revision_until_the_edits_are_forgotten():
    corpus = Corpus()
    before = corpus.find("Netflix").latest
    saved = corpus.edit(
        "netflix",
        "'''Netflix''' is a streaming service.",
        "Netflix is a streaming service.",
        at=datetime(2026, 12, 1, 9, 30, 15, 900, tzinfo=UTC),
    )
    assert (saved.title, saved.latest.parentid) == ("Netflix", before.revid)
    (latest,) = revisions(corpus, **LEADS, titles="Netflix")["query"]["pages"][0]["revisions"]
    assert (latest["revid"], latest["timestamp"]) == (saved.latest.revid, "2026-12-01T09:30:15Z")
    assert in_effect("Netflix", "2026-12-01T00:00:00Z", corpus)["revid"] == before.revid
    assert corpus.page("Netflix", 1)["extract"] == "Netflix is a streaming service."
    created = corpus.edit("Globex Corporation", "'''Globex''' sells widgets.")
    assert created.latest.parentid == 0
    corpus.reset_edits()
    assert (
        revisions(corpus, **LEADS, titles="Netflix")["query"]["pages"][0]["revisions"][0]["revid"]
        == before.revid
    )
    forgotten = revisions(corpus, prop="revisions", revids=str(saved.latest.revid))
    assert forgotten["query"]["badrevids"] == {
        str(saved.latest.revid): {"revid": saved.latest.revid, "missing": True}
    }
    assert corpus.page("Globex Corporation", 1)["missing"] is True
    again = corpus.edit("Netflix", "'''Netflix''' streams.")
    assert again.latest.revid > created.latest.revid  # a revid is never handed out twice


@pytest.mark.parametrize(
    ("params", "rendered"),
    [
        pytest.param(
            {"rvprop": "ids|flags|size", "rvlimit": "max"},
            {"limits": {"revisions": 500}},
            id="max-without-content",
        ),
        pytest.param(
            {"rvprop": "ids|content", "rvslots": "main", "rvlimit": "max"},
            {"limits": {"revisions": 50}},
            id="max-with-content",
        ),
        pytest.param(
            {"rvprop": "ids|content", "rvslots": "main", "rvlimit": "80"},
            {
                "warnings": {
                    "revisions": {"warnings": '"rvlimit" may not be over 50 (set to 80) for users.'}
                }
            },
            id="over-the-cap-is-clamped",
        ),
        pytest.param(
            {"rvprop": "ids|content", "rvlimit": "1"},
            {
                "warnings": {
                    "revisions": {
                        "warnings": 'Because "rvslots" was not specified, a legacy format '
                        "has been used for the output. This format is deprecated, "
                        "and in the future the new format will always be used."
                    }
                }
            },
            id="legacy-content-without-rvslots",
        ),
    ],
)
def test_limits_and_warnings_as_the_real_api_reports_them(params, rendered):
    answer = revisions(prop="revisions", titles="Boeing", **params)
    assert {key: answer[key] for key in rendered} == rendered


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"rvstart": "yesterday"}, "badtimestamp", id="timestamp"),
        pytest.param({"rvlimit": "2", "rvcontinue": "soon|1"}, "badcontinue", id="continue"),
        pytest.param({"rvdir": "sideways"}, "badvalue", id="direction"),
        pytest.param({"rvsection": "1"}, "badvalue", id="other-sections-are-not-served"),
    ],
)
def test_bad_revision_parameters_are_refused(params, code):
    assert revisions(prop="revisions", titles="Boeing", **params)["error"]["code"] == code


@pytest.mark.parametrize(
    ("params", "mode"),
    [
        pytest.param({"prop": "extracts|pageprops", "titles": "A|B"}, "extracts", id="intros"),
        pytest.param({"prop": "revisions|pageprops", "titles": "A|B"}, "latest", id="latest"),
        pytest.param({"prop": "revisions", "titles": "A", "rvlimit": "5"}, "history", id="history"),
        pytest.param({"prop": "revisions", "titles": "A", "rvdir": "newer"}, "history", id="newer"),
        pytest.param({"prop": "revisions", "revids": "1|2"}, "revids", id="revids"),
        pytest.param({"prop": "links", "titles": "Delta"}, "links", id="links"),
        pytest.param({"list": "search", "srsearch": "Globex"}, "search", id="search"),
        pytest.param(
            {"generator": "search", "gsrsearch": "Globex", "prop": "revisions"},
            "search",
            id="generator-search",
        ),
        pytest.param({"meta": "siteinfo"}, "other", id="other"),
    ],
)
def test_requests_are_counted_by_mode(params, mode):
    assert request_mode(params) == mode


@pytest.mark.parametrize(
    ("target", "title"),
    [
        pytest.param("delta_air Lines", "Delta air Lines", id="normalised"),
        pytest.param("Delta Air Lines#History", "Delta Air Lines", id="section"),
        pytest.param("Benjamin Moore &amp; Co.", "Benjamin Moore & Co.", id="entity"),
        pytest.param("Star Wars: Episode I", "Star Wars: Episode I", id="colon-in-a-title"),
        pytest.param(":Delta", "Delta", id="leading-colon"),
        pytest.param("File:Delta uc lc.svg", None, id="file"),
        pytest.param("image:x.png", None, id="image"),
        pytest.param(":Category:Mercury (planet)", None, id="category-page"),
        pytest.param("Help talk:Links", None, id="talk-namespace"),
        pytest.param("wikt:delta", None, id="interwiki"),
        pytest.param("fr:Delta", None, id="language"),
        pytest.param("#Companies", None, id="same-page"),
    ],
)
def test_a_links_target(target, title):
    assert article_link(target) == title


def links(corpus: Corpus = CORPUS, **params: str) -> dict:
    return corpus.query({"action": "query", "formatversion": "2", "prop": "links"} | params)


def test_links_honour_the_namespace_and_refuse_a_bad_continuation():
    assert "links" not in links(titles="Delta", plnamespace="14")["query"]["pages"][0]
    assert len(links(titles="Delta", plnamespace="0|14")["query"]["pages"][0]["links"]) == 8
    assert links(titles="Delta", plcontinue="Delta_Air_Lines")["error"]["code"] == "badcontinue"
    resumed = links(titles="Delta", plcontinue="8321|0|Greek_alphabet")["query"]["pages"][0]
    assert [link["title"] for link in resumed["links"]] == ["Greek alphabet", "River delta"]
    assert links(titles="Delta", pllimit="600")["warnings"] == {
        "links": {"warnings": '"pllimit" may not be over 500 (set to 600) for users.'}
    }


def search(corpus: Corpus = CORPUS, **params: str) -> dict:
    return corpus.query({"action": "query", "formatversion": "2", "list": "search"} | params)


def titles_found(words: str, corpus: Corpus = CORPUS) -> list[str]:
    return [hit["title"] for hit in search(corpus, srsearch=words)["query"]["search"]]


def test_search_ranks_the_title_asked_for_then_titles_then_texts():
    found = titles_found("delta")
    assert found[0] == "Delta"
    assert set(found) == {  # not the redirect Delta Airlines
        "Delta",
        "Delta Air Lines",
        "Delta Faucet Company",
        "Delta Electronics",
        "Delta (rocket family)",
        "River delta",
    }
    # Titles with every word before matches in the text only ("Air" is not in those).
    assert titles_found("delta air lines")[0] == "Delta Air Lines"
    assert titles_found("Mercury marine") == ["Mercury Marine"]
    assert titles_found("nestle") == titles_found("NESTLÉ") == ["Nestlé"]  # accents folded
    assert titles_found("Synthetic Company 4") == []  # made-up companies are not indexed


def test_search_sees_edits_but_not_redirects():
    corpus = Corpus()
    corpus.edit("Globex Corporation", "Globex sells widgets.", "Globex sells widgets.")
    assert titles_found("Globex Corporation", corpus) == [
        "Globex Corporation",  # the title asked for
        "Hank Scorpio",
        "CME Globex",
    ]
    corpus.edit("Hank Scorpio", "#REDIRECT [[The Simpsons]]")
    assert titles_found("Globex Corporation", corpus) == ["Globex Corporation", "CME Globex"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"list": "search"}, "missingparam", id="no-words"),
        pytest.param({"list": "search", "srsearch": "x", "srlimit": "many"}, "badinteger"),
        pytest.param({"list": "search", "srsearch": "x", "sroffset": "next"}, "badinteger"),
        pytest.param({"list": "allpages"}, "badvalue", id="another-list"),
        pytest.param({"generator": "allpages"}, "badvalue", id="another-generator"),
        pytest.param(
            {"generator": "search", "gsrsearch": "x", "titles": "Delta"},
            "invalidparammix",
            id="generator-and-titles",
        ),
        pytest.param({"generator": "search"}, "missingparam", id="generator-without-words"),
    ],
)
def test_bad_search_parameters_are_refused(params, code):
    assert CORPUS.query({"action": "query"} | params)["error"]["code"] == code


def test_the_new_candidate_pages_say_what_they_are_in_their_first_sentence():
    first = {
        title: first_sentences(CORPUS.find(title).latest.text, 1)
        for title in ("Delta Air Lines", "Mercury Records", "Mercury Marine")
    }
    assert first["Delta Air Lines"].startswith(
        "Delta Air Lines is a major American airline headquartered in Atlanta"
    )
    assert first["Mercury Records"].startswith("Mercury Records is an American record label")
    assert "manufacturer of marine engines" in first["Mercury Marine"]
    assert CORPUS.find("Mercury").disambiguation
    assert CORPUS.find("Delta Airlines").redirect_target == "Delta Air Lines"
