"""The DynamoDB cache of Comprehend answers: a text analysed once is never paid for again.

An item per distinct document, keyed by ``text_sha256`` (SHA-256 hex of the language
code, a newline and the exact text sent), holding the answer (label and four scores),
the characters that were billed and when the answer was obtained. Company intros
change rarely, so tomorrow's run over the same companies makes no Comprehend call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from enrichment.company_sentiment.comprehend import Sentiment
from enrichment.dynamodb import get_items

# The table's partition key (S); the table name is a setting.
KEY = "text_sha256"


def cache_key(language: str, text: str) -> str:
    """The item key of ``text`` (exactly as sent to Comprehend) in ``language``."""
    return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()


def _sentiment(item: Mapping[str, Any]) -> Sentiment:
    return Sentiment(
        label=item["label"],
        positive=float(item["positive"]),
        negative=float(item["negative"]),
        neutral=float(item["neutral"]),
        mixed=float(item["mixed"]),
        characters_sent=int(item["characters_sent"]),
    )


def lookup(table, keys: Iterable[str]) -> dict[str, Sentiment]:
    """The cached answers for those of ``keys`` that have one."""
    return {item[KEY]: _sentiment(item) for item in get_items(table, KEY, keys)}


def store(table, answers: Mapping[str, Sentiment]) -> None:
    """Keep ``answers`` (key -> answer), stamped with the time they were obtained, in
    BatchWriteItem calls of 25; an answer asked for again (reuse turned off) replaces
    the one kept."""
    obtained_at = datetime.now(UTC).isoformat(timespec="seconds")
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for key, sentiment in answers.items():
            batch.put_item(
                Item={
                    KEY: key,
                    "label": sentiment.label,
                    # DynamoDB numbers are Decimals; str() keeps the float's digits exactly.
                    **{
                        name: Decimal(str(getattr(sentiment, name)))
                        for name in ("positive", "negative", "neutral", "mixed")
                    },
                    "characters_sent": sentiment.characters_sent,
                    "billed_units": sentiment.billed_units,
                    "obtained_at": obtained_at,
                }
            )
