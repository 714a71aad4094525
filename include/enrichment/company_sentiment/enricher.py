"""Wikipedia intros and sentiments for many companies at once: the clients of one task
(on a worker) or of one triggerer process, and the two batched calls both paths make.

:meth:`Enricher.summaries` asks Wikipedia about up to 20 titles in one request;
:meth:`Enricher.sentiments` answers up to 25 texts of one language, from the sentiment
cache where it may and from one BatchDetectSentiment call for the rest, and keeps the
new answers in the cache. Clients are built on first use and then reused, so a process
pays each connection lookup once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from enrichment import aws
from enrichment.company_sentiment import sentiment_cache
from enrichment.company_sentiment.coalescing import Coalescer
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.comprehend import (
    BATCH_SIZE,
    DocumentError,
    Sentiment,
    cut_text,
    detect_sentiments,
)
from enrichment.company_sentiment.rows import Row, company_row, error_row
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.wikipedia import (
    MAX_IN_FLIGHT,
    MAX_TITLES,
    Summary,
    WikipediaClient,
    request_slots_in,
)

# Comprehend and DynamoDB calls of one process at once; AWS asks no etiquette of us, this
# only bounds the worker threads a burst of batches takes.
AWS_CALLS_IN_FLIGHT = 4

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    """A text's sentiment and where it came from (a paid call, or the cache)."""

    sentiment: Sentiment
    source: Literal["comprehend", "cache"]


@dataclass(frozen=True)
class SummaryGroup:
    """What the titles of one Wikipedia request share: the sentences asked for, and the
    deployment's request slots it is sent in."""

    sentences: int
    slots_table: str
    slots: int


@dataclass(frozen=True)
class SentimentGroup:
    """What the texts of one batch share: Comprehend's language and the cache to use."""

    language: str
    cache_table: str
    reuse: bool


class Enricher:
    """The blocking clients behind both paths; safe to call from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def _client(self, name: str, build: Callable[[], Any]) -> Any:
        """The client called ``name``, built by ``build`` the first time it is asked for
        (threads of a coalescer may ask for the first time together)."""
        with self._lock:
            if name not in self._clients:
                self._clients[name] = build()
            return self._clients[name]

    def close(self) -> None:
        if wikipedia := self._clients.get("wikipedia"):
            wikipedia.close()

    def summaries(self, group: SummaryGroup, titles: Sequence[str]) -> list[Summary]:
        """The intro of each of ``titles`` (at most 20), in one request, in order."""
        wikipedia = self._client("wikipedia", WikipediaClient)
        slots = self._client(
            f"slots {group.slots_table} {group.slots}",
            lambda: request_slots_in(aws.dynamodb_table(group.slots_table), group.slots),
        )
        answers = wikipedia.summaries(titles, group.sentences, slots)
        return [answers[title] for title in titles]

    def sentiments(
        self, group: SentimentGroup, texts: Sequence[str]
    ) -> list[Scored | DocumentError]:
        """The sentiment of each of ``texts`` (at most 25), in order: cached answers where
        ``group.reuse`` allows, one BatchDetectSentiment call for the others."""
        keys = [sentiment_cache.cache_key(group.language, cut_text(text)) for text in texts]
        table = self._client(
            f"table {group.cache_table}", lambda: aws.dynamodb_table(group.cache_table)
        )
        cached = sentiment_cache.lookup(table, keys) if group.reuse else {}
        asked = list(dict.fromkeys(key for key in keys if key not in cached))
        fresh: dict[str, Sentiment | DocumentError] = {}
        if asked:
            comprehend = self._client("comprehend", aws.comprehend_client)
            text_of = dict(zip(keys, texts, strict=True))  # a key's texts are all the same
            answers = detect_sentiments(comprehend, [text_of[k] for k in asked], group.language)
            fresh = dict(zip(asked, answers, strict=True))
            sentiment_cache.store(
                table, {k: a for k, a in fresh.items() if isinstance(a, Sentiment)}
            )
        scored: list[Scored | DocumentError] = []
        for key in keys:
            if key in cached:
                scored.append(Scored(cached[key], "cache"))
            elif isinstance(fresh[key], Sentiment):
                scored.append(Scored(fresh[key], "comprehend"))
            else:
                scored.append(fresh[key])
        return scored


class Enrichment:
    """Company rows, with the Wikipedia and Comprehend calls of every company asked for
    at the same time coalesced into batched calls (:mod:`.coalescing`).

    In a triggerer process one of these serves all the company tasks running there;
    on a worker a task makes its own for its one company, so both paths run this code.
    """

    def __init__(self, enricher: Enricher, *, linger: float) -> None:
        self.enricher = enricher
        # More calls of one process at once would only wait for the deployment's slots.
        self.intros: Coalescer[SummaryGroup, str, Summary] = Coalescer(
            enricher.summaries, max_batch=MAX_TITLES, max_in_flight=MAX_IN_FLIGHT, linger=linger
        )
        self.scores: Coalescer[SentimentGroup, str, Scored] = Coalescer(
            enricher.sentiments,
            max_batch=BATCH_SIZE,
            max_in_flight=AWS_CALLS_IN_FLIGHT,
            linger=linger,
        )

    async def row(self, company: Company, settings: SentimentSettings) -> Row:
        """The row of one company; raises what is worth a retry."""
        wikipedia = SummaryGroup(
            settings.sentences, settings.request_slots_table, settings.wikipedia_slots
        )
        summary = await self.intros.ask(wikipedia, company["wikipedia_title"])
        scored = None
        if summary.status == "ok":
            group = SentimentGroup(
                settings.language, settings.sentiment_cache_table, settings.reuse_sentiment
            )
            scored = await self.scores.ask(group, summary.snippet)
        return company_row(company, summary, scored)

    async def row_or_error(
        self, company: Company, settings: SentimentSettings, *, final_attempt: bool
    ) -> Row:
        """:meth:`row`, re-raising a failure for a retry unless this is the last attempt.

        On the last attempt the failure becomes an ``error`` row, so the load still
        writes one row per company and decides from the error share whether the run
        failed.
        """
        try:
            return await self.row(company, settings)
        except Exception as exc:
            if not final_attempt:
                raise
            log.exception("Giving up on %r after the last attempt", company["name"])
            return error_row(company, f"{type(exc).__name__}: {exc}")
