"""Every default, limit and name of the ``company_sentiment`` pipeline, in one place.

The DAG's Params are built from :class:`SentimentSettings` (``dag_params()``), and each
task turns its run's params back into it (``from_params()``).
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow.sdk import Asset

from enrichment import request_slots
from enrichment.company_sentiment import companies, page_timelines, revision_texts, sentiment_cache
from enrichment.company_sentiment.comprehend import LANGUAGES
from enrichment.company_sentiment.result_file import FORMATS
from enrichment.preflight import Bucket, Resource, Table
from enrichment.settings import Settings, alerts_topic, setting
from enrichment.wikipedia.client import MAX_IN_FLIGHT


@dataclass(frozen=True)
class SentimentSettings(Settings):
    companies_table: str = setting(
        "fang",
        "DynamoDB table of companies (partition key `name`).",
        minLength=3,
        maxLength=255,
    )
    bucket: str = setting(
        "fangsentiment", "S3 bucket that receives the result file.", minLength=3, maxLength=63
    )
    prefix: str = setting(
        "sentiment/",
        "Key prefix; the file is `<prefix>ds=YYYY-MM-DD/<table>_sentiment.<format>`.",
        minLength=1,
    )
    output_format: str = setting(
        "csv",
        "Result file format: `csv` (the book's) or `parquet` (typed columns, for lake tools).",
        enum=list(FORMATS),
    )
    sentences: int = setting(
        1, "Sentences of the Wikipedia intro to analyse.", minimum=1, maximum=10
    )
    language: str = setting(
        "en", "Comprehend language code of the Wikipedia text.", enum=list(LANGUAGES)
    )
    max_companies: int = setting(
        1000,
        "Fail the scan above this many companies (core.max_map_length caps it).",
        minimum=1,
    )
    sentiment_cache_table: str = setting(
        "sentiment_cache",
        "DynamoDB table of Comprehend answers already paid for (key `text_sha256`).",
        minLength=3,
        maxLength=255,
    )
    reuse_sentiment: bool = setting(
        True,
        "Take a text's sentiment from the cache when it was analysed before; off: ask "
        "Comprehend again and refresh the cache.",
    )
    page_timelines_table: str = setting(
        "page_timelines",
        "DynamoDB table of what is known of each article's revision history (key `title`), "
        "so a backfill reads a page's history about once.",
        minLength=3,
        maxLength=255,
    )
    revision_texts_table: str = setting(
        "revision_texts",
        "DynamoDB table of article leads by revision (key `revision_id`): a revision's "
        "text is fetched once.",
        minLength=3,
        maxLength=255,
    )
    request_slots_table: str = setting(
        "request_slots",
        "DynamoDB table of the deployment's request slots (key `slot`); one per deployment.",
        minLength=3,
        maxLength=255,
    )
    wikipedia_slots: int = setting(
        MAX_IN_FLIGHT,
        "Wikipedia requests in flight at once across the whole deployment (Wikimedia asks "
        "for at most 3).",
        minimum=1,
        maximum=MAX_IN_FLIGHT,
    )
    max_error_share: float = setting(
        0.2,
        "Fail the run when more than this share of companies ended in `error`.",
        minimum=0,
        maximum=1,
    )
    alerts_topic: str = alerts_topic()

    def needs(self) -> list[Resource]:
        """What a run with these settings reads and writes, as the code reads it."""
        return [
            Table(self.companies_table, companies.KEY),
            Table(self.sentiment_cache_table, sentiment_cache.KEY),
            Table(self.page_timelines_table, page_timelines.KEY),
            Table(self.revision_texts_table, revision_texts.KEY),
            Table(self.request_slots_table, request_slots.KEY),
            Bucket(self.bucket),
        ]


# The result files, as the asset company_review is scheduled on. The asset names the
# default location; each event's extra carries the exact object URI (``uri``), its date
# (``ds``) and the companies table the run read (``companies_table``).
RESULT_FILES = Asset(
    name="company_sentiment_csv",
    uri=f"s3://{SentimentSettings.bucket}/{SentimentSettings.prefix.strip('/')}",
)
