"""What a review writes to a company's item in the companies table, and the rule that a
company is never asked about twice at once.

Attributes a review adds beside ``name`` and ``wikipedia_title``:

- ``review_open`` (M): ``{"run_id": S, "until": S}``, set when a review run asks about
  the company (:func:`open_review`) and removed by its answer. A second review run skips
  the company while it is set and ``until`` (the review's timeout plus a day) has not
  passed: a run that was deleted or killed frees its companies by itself.
- ``review_status`` (S): ``title_chosen`` or ``no_article``; company_sentiment files a
  ``no_article`` company with that status and it is not asked about again.
- ``reviewed_by`` (S), ``reviewed_at`` (S, ISO 8601 UTC): who answered, when.

Every write is conditional on the item still existing: an answer about a company that
was deleted meanwhile is logged and ignored, never a new item. Nothing here writes a
``wikipedia_title`` but a person's choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from enrichment.company_sentiment.companies import KEY, NO_ARTICLE

# review_status of a company whose title a person chose (NO_ARTICLE, the table's: none).
TITLE_CHOSEN = "title_chosen"
# A review's mark outlives its timeout by this much, so a run that is slow to apply its
# timeout default never leaves a company open to a second review meanwhile.
OPEN_MARGIN = timedelta(days=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A person's answer about one company: a title, no article, or nothing (``later``)."""

    company: str
    title: str = ""
    no_article: bool = False
    by: str = ""
    at: str = ""

    @property
    def later(self) -> bool:
        return not self.title and not self.no_article


def iso(moment: datetime) -> str:
    """``2026-12-02T10:00:00Z``: one format, so that stored times compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def open_review(
    table, name: str, *, filed_at: datetime, run_id: str, now: datetime, timeout: timedelta
) -> bool:
    """Mark ``name`` as asked about by ``run_id``; False when it must not be asked now.

    Not asked: the company is gone, was answered "no article", was answered after the
    result file that filed it was written at ``filed_at`` (the file is older than the
    answer: a backfill's), or another run's review is open. The same run may mark it
    again (its task's retry).
    """
    values: dict[str, Any] = {
        ":open": {"run_id": run_id, "until": iso(now + timeout + OPEN_MARGIN)},
        ":now": iso(now),
        ":run": run_id,
        ":no_article": NO_ARTICLE,
        ":filed": iso(filed_at),
    }
    condition = (
        "attribute_exists(#name)"
        " AND (attribute_not_exists(review_status) OR review_status <> :no_article)"
        " AND (attribute_not_exists(reviewed_at) OR reviewed_at < :filed)"
        " AND (attribute_not_exists(review_open) OR review_open.#until < :now"
        " OR review_open.run_id = :run)"
    )
    try:
        table.update_item(
            Key={KEY: name},
            UpdateExpression="SET review_open = :open",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#name": KEY, "#until": "until"},
            ExpressionAttributeValues=values,
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        log.info(
            "Not asking about %r: gone from %s, answered since, or under review already",
            name,
            table.name,
        )
        return False
    return True


def record_answer(table, answer: Answer) -> bool:
    """Write ``answer`` to its company's item and close its review; False (logged) when
    the company was deleted meanwhile."""
    values: dict[str, Any] = {}
    sets = []
    if answer.title:
        sets = ["wikipedia_title = :title", "review_status = :status"]
        values = {":title": answer.title, ":status": TITLE_CHOSEN}
    elif answer.no_article:
        sets = ["review_status = :status"]
        values = {":status": NO_ARTICLE}
    if sets:
        sets += ["reviewed_by = :by", "reviewed_at = :at"]
        values |= {":by": answer.by, ":at": answer.at}
    update = (f"SET {', '.join(sets)} " if sets else "") + "REMOVE review_open"
    try:
        table.update_item(
            Key={KEY: answer.company},
            UpdateExpression=update,
            ConditionExpression="attribute_exists(#name)",
            ExpressionAttributeNames={"#name": KEY},
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        log.warning(
            "%r is no longer in %s: its answer %s is ignored", answer.company, table.name, answer
        )
        return False
    return True
