"""The result file of a date: where it lives, its CSV form and the run's error budget.

One object per logical date, ``<prefix>ds=YYYY-MM-DD/<table>_sentiment.csv``, written
whole on every run of that date, so a re-run or backfill replaces it and never appends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airflow.sdk.exceptions import AirflowFailException

CONTENT_TYPE = "text/csv; charset=utf-8"


def result_key(prefix: str, ds: str, table_name: str) -> str:
    """``sentiment/ds=YYYY-MM-DD/fang_sentiment.csv`` for the default prefix and table."""
    return f"{prefix.strip('/')}/ds={ds}/{table_name}_sentiment.csv"


def to_csv(rows: Sequence[dict], columns: Mapping[str, str]) -> str:
    """CSV text of ``rows`` with exactly ``columns`` (name -> pandas dtype), rows in order."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns)).astype(dict(columns))
    return frame.to_csv(index=False)


class TooManyErrors(AirflowFailException):
    """More companies ended in ``error`` than the run tolerates."""


@dataclass(frozen=True)
class Written:
    """A result file as written: where, how many rows, how many of them ``error``."""

    uri: str
    rows: int
    errors: int

    @property
    def error_share(self) -> float:
        return self.errors / self.rows if self.rows else 0.0

    def check_error_share(self, max_error_share: float) -> None:
        """Fail the run when too many companies ended in ``error`` (the file is written)."""
        if self.error_share > max_error_share:
            raise TooManyErrors(
                f"{self.errors} of {self.rows} companies ended in error "
                f"({self.error_share:.0%} > max_error_share {max_error_share:.0%}); "
                f"see {self.uri}"
            )
