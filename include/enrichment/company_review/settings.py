"""Every default and limit of the ``company_review`` pipeline, in one place.

The DAG's Params are built from :class:`ReviewSettings` (``dag_params()``), and each task
turns its run's params back into it (``from_params()``). The companies table is not one:
a review works on the table the reviewed company_sentiment run read (its asset event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from enrichment import request_slots
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.preflight import Resource, Table
from enrichment.settings import Settings, alerts_topic, setting


@dataclass(frozen=True)
class ReviewSettings(Settings):
    timeout_days: float = setting(
        7.0,
        "Days a review waits for an answer; then it takes `Ask again later`.",
        exclusiveMinimum=0,
        maximum=365,
    )
    reviewers: tuple[str, ...] = setting(
        (),
        "User names the reviews are assigned to (only they may answer); empty: any user "
        "allowed to answer.",
    )
    max_reviews: int = setting(
        50,
        "Companies asked about per run at most; the others wait for the next run.",
        minimum=1,
        maximum=1000,
    )
    request_slots_table: str = setting(
        SentimentSettings.request_slots_table,
        "DynamoDB table of the deployment's request slots (company_sentiment's).",
        minLength=3,
        maxLength=255,
    )
    wikipedia_slots: int = setting(
        SentimentSettings.wikipedia_slots,
        "Wikipedia requests in flight at once across the whole deployment.",
        minimum=1,
        maximum=SentimentSettings.wikipedia_slots,
    )

    alerts_topic: str = alerts_topic()

    def needs(self) -> list[Resource]:
        """What a run with these settings uses beyond the reviewed run's own table and
        file (its asset event names them; they were just written)."""
        return [Table(self.request_slots_table, request_slots.KEY)]

    @property
    def timeout(self) -> timedelta:
        return timedelta(days=self.timeout_days)
