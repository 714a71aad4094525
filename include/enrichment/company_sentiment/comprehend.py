"""AWS Comprehend real-time sentiment (client from :func:`enrichment.aws.comprehend_client`),
asked with BatchDetectSentiment: up to 25 documents of one language per call.

DetectSentiment reads only the first 500 characters of a document and bills per 100
characters (3 units at least), so the text is cut to those 500 characters before it is
sent: the bill per company is bounded whatever Wikipedia returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The languages DetectSentiment supports (the ``language`` Param's choices).
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW")
SENTIMENT_MAX_CHARS = 500
# DetectSentiment's hard cap on the UTF-8 size of one document.
SENTIMENT_MAX_BYTES = 5000
CHARS_PER_UNIT = 100
MIN_UNITS = 3
# BatchDetectSentiment's limit on documents per call (billed per document as above).
BATCH_SIZE = 25


@dataclass(frozen=True)
class Sentiment:
    label: str  # POSITIVE, NEGATIVE, NEUTRAL or MIXED
    positive: float
    negative: float
    neutral: float
    mixed: float
    characters_sent: int

    @property
    def billed_units(self) -> int:
        """Comprehend units charged for the call (per 100 characters, 3 at least)."""
        return max(MIN_UNITS, math.ceil(self.characters_sent / CHARS_PER_UNIT))


def cut_text(
    text: str, max_chars: int = SENTIMENT_MAX_CHARS, max_bytes: int = SENTIMENT_MAX_BYTES
) -> str:
    """The longest prefix of ``text`` within both limits, cut on a character boundary."""
    cut = text[:max_chars]
    encoded = cut.encode("utf-8")
    if len(encoded) <= max_bytes:
        return cut
    # Dropping the bytes of a partial last character keeps the prefix valid UTF-8.
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def parse_sentiment(response: dict[str, Any], characters_sent: int) -> Sentiment:
    scores = response["SentimentScore"]
    return Sentiment(
        label=response["Sentiment"],
        positive=float(scores["Positive"]),
        negative=float(scores["Negative"]),
        neutral=float(scores["Neutral"]),
        mixed=float(scores["Mixed"]),
        characters_sent=characters_sent,
    )


class DocumentError(Exception):
    """Comprehend answered the batch but not this document (its ``ErrorList`` entry)."""


def detect_sentiments(
    client, texts: Sequence[str], language: str
) -> list[Sentiment | DocumentError]:
    """Sentiment of each of ``texts`` (at most :data:`BATCH_SIZE`, one language) in one
    BatchDetectSentiment call, each cut to its first :data:`SENTIMENT_MAX_CHARS`
    characters; a document the service could not score is a :class:`DocumentError` in
    its place, and the rest of the batch is still answered."""
    documents = [cut_text(text) for text in texts]
    response = client.batch_detect_sentiment(TextList=documents, LanguageCode=language)
    answers: list[Sentiment | DocumentError] = [
        DocumentError(f"no answer for document {index}") for index in range(len(documents))
    ]
    for result in response.get("ResultList", ()):
        index = result["Index"]
        answers[index] = parse_sentiment(result, characters_sent=len(documents[index]))
    for error in response.get("ErrorList", ()):
        answers[error["Index"]] = DocumentError(
            f"Comprehend {error.get('ErrorCode')}: {error.get('ErrorMessage')}"
        )
    return answers
