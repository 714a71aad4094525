"""The result file of a date: where it lives, its two formats written and read back, and
the run's error budget.

One object per logical date, ``<prefix>ds=YYYY-MM-DD/<table>_sentiment.<csv|parquet>``,
written whole on every run of that date, so a re-run or backfill replaces it and never
appends. ``ds=YYYY-MM-DD`` is a Hive partition: lake readers (pyarrow, pandas, Athena,
Spark) take the date from the key, so the file holds no date column of its own.

- **CSV**, the book's format: types are not stored; numbers are written as numbers and a
  missing value as an empty field (never ``nan``). No field holds a line break.
- **Parquet**: the same columns with their types stored (strings, 64-bit floats and
  integers), identical on every date, whatever the date's rows hold.

Reading (:func:`parse`, for company_review and the results page) asks for the columns the
contract promises (:data:`REQUIRED_COLUMNS`), so files written before a column was added
still read; a file that cannot be read is a :class:`Parsed` with the problem, never an
exception.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from airflow.sdk.exceptions import AirflowFailException

from enrichment.company_sentiment.rows import COLUMNS, Row

# pandas dtypes of the row columns (rows.COLUMNS) and the Arrow types they are stored as.
ARROW_TYPES = {"string": "string", "Float64": "float64", "Int64": "int64"}
# The columns a result file must have to be read (the contract's "at least"); the rest of
# COLUMNS were added later and are None in older files.
REQUIRED_COLUMNS = (
    "name",
    "wikipedia_title",
    "wikipedia_snippet",
    "sentiment",
    "positive",
    "negative",
    "neutral",
    "mixed",
    "status",
    "error",
)


def _frame(rows: Sequence[Row]):
    """The rows as typed columns; an empty text is a missing value, as a CSV reader sees
    it, so both formats read back the same (``error`` of an ``ok`` row is null)."""
    import pandas as pd

    records = [row.record() for row in rows]
    frame = pd.DataFrame(records, columns=list(COLUMNS)).astype(COLUMNS)
    text = [name for name, dtype in COLUMNS.items() if dtype == "string"]
    frame[text] = frame[text].replace("", pd.NA)
    return frame


def to_csv(rows: Sequence[Row]) -> bytes:
    """CSV of ``rows`` with exactly :data:`COLUMNS`, rows in order."""
    return _frame(rows).to_csv(index=False).encode("utf-8")


def arrow_schema():
    """The Arrow schema of :data:`COLUMNS`: the same on every date, even for a column that
    is empty in all of a date's rows (Parquet would otherwise store it as ``null``)."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, ARROW_TYPES[dtype])()) for name, dtype in COLUMNS.items()])


def to_parquet(rows: Sequence[Row]) -> bytes:
    """Parquet of ``rows`` with exactly :data:`COLUMNS`, typed by :func:`arrow_schema`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_frame(rows), schema=arrow_schema(), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


class UnreadableFile(ValueError):
    """A result file that is not one: the message says why."""


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None  # CSV writes a missing value as an empty field


def _number(kind: type, value: object, column: str, line: int):
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise UnreadableFile(f"row {line}: {column} is {value!r}, not a number") from None


# How a read value becomes a field of Row, by the column's pandas dtype.
_READERS: dict[str, Callable[[object, str, int], object]] = {
    "string": lambda value, column, line: _text(value),
    "Float64": lambda value, column, line: _number(float, value, column, line),
    "Int64": lambda value, column, line: _number(int, value, column, line),
}


def rows_from_records(records: Iterable[Mapping], columns: Iterable[str]) -> dict[str, Row]:
    """Rows by name from dict records with ``columns``; raises :class:`UnreadableFile`."""
    missing = [column for column in REQUIRED_COLUMNS if column not in set(columns)]
    if missing:
        raise UnreadableFile(f"not a company_sentiment result file: no column {', '.join(missing)}")
    rows: dict[str, Row] = {}
    for line, record in enumerate(records, start=1):
        values = {
            column: _READERS[dtype](record.get(column), column, line)
            for column, dtype in COLUMNS.items()
        }
        if values["name"] is None:
            raise UnreadableFile(f"row {line}: no company name")
        if values["name"] in rows:
            raise UnreadableFile(f"row {line}: {values['name']!r} appears twice")
        rows[values["name"]] = Row(**values)
    return rows


def read_csv(data: bytes) -> dict[str, Row]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 text (byte {error.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return rows_from_records(reader, reader.fieldnames or ())
    except csv.Error as error:
        raise UnreadableFile(f"not valid CSV: {error}") from None


def read_parquet(data: bytes) -> dict[str, Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as error:
        raise UnreadableFile(f"not a readable Parquet file: {error}") from None
    return rows_from_records(table.to_pylist(), table.column_names)


@dataclass(frozen=True)
class FileFormat:
    extension: str
    content_type: str
    encode: Callable[[Sequence[Row]], bytes]
    decode: Callable[[bytes], dict[str, Row]]


FORMATS = {
    "csv": FileFormat("csv", "text/csv; charset=utf-8", to_csv, read_csv),
    "parquet": FileFormat("parquet", "application/vnd.apache.parquet", to_parquet, read_parquet),
}


@dataclass(frozen=True)
class Parsed:
    """A file's rows by company name, or why it could not be read."""

    rows: dict[str, Row] = field(default_factory=dict)
    problem: str | None = None


def parse(data: bytes, file_format: str) -> Parsed:
    """The rows of a result file, or the problem that keeps it from being read."""
    try:
        return Parsed(rows=FORMATS[file_format].decode(data))
    except UnreadableFile as error:
        return Parsed(problem=str(error))


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
