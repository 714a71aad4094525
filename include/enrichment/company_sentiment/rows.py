"""One company's sentiment row: Wikipedia intro, then Comprehend, or the reason why not.

Every company in the table ends as exactly one row. ``not_found`` and ``ambiguous`` are
answers about the data (company_review asks a person about them); ``no_article`` is a
person's answer (no article is this company: Wikipedia is not asked); ``error`` is a
failure that outlived the task's retries. An
``ok`` row says where its sentiment came from (``comprehend`` or the ``cache``).

Whether a failed try was the last one is Airflow's decision, not ours: the triggerer is
not told a cleared task's extra tries (it builds its task instance with ``max_tries`` =
the task's ``retries``), and only Airflow applies the real ``max_tries`` when it takes
the failure. So every failed try fails with its :func:`failed_try_row` for
:data:`FAILED_TRY_KEY` (in the triggerer Airflow stores it only for the last try, on a
worker each try stores it); a later try that succeeds returns its row, which wins
(:func:`complete_rows`); when no try succeeded, the last failure's row is the company's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from enrichment.company_sentiment.companies import Company
from enrichment.wikipedia.revisions import format_time

if TYPE_CHECKING:
    from enrichment.company_sentiment.article_leads import Summary
    from enrichment.company_sentiment.comprehend import DocumentError, Sentiment

# Every status a row may have, in the order pages and docs list them.
STATUSES = ("ok", "not_found", "ambiguous", "no_article", "error")

# The XCom key under which a failed try of ``enrich`` leaves its company's error row.
FAILED_TRY_KEY = "failed_try_row"

# Column order and pandas dtypes of the result file; nullable types keep the score and
# count columns numeric (not "3.0", not "nan") in rows that have no sentiment. The date
# is not a column: it is the file's Hive partition key (``ds=YYYY-MM-DD`` in its key),
# where lake readers take it from, and a column of that name would collide with it.
COLUMNS = {
    "name": "string",
    "wikipedia_title": "string",
    "wikipedia_snippet": "string",
    "sentiment": "string",
    "positive": "Float64",
    "negative": "Float64",
    "neutral": "Float64",
    "mixed": "Float64",
    "characters_sent": "Int64",
    "billed_units": "Int64",
    "sentiment_source": "string",
    "status": "string",
    "error": "string",
    # The revision of the article the row describes: the one in effect at the run's moment.
    "wikipedia_revision_id": "Int64",
    "wikipedia_revision_timestamp": "string",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One company on one date: a result file's line, with its :data:`COLUMNS` as fields.

    The pipeline makes it (:func:`company_row` and the rows below) and hands it between
    tasks as :meth:`record` (an XCom is JSON); the result file's reader
    (:mod:`.result_file`) gives it back, a missing value as None.
    """

    name: str
    wikipedia_title: str | None = None
    wikipedia_snippet: str | None = None
    sentiment: str | None = None
    positive: float | None = None
    negative: float | None = None
    neutral: float | None = None
    mixed: float | None = None
    characters_sent: int | None = None
    billed_units: int | None = None
    sentiment_source: str | None = None
    status: str | None = None
    error: str | None = None
    wikipedia_revision_id: int | None = None
    wikipedia_revision_timestamp: str | None = None

    def record(self) -> dict[str, Any]:
        """The row as a dict of its columns, in file order."""
        return {column: getattr(self, column) for column in COLUMNS}

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | str) -> Row:
        """The row a :meth:`record` was made of, or its JSON text: the form Airflow stores a
        triggerer task's row in (:mod:`.triggerer_internals`)."""
        return cls(**(json.loads(record) if isinstance(record, str) else record))


@dataclass(frozen=True)
class Scored:
    """A text's sentiment and where it came from (a paid call, or the cache)."""

    sentiment: Sentiment
    source: Literal["comprehend", "cache"]


def _row(company: Company, status: str, **values: Any) -> Row:
    return Row(
        **{
            "name": company["name"],
            "wikipedia_title": company["wikipedia_title"],
            "wikipedia_snippet": "",
            "status": status,
            "error": "",
            **values,
        }
    )


def _revision(summary: Summary) -> dict[str, Any]:
    if summary.revision is None:
        return {}
    return {
        "wikipedia_revision_id": summary.revision.revid,
        "wikipedia_revision_timestamp": format_time(summary.revision.timestamp),
    }


def company_row(company: Company, summary: Summary, scored: Scored | DocumentError | None) -> Row:
    """The row of a company from its Wikipedia answer and, for an ``ok`` one, its
    sentiment; a sentiment Comprehend could not give (a :class:`DocumentError`) is raised,
    worth a retry."""
    if summary.status != "ok":
        return _row(
            company,
            summary.status,
            wikipedia_title=summary.title,
            error=summary.reason,
            **_revision(summary),
        )
    if isinstance(scored, Exception):
        raise scored
    if scored is None:
        raise ValueError(f"{company['name']!r} has an intro but no sentiment")
    sentiment = scored.sentiment
    return _row(
        company,
        "ok",
        **_revision(summary),
        wikipedia_title=summary.title,
        wikipedia_snippet=summary.snippet,
        sentiment=sentiment.label,
        positive=sentiment.positive,
        negative=sentiment.negative,
        neutral=sentiment.neutral,
        mixed=sentiment.mixed,
        characters_sent=sentiment.characters_sent,
        # What this row cost: nothing when the answer came from the cache.
        billed_units=sentiment.billed_units if scored.source == "comprehend" else 0,
        sentiment_source=scored.source,
    )


def no_article_row(company: Company) -> Row:
    """The row of a company a person said has no Wikipedia article."""
    return _row(company, "no_article", error="no Wikipedia article (company_review)")


def error_row(company: Company, message: str) -> Row:
    return _row(company, "error", error=message)


def failed_try_row(company: Company, error: BaseException) -> Row:
    """The ``error`` row a failed try leaves behind (see the module docstring)."""
    return error_row(company, f"{type(error).__name__}: {error}")


def outcome(row: Row) -> str:
    """A row as the one line its company's task log keeps of a try: the status and what
    an operator looks into next (the article and revision, the sentiment and where it
    came from, or the reason)."""
    article = f"{row.wikipedia_title!r}"
    if row.wikipedia_revision_id is not None:
        article += f" revision {row.wikipedia_revision_id}"
    if row.status == "ok":
        return f"{row.name}: ok, {row.sentiment} from {row.sentiment_source} ({article})"
    reason = " ".join((row.error or "").split())  # one line, whatever the message held
    return f"{row.name}: {row.status}, {reason} ({article})"


def complete_rows(
    companies: Iterable[Company],
    rows: Iterable[Row | None],
    failed_tries: Iterable[Row | None] = (),
) -> list[Row]:
    """One row per company, in name order, whatever the mapped tasks managed to return.

    A company's returned row wins over the row its failed tries left. A mapped task
    killed by its timeout or by a lost worker leaves neither; its company still gets an
    ``error`` row rather than silently vanishing from the file.
    """
    by_name = {row.name: row for row in failed_tries if row}
    by_name |= {row.name: row for row in rows if row}
    complete = []
    for company in sorted(companies, key=lambda c: c["name"]):
        row = by_name.get(company["name"])
        if row is None:
            row = error_row(company, "task returned no result (timed out or killed)")
        complete.append(row)
    return complete
