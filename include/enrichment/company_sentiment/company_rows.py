"""One company's row, with the calls of every company asking at the same time coalesced.

:class:`CompanyRows` turns a company into its row: its Wikipedia intro, then for an
``ok`` intro its sentiment. Each of the two asks goes to a :class:`.Coalescer`, which
sends the asks of all companies waiting together as one batched call of
:class:`.BatchedCalls`. In a triggerer process one ``CompanyRows`` serves every company
task running there (:mod:`.trigger`); on a worker a task makes its own for its one
company (:func:`.tasks.enrich`), so both paths run this code.
"""

from __future__ import annotations

from datetime import datetime

from enrichment.company_sentiment.batched_calls import BatchedCalls, SentimentGroup, SummaryGroup
from enrichment.company_sentiment.coalescing import Coalescer
from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.comprehend import BATCH_SIZE
from enrichment.company_sentiment.intros import Summary
from enrichment.company_sentiment.rows import Row, Scored, company_row, no_article_row
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.wikipedia import MAX_IN_FLIGHT, MAX_TITLES

# Comprehend and DynamoDB calls of one process at once; AWS asks no etiquette of us, this
# only bounds the threads a burst of batches takes.
AWS_CALLS_IN_FLIGHT = 4


class CompanyRows:
    """Company rows, with the Wikipedia and Comprehend calls coalesced (see the module)."""

    def __init__(self, calls: BatchedCalls, *, linger: float) -> None:
        self.calls = calls
        # More Wikipedia calls of one process at once would only wait for the
        # deployment's request slots.
        self.intros: Coalescer[SummaryGroup, str, Summary] = Coalescer(
            calls.summaries, max_batch=MAX_TITLES, max_in_flight=MAX_IN_FLIGHT, linger=linger
        )
        self.scores: Coalescer[SentimentGroup, str, Scored] = Coalescer(
            calls.sentiments,
            max_batch=BATCH_SIZE,
            max_in_flight=AWS_CALLS_IN_FLIGHT,
            linger=linger,
        )

    async def row(self, company: Company, settings: SentimentSettings, moment: datetime) -> Row:
        """The row of one company, its article read as it stood at ``moment``; raises
        what is worth a retry."""
        if company.get("no_article"):
            return no_article_row(company)
        wikipedia = SummaryGroup(
            moment,
            settings.sentences,
            settings.request_slots_table,
            settings.wikipedia_slots,
            settings.page_timelines_table,
            settings.revision_texts_table,
        )
        summary = await self.intros.ask(wikipedia, company["wikipedia_title"])
        scored = None
        if summary.status == "ok":
            group = SentimentGroup(
                settings.language, settings.sentiment_cache_table, settings.reuse_sentiment
            )
            scored = await self.scores.ask(group, summary.snippet)
        return company_row(company, summary, scored)
