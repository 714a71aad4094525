"""The result file of a date: where it lives, its two formats and the run's error budget.

One object per logical date, ``<prefix>ds=YYYY-MM-DD/<table>_sentiment.<csv|parquet>``,
written whole on every run of that date, so a re-run or backfill replaces it and never
appends. ``ds=YYYY-MM-DD`` is a Hive partition: lake readers (pyarrow, pandas, Athena,
Spark) take the date from the key, so the file holds no date column of its own.

- **CSV**, the book's format: types are not stored; numbers are written as numbers and a
  missing value as an empty field (never ``nan``). No field holds a line break.
- **Parquet**: the same columns with their types stored (strings, 64-bit floats and
  integers), identical on every date, whatever the date's rows hold.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from airflow.sdk.exceptions import AirflowFailException

# pandas dtypes of the row columns (rows.COLUMNS) and the Arrow types they are stored as.
ARROW_TYPES = {"string": "string", "Float64": "float64", "Int64": "int64"}


def _frame(rows: Sequence[dict], columns: Mapping[str, str]):
    """The rows as typed columns; an empty text is a missing value, as a CSV reader sees
    it, so both formats read back the same (``error`` of an ``ok`` row is null)."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns)).astype(dict(columns))
    text = [name for name, dtype in columns.items() if dtype == "string"]
    frame[text] = frame[text].replace("", pd.NA)
    return frame


def to_csv(rows: Sequence[dict], columns: Mapping[str, str]) -> bytes:
    """CSV of ``rows`` with exactly ``columns`` (name -> pandas dtype), rows in order."""
    return _frame(rows, columns).to_csv(index=False).encode("utf-8")


def arrow_schema(columns: Mapping[str, str]):
    """The Arrow schema of ``columns``: the same on every date, even for a column that
    is empty in all of a date's rows (Parquet would otherwise store it as ``null``)."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, ARROW_TYPES[dtype])()) for name, dtype in columns.items()])


def to_parquet(rows: Sequence[dict], columns: Mapping[str, str]) -> bytes:
    """Parquet of ``rows`` with exactly ``columns``, typed by :func:`arrow_schema`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(
        _frame(rows, columns), schema=arrow_schema(columns), preserve_index=False
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class FileFormat:
    extension: str
    content_type: str
    encode: Callable[[Sequence[dict], Mapping[str, str]], bytes]


FORMATS = {
    "csv": FileFormat("csv", "text/csv; charset=utf-8", to_csv),
    "parquet": FileFormat("parquet", "application/vnd.apache.parquet", to_parquet),
}


def result_key(prefix: str, ds: str, table_name: str, file_format: str = "csv") -> str:
    """``sentiment/ds=YYYY-MM-DD/fang_sentiment.csv`` for the default prefix and table."""
    extension = FORMATS[file_format].extension
    return f"{prefix.strip('/')}/ds={ds}/{table_name}_sentiment.{extension}"


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
