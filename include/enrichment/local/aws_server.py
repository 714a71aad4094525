"""The local AWS endpoint: moto in server mode, with a Comprehend that reads the text.

Moto answers DetectSentiment with one canned NEUTRAL score whatever the text. This
stand-in scores the text with a small word list instead, so that the local pipeline's
rows differ the way real ones do (Enron's intro reads NEGATIVE, Netflix's POSITIVE) and
tests can tell one company's row from another's. Everything else is moto unchanged:
DynamoDB, S3 and Rekognition over real HTTP.

Run: ``python -m enrichment.local.aws_server --port 8950``
"""

from __future__ import annotations

import argparse
import re
from typing import Any

POSITIVE_WORDS = frozenset(
    """
    acclaimed award award-winning best breakthrough influential innovative largest leading
    popular powerful successful valuable pioneer flagship
    """.split()
)
NEGATIVE_WORDS = frozenset(
    """
    bankruptcy cheating collapse collapsed controversy convicted crashes criminal criticised
    defrauding fatal fines fraud guilty lawsuits losses penalties rogue scandal scandals spills
    misinformation crisis
    """.split()
)
WORD = re.compile(r"[a-z][a-z-]*")
MAX_BYTES = 5000


def score_sentiment(text: str) -> dict[str, Any]:
    """A DetectSentiment response for ``text`` from counts of positive and negative words."""
    words = WORD.findall(text.lower())
    positive = sum(word in POSITIVE_WORDS for word in words)
    negative = sum(word in NEGATIVE_WORDS for word in words)
    weights = {
        "Positive": float(positive),
        "Negative": float(negative),
        "Neutral": 1.0,
        # Text that is both praised and criticised reads as MIXED, as Comprehend's does.
        "Mixed": 2.0 * min(positive, negative),
    }
    total = sum(weights.values())
    scores = {name: round(weight / total, 6) for name, weight in weights.items()}
    label = max(scores, key=lambda name: scores[name]).upper()
    return {"Sentiment": label, "SentimentScore": scores}


def install_text_sentiment() -> None:
    """Replace moto's canned DetectSentiment with :func:`score_sentiment`."""
    from moto.comprehend import models
    from moto.comprehend.exceptions import TextSizeLimitExceededException

    original = models.ComprehendBackend.detect_sentiment

    def detect_sentiment(self, text: str, language: str) -> dict[str, Any]:
        original(self, "", language)  # keeps moto's language validation
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:  # the real service counts bytes, not characters
            raise TextSizeLimitExceededException(size)
        return score_sentiment(text)

    models.ComprehendBackend.detect_sentiment = detect_sentiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8950)
    args = parser.parse_args()
    install_text_sentiment()
    from moto.server import main as moto_main

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
