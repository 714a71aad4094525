"""The stand-ins' own logic: MediaWiki title rules, sentence cuts, sentiment and labels."""

from __future__ import annotations

import pytest

from dev.standins.aws_server import batch_sentiment, label_image, score_sentiment
from dev.standins.wikipedia_api import Corpus, first_sentences, normalise_title


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
    params = {"action": "query", "titles": "|".join(titles), "redirects": "1", "exintro": "1"}
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
