"""The stand-ins' own logic: MediaWiki title rules, sentence cuts, the sentiment scorer."""

from __future__ import annotations

import pytest

from enrichment.local.aws_server import score_sentiment
from enrichment.local.wikipedia_api import first_sentences, normalise_title


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
