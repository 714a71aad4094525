"""What is sent to Comprehend: at most 500 characters, cut on a character boundary."""

from __future__ import annotations

import pytest

from enrichment.company_sentiment.comprehend import Sentiment, cut_text, parse_sentiment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("short text", "short text", id="short-unchanged"),
        pytest.param("a" * 501, "a" * 500, id="ascii-cut-at-500"),
        pytest.param("é" * 600, "é" * 500, id="two-byte-chars-count-as-characters"),
        pytest.param("😀" * 600, "😀" * 500, id="four-byte-chars-count-as-characters"),
        pytest.param("", "", id="empty"),
    ],
)
def test_cut_to_500_characters(text, expected):
    assert cut_text(text) == expected


@pytest.mark.parametrize(
    ("text", "max_bytes", "expected"),
    [
        pytest.param("ab😀cd", 5, "ab", id="never-splits-a-4-byte-char"),
        pytest.param("abé", 3, "ab", id="never-splits-a-2-byte-char"),
        pytest.param("abé", 4, "abé", id="exact-fit"),
    ],
)
def test_byte_cap_cuts_on_a_character_boundary(text, max_bytes, expected):
    cut = cut_text(text, max_chars=500, max_bytes=max_bytes)
    assert cut == expected
    assert len(cut.encode("utf-8")) <= max_bytes


@pytest.mark.parametrize(
    ("characters", "units"),
    [(1, 3), (299, 3), (300, 3), (301, 4), (500, 5)],
)
def test_billing_is_per_100_characters_with_a_minimum_of_3(characters, units):
    sentiment = Sentiment("NEUTRAL", 0.0, 0.0, 1.0, 0.0, characters_sent=characters)
    assert sentiment.billed_units == units


def test_parse_sentiment_response():
    response = {
        "Sentiment": "MIXED",
        "SentimentScore": {"Positive": 0.3, "Negative": 0.2, "Neutral": 0.1, "Mixed": 0.4},
    }
    assert parse_sentiment(response, characters_sent=120) == Sentiment(
        "MIXED", 0.3, 0.2, 0.1, 0.4, characters_sent=120
    )
