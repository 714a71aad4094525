"""Sentiments in batches with the DynamoDB cache of Comprehend answers, on the local AWS."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from enrichment import aws
from enrichment.bootstrap import ensure_table
from enrichment.clients import Clients
from enrichment.company_sentiment import sentiment_cache
from enrichment.company_sentiment.batched_calls import BatchedCalls
from enrichment.company_sentiment.comprehend import DocumentError, cut_text
from enrichment.company_sentiment.rows import Scored
from enrichment.company_sentiment.settings import SentimentSettings

TEXTS = [
    "Enron collapsed into bankruptcy after a fraud scandal.",
    "Nvidia is an innovative and influential designer of chips.",
    "Enron collapsed into bankruptcy after a fraud scandal.",  # the same text again
    "Globex is a company in Springfield.",
]


@pytest.fixture
def settings(stack) -> SentimentSettings:
    """The run's settings, with a sentiment cache of the test's own."""
    table = f"sentiment_cache_{uuid.uuid4().hex[:8]}"
    ensure_table(aws.dynamodb_client(), table, sentiment_cache.KEY)
    return SentimentSettings(language="en", sentiment_cache_table=table, reuse_sentiment=True)


@pytest.fixture
def calls():
    clients = Clients()
    yield BatchedCalls(clients)
    clients.close()


def sources(answers) -> list[str]:
    return [answer.source for answer in answers]


def test_an_unchanged_text_is_paid_for_once(calls, settings, aws_control):
    first = calls.sentiments(settings, TEXTS)

    assert sources(first) == ["comprehend"] * 4
    assert [answer.sentiment.label for answer in first] == [
        "NEGATIVE",
        "POSITIVE",
        "NEGATIVE",
        "NEUTRAL",
    ]
    assert aws_control.calls("BatchDetectSentiment") == 1

    again = calls.sentiments(settings, TEXTS)

    assert sources(again) == ["cache"] * 4
    assert [answer.sentiment for answer in again] == [answer.sentiment for answer in first]
    assert aws_control.calls("BatchDetectSentiment") == 1  # no new call


def test_the_cache_keeps_the_answer_the_billing_and_when(calls, settings):
    (scored,) = calls.sentiments(settings, TEXTS[1:2])

    key = sentiment_cache.cache_key("en", cut_text(TEXTS[1]))
    item = aws.dynamodb_table(settings.sentiment_cache_table).get_item(Key={"text_sha256": key})[
        "Item"
    ]
    assert item["label"] == scored.sentiment.label == "POSITIVE"
    assert float(item["positive"]) == scored.sentiment.positive
    assert (item["characters_sent"], item["billed_units"]) == (len(TEXTS[1]), 3)
    assert item["obtained_at"].startswith("20")
    # Another language is another document: not served from this answer.
    other = replace(settings, language="de")
    assert sources(calls.sentiments(other, TEXTS[1:2])) == ["comprehend"]


def test_reuse_off_asks_comprehend_again(calls, settings, aws_control):
    calls.sentiments(settings, TEXTS)
    fresh = replace(settings, reuse_sentiment=False)

    assert sources(calls.sentiments(fresh, TEXTS)) == ["comprehend"] * 4
    assert aws_control.calls("BatchDetectSentiment") == 2


def test_a_document_comprehend_refuses_fails_alone(calls, settings):
    answers = calls.sentiments(settings, [TEXTS[0], "   ", TEXTS[1]])

    assert isinstance(answers[0], Scored)
    assert isinstance(answers[2], Scored)
    assert isinstance(answers[1], DocumentError)
    assert "INVALID_REQUEST" in str(answers[1])


def test_a_text_two_batches_meet_at_once_is_paid_for_once(calls, settings, aws_control):
    """The runs of a backfill ask for the same new text at the same time: one batch pays,
    the other waits for its answer (AWS answering slowly, so the two overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    aws_control.latency(0.5)
    text = ["Theranos was hailed as a breakthrough for its innovative blood tests."]
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: calls.sentiments(settings, text)[0], range(2))

    assert aws_control.calls("BatchDetectSentiment") == 1
    assert sorted([first.source, second.source]) == ["cache", "comprehend"]
    assert first.sentiment == second.sentiment
