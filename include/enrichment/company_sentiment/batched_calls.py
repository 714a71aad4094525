"""The two batched calls of company_sentiment, made with the clients of their holder.

:meth:`BatchedCalls.summaries` finds the leads of up to 20 titles as they stood at a
moment (:mod:`.intros`: one request for all of them on a daily run);
:meth:`BatchedCalls.sentiments` answers up to 25 texts of one language, from the
sentiment cache where it may and from one BatchDetectSentiment call for the rest, and
keeps the new answers in the cache. They are blocking calls, made from a coalescer's
threads (:mod:`.company_rows`).

Clients come from :class:`enrichment.clients.Clients`, built on first use: once per
process in the triggerer (shared by every company task running there), once per task
on a worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from enrichment import aws
from enrichment.clients import Clients
from enrichment.company_sentiment import sentiment_cache
from enrichment.company_sentiment.comprehend import (
    DocumentError,
    Sentiment,
    cut_text,
    detect_sentiments,
)
from enrichment.company_sentiment.intros import Sources, Summary, intros_at
from enrichment.company_sentiment.rows import Scored
from enrichment.company_sentiment.wikipedia import WikipediaClient, request_slots_in

# Answers kept in memory after they were paid for: the texts of a few runs in flight.
PAID_LATELY_KEPT = 10_000


@dataclass(frozen=True)
class SummaryGroup:
    """What the titles of one batch share: the moment their articles are read at, the
    sentences asked for, the deployment's request slots and the tables of what was
    learned before."""

    moment: datetime
    sentences: int
    slots_table: str
    slots: int
    timelines_table: str
    texts_table: str


@dataclass(frozen=True)
class SentimentGroup:
    """What the texts of one batch share: Comprehend's language and the cache to use."""

    language: str
    cache_table: str
    reuse: bool


class BatchedCalls:
    """The batched Wikipedia and Comprehend calls; safe to call from several threads."""

    def __init__(self, clients: Clients, wikipedia_patience: float = 0.0) -> None:
        self.clients = clients
        # How long a Wikipedia request rides out throttling and outages (WikipediaClient).
        self.wikipedia_patience = wikipedia_patience
        # Cache keys of the texts being paid for right now, each with its answer to come,
        # and of those paid for lately: a batch that looked the cache up just before
        # another stored its answer finds it here.
        self._paying: dict[str, Future] = {}
        self._paid_lately: OrderedDict[str, Sentiment] = OrderedDict()
        self._paying_lock = threading.Lock()

    def summaries(self, group: SummaryGroup, titles: Sequence[str]) -> list[Summary]:
        """The lead of each of ``titles`` (at most 20) at ``group.moment``, in order."""
        patience = self.wikipedia_patience
        sources = Sources(
            self.clients.get("wikipedia", lambda: WikipediaClient(patience=patience)),
            self.clients.get(
                f"slots {group.slots_table} {group.slots}",
                lambda: request_slots_in(self._table(group.slots_table), group.slots),
            ),
            self._table(group.timelines_table),
            self._table(group.texts_table),
        )
        answers = intros_at(sources, titles, group.moment, group.sentences)
        return [answers[title] for title in titles]

    def _table(self, name: str):
        """DynamoDB table ``name``, from the one DynamoDB resource of the holder."""
        dynamodb = self.clients.get("dynamodb", aws.dynamodb_resource)
        return self.clients.get(f"table {name}", lambda: dynamodb.Table(name))

    def sentiments(
        self, group: SentimentGroup, texts: Sequence[str]
    ) -> list[Scored | DocumentError]:
        """The sentiment of each of ``texts`` (at most 25), in order: cached answers where
        ``group.reuse`` allows, one BatchDetectSentiment call for the others. A text
        another batch of the process is paying for right now is waited for, not paid for
        twice (the runs of a backfill often meet the same text at once)."""
        keys = [sentiment_cache.cache_key(group.language, cut_text(text)) for text in texts]
        table = self._table(group.cache_table)
        cached = sentiment_cache.lookup(table, keys) if group.reuse else {}
        wanted = list(dict.fromkeys(key for key in keys if key not in cached))
        lately, theirs, mine = self._share(wanted) if group.reuse else ({}, {}, wanted)
        cached |= lately
        fresh: dict[str, Sentiment | DocumentError] = {}
        try:
            if mine:
                comprehend = self.clients.get("comprehend", aws.comprehend_client)
                text_of = dict(zip(keys, texts, strict=True))  # a key's texts are the same
                answers = detect_sentiments(comprehend, [text_of[k] for k in mine], group.language)
                fresh = dict(zip(mine, answers, strict=True))
                sentiment_cache.store(
                    table, {k: a for k, a in fresh.items() if isinstance(a, Sentiment)}
                )
        finally:
            if group.reuse:
                self._paid(mine, fresh)
        for key, waiting in theirs.items():
            answer = waiting.result()
            if answer is None:
                raise RuntimeError("the batch paying for this text failed; worth a retry")
            if isinstance(answer, Sentiment):
                cached[key] = answer  # paid for by the other batch: this row cost nothing
            else:
                fresh[key] = answer
        scored: list[Scored | DocumentError] = []
        for key in keys:
            if key in cached:
                scored.append(Scored(cached[key], "cache"))
            elif isinstance(fresh[key], Sentiment):
                scored.append(Scored(fresh[key], "comprehend"))
            else:
                scored.append(fresh[key])
        return scored

    def _share(self, keys: list[str]) -> tuple[dict[str, Sentiment], dict[str, Future], list[str]]:
        """Of ``keys``: those paid for lately (with their answers), those another batch
        is paying for (with the answer to wait for), and the rest, now marked as paid
        for by this one."""
        with self._paying_lock:
            lately = {key: self._paid_lately[key] for key in keys if key in self._paid_lately}
            theirs = {key: self._paying[key] for key in keys if key in self._paying}
            mine = [key for key in keys if key not in lately and key not in theirs]
            for key in mine:
                self._paying[key] = Future()
        return lately, theirs, mine

    def _paid(self, keys: list[str], answers: dict[str, Sentiment | DocumentError]) -> None:
        """Hand the answers of ``keys`` to the batches waiting for them (None: the call
        failed)."""
        with self._paying_lock:
            for key in keys:
                self._paying.pop(key).set_result(answers.get(key))
                if isinstance(answers.get(key), Sentiment):
                    self._paid_lately[key] = answers[key]
            while len(self._paid_lately) > PAID_LATELY_KEPT:
                self._paid_lately.popitem(last=False)
