"""The two batched calls of company_sentiment, made with the clients of their holder.

:meth:`BatchedCalls.summaries` finds the leads of up to :data:`TITLES_PER_CALL` titles as
they stood at a moment (:mod:`.article_leads`: one request for all of them on a daily
run); :meth:`BatchedCalls.sentiments` answers up to :data:`TEXTS_PER_CALL` texts, from the
sentiment cache where it may and from one BatchDetectSentiment call for the rest, and
keeps the new answers in the cache. Both take the run's settings as they are.

They are blocking calls: in the triggerer, made from a coalescer's threads for every
company asking together (:mod:`.trigger`); on a worker, :meth:`BatchedCalls.row` makes
them for its one company. Clients come from :class:`enrichment.clients.Clients`, built on
first use: once per process in the triggerer, once per task on a worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import datetime

from enrichment import aws
from enrichment.clients import Clients
from enrichment.company_sentiment import sentiment_cache
from enrichment.company_sentiment.article_leads import Sources, Summary, leads_at
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.comprehend import (
    BATCH_SIZE,
    DocumentError,
    Sentiment,
    cut_text,
    detect_sentiments,
)
from enrichment.company_sentiment.rows import Row, Scored, company_row, no_article_row
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.wikipedia.client import WikipediaClient, request_slots_in
from enrichment.wikipedia.queries import MAX_TITLES

# Titles per summaries call: the most one Wikipedia query asks about.
TITLES_PER_CALL = MAX_TITLES
# Texts per sentiments call: the most one BatchDetectSentiment call takes.
TEXTS_PER_CALL = BATCH_SIZE
# Answers kept in memory after they were paid for: the texts of a few runs in flight.
PAID_LATELY_KEPT = 10_000


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

    def row(self, company: Company, settings: SentimentSettings, moment: datetime) -> Row:
        """The row of one company, its article read as it stood at ``moment``, its two
        calls made for it alone; raises what is worth a retry."""
        if company.get("no_article"):
            return no_article_row(company)
        summary = self.summaries(settings, moment, [company["wikipedia_title"]])[0]
        scored = self.sentiments(settings, [summary.snippet])[0] if summary.status == "ok" else None
        return company_row(company, summary, scored)

    def summaries(
        self, settings: SentimentSettings, moment: datetime, titles: Sequence[str]
    ) -> list[Summary]:
        """The lead of each of ``titles`` (at most :data:`TITLES_PER_CALL`) at ``moment``,
        with the run's sentences, request slots and history tables, in order."""
        patience = self.wikipedia_patience
        slots_table, slots = settings.request_slots_table, settings.wikipedia_slots
        sources = Sources(
            self.clients.get("wikipedia", lambda: WikipediaClient(patience=patience)),
            self.clients.get(
                f"slots {slots_table} {slots}",
                lambda: request_slots_in(self._table(slots_table), slots),
            ),
            self._table(settings.page_timelines_table),
            self._table(settings.revision_texts_table),
        )
        answers = leads_at(sources, titles, moment, settings.sentences)
        return [answers[title] for title in titles]

    def _table(self, name: str):
        """DynamoDB table ``name``, from the one DynamoDB resource of the holder."""
        dynamodb = self.clients.get("dynamodb", aws.dynamodb_resource)
        return self.clients.get(f"table {name}", lambda: dynamodb.Table(name))

    def sentiments(
        self, settings: SentimentSettings, texts: Sequence[str]
    ) -> list[Scored | DocumentError]:
        """The sentiment of each of ``texts`` (at most :data:`TEXTS_PER_CALL`) in the run's
        language, in order: cached answers where ``reuse_sentiment`` allows, one
        BatchDetectSentiment call for the others. A text
        another batch of the process is paying for right now is waited for, not paid for
        twice (the runs of a backfill often meet the same text at once)."""
        language, reuse = settings.language, settings.reuse_sentiment
        keys = [sentiment_cache.cache_key(language, cut_text(text)) for text in texts]
        table = self._table(settings.sentiment_cache_table)
        cached = sentiment_cache.lookup(table, keys) if reuse else {}
        wanted = list(dict.fromkeys(key for key in keys if key not in cached))
        lately, theirs, mine = self._share(wanted) if reuse else ({}, {}, wanted)
        cached |= lately
        fresh: dict[str, Sentiment | DocumentError] = {}
        try:
            if mine:
                comprehend = self.clients.get("comprehend", aws.comprehend_client)
                text_of = dict(zip(keys, texts, strict=True))  # a key's texts are the same
                answers = detect_sentiments(comprehend, [text_of[k] for k in mine], language)
                fresh = dict(zip(mine, answers, strict=True))
                sentiment_cache.store(
                    table, {k: a for k, a in fresh.items() if isinstance(a, Sentiment)}
                )
        finally:
            if reuse:
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
