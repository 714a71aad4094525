"""company_sentiment results over time, read from the date partitions in S3.

Each date is one object, ``<prefix>ds=YYYY-MM-DD/<table>_sentiment.<csv|parquet>``
(:func:`~enrichment.company_sentiment.result_file.result_key`); the date is the partition
key, not a column. One ListObjectsV2 walk of the prefix finds the dates; each file is
fetched and parsed once per ETag (:class:`ParsedFiles`), so a page shown again only lists
the prefix. A file that cannot be read (not UTF-8, not CSV/Parquet, another table's
columns) is a problem shown for its date, never an exception for the whole page.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from enrichment.company_sentiment.result_file import FORMATS, result_key
from enrichment.company_sentiment.rows import STATUSES
from enrichment.company_sentiment.settings import SentimentSettings

# The columns a result file must have to be shown (the contract's "at least"); the
# pipeline writes more (rows.COLUMNS), which are not needed here.
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
# Written since files name the revision they describe; older files have none.
REVISION_COLUMNS = ("wikipedia_revision_id", "wikipedia_revision_timestamp")
SCORES = ("positive", "negative", "neutral", "mixed")
SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
# A result file of 1,000 companies is about 300 kB; anything this big is not one.
MAX_FILE_BYTES = 64 * 1024 * 1024
DS = re.compile(r"/ds=(\d{4}-\d{2}-\d{2})/")
FETCH_THREADS = 8


@dataclass(frozen=True, slots=True)
class Row:
    """One company on one date, as the result file has it (scores None when missing)."""

    name: str
    wikipedia_title: str | None
    snippet: str | None
    sentiment: str | None
    positive: float | None
    negative: float | None
    neutral: float | None
    mixed: float | None
    status: str | None
    error: str | None
    revision_id: int | None = None
    revision_timestamp: str | None = None


@dataclass(frozen=True)
class PartitionFile:
    """The result object of one date, as listed."""

    ds: str
    key: str
    etag: str
    size: int
    file_format: str


@dataclass(frozen=True)
class Parsed:
    """A file's rows by company name, or why it could not be read."""

    rows: dict[str, Row] = field(default_factory=dict)
    problem: str | None = None


class UnreadableFile(ValueError):
    """A result file that is not one: the message says why, for the page."""


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None  # CSV writes a missing value as an empty field


def _revision_id(value: object, line: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise UnreadableFile(f"row {line}: wikipedia_revision_id is {value!r}") from None


def _score(value: object, column: str, line: int) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UnreadableFile(f"row {line}: {column} is {value!r}, not a number") from None


def rows_from_records(records: Iterable[dict], columns: Iterable[str]) -> dict[str, Row]:
    """Rows by name from dict records with ``columns``; raises :class:`UnreadableFile`."""
    missing = [column for column in REQUIRED_COLUMNS if column not in set(columns)]
    if missing:
        raise UnreadableFile(f"not a company_sentiment result file: no column {', '.join(missing)}")
    rows: dict[str, Row] = {}
    for line, record in enumerate(records, start=1):
        name = _text(record["name"])
        if name is None:
            raise UnreadableFile(f"row {line}: no company name")
        if name in rows:
            raise UnreadableFile(f"row {line}: {name!r} appears twice")
        rows[name] = Row(
            name=name,
            wikipedia_title=_text(record["wikipedia_title"]),
            snippet=_text(record["wikipedia_snippet"]),
            sentiment=_text(record["sentiment"]),
            positive=_score(record["positive"], "positive", line),
            negative=_score(record["negative"], "negative", line),
            neutral=_score(record["neutral"], "neutral", line),
            mixed=_score(record["mixed"], "mixed", line),
            status=_text(record["status"]),
            error=_text(record["error"]),
            revision_id=_revision_id(record.get("wikipedia_revision_id"), line),
            revision_timestamp=_text(record.get("wikipedia_revision_timestamp")),
        )
    return rows


def parse_csv(data: bytes) -> dict[str, Row]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 text (byte {error.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return rows_from_records(reader, reader.fieldnames or ())
    except csv.Error as error:
        raise UnreadableFile(f"not valid CSV: {error}") from None


def parse_parquet(data: bytes) -> dict[str, Row]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as error:
        raise UnreadableFile(f"not a readable Parquet file: {error}") from None
    return rows_from_records(table.to_pylist(), table.column_names)


PARSERS: dict[str, Callable[[bytes], dict[str, Row]]] = {
    "csv": parse_csv,
    "parquet": parse_parquet,
}


def parse(data: bytes, file_format: str) -> Parsed:
    """The rows of a result file, or the problem that keeps it from being read."""
    try:
        return Parsed(rows=PARSERS[file_format](data))
    except UnreadableFile as error:
        return Parsed(problem=str(error))


class ParsedFiles:
    """Parsed result files by (bucket, key, ETag), the most recently used kept.

    An object rewritten by a re-run gets a new ETag, so a cached parse is never stale.
    """

    def __init__(self, capacity: int = 192) -> None:
        self.capacity = capacity
        self._parsed: OrderedDict[tuple[str, str, str], Parsed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, bucket: str, file: PartitionFile) -> Parsed | None:
        with self._lock:
            parsed = self._parsed.get((bucket, file.key, file.etag))
            if parsed is not None:
                self._parsed.move_to_end((bucket, file.key, file.etag))
            return parsed

    def put(self, bucket: str, file: PartitionFile, parsed: Parsed) -> None:
        with self._lock:
            self._parsed[(bucket, file.key, file.etag)] = parsed
            while len(self._parsed) > self.capacity:
                self._parsed.popitem(last=False)


def list_partitions(s3, settings: SentimentSettings) -> dict[str, list[PartitionFile]]:
    """Date -> the table's result objects under the prefix (one, unless a partition holds
    both formats), newest date last; other objects under the prefix are ignored."""
    found: dict[str, list[PartitionFile]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    prefix = f"{settings.prefix.strip('/')}/ds="
    for page in paginator.paginate(Bucket=settings.bucket, Prefix=prefix):
        for listed in page.get("Contents", []):
            match = DS.search("/" + listed["Key"])
            if not match:
                continue
            ds = match.group(1)
            for file_format in FORMATS:
                if listed["Key"] == result_key(
                    settings.prefix, ds, settings.companies_table, file_format
                ):
                    found.setdefault(ds, []).append(
                        PartitionFile(
                            ds, listed["Key"], listed["ETag"], listed["Size"], file_format
                        )
                    )
    return dict(sorted(found.items()))


@dataclass
class History:
    """The last dates of a table's results: rows by date and name, problems by date."""

    dates: list[str]
    rows: dict[str, dict[str, Row]]
    problems: dict[str, str]
    files: dict[str, PartitionFile]

    @property
    def readable_dates(self) -> list[str]:
        return [ds for ds in self.dates if ds in self.rows]

    def companies(self) -> list[str]:
        return sorted({name for rows in self.rows.values() for name in rows})

    def series(self, name: str) -> list[tuple[str, Row | None]]:
        """The company's row on each readable date (None where it has none)."""
        return [(ds, self.rows[ds].get(name)) for ds in self.readable_dates]


def _fetch(s3, bucket: str, file: PartitionFile, cache: ParsedFiles) -> Parsed:
    if file.size > MAX_FILE_BYTES:
        return Parsed(problem=f"{file.size:,} bytes: too big for a result file")
    parsed = cache.get(bucket, file)
    if parsed is None:
        from botocore.exceptions import ClientError

        try:
            response = s3.get_object(Bucket=bucket, Key=file.key)
        except ClientError as error:  # removed or replaced since it was listed
            return Parsed(problem=f"cannot read it: {error}")
        parsed = parse(response["Body"].read(), file.file_format)
        # Filed under the ETag of the bytes read: rewritten since the listing, the next
        # listing names that ETag.
        cache.put(bucket, replace(file, etag=response["ETag"]), parsed)
    return parsed


def read_files(
    s3, bucket: str, files: list[PartitionFile], cache: ParsedFiles
) -> dict[str, Parsed]:
    """Each file parsed (from the cache when its ETag is known), by date; files not
    cached yet are fetched side by side."""
    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        parsed = pool.map(lambda file: _fetch(s3, bucket, file, cache), files)
        return {file.ds: result for file, result in zip(files, parsed, strict=True)}


def _one_file(ds: str, files: list[PartitionFile]) -> tuple[PartitionFile, str | None]:
    """The file to read for a date, and a note when the partition holds two formats."""
    if len(files) == 1:
        return files[0], None
    names = " and ".join(file.key.rsplit("/", 1)[1] for file in files)
    return files[0], f"the partition holds {names}; showing the {files[0].file_format} one"


def load_history(s3, settings: SentimentSettings, dates: int, cache: ParsedFiles) -> History:
    """The last ``dates`` dates with a result file for the settings' table."""
    partitions = list_partitions(s3, settings)
    chosen = list(partitions)[-dates:]
    problems: dict[str, str] = {}
    files: dict[str, PartitionFile] = {}
    for ds in chosen:
        files[ds], note = _one_file(ds, partitions[ds])
        if note:
            problems[ds] = note
    parsed = read_files(s3, settings.bucket, list(files.values()), cache)
    rows = {}
    for ds, result in parsed.items():
        if result.problem:
            problems[ds] = f"{files[ds].key}: {result.problem}"
        else:
            rows[ds] = result.rows
    return History(dates=chosen, rows=rows, problems=problems, files=files)


def read_date(s3, settings: SentimentSettings, ds: str, cache: ParsedFiles) -> tuple[str, Parsed]:
    """The result file of one date (a DAG run's): its key and rows, or what is wrong."""
    partitions = list_partitions(s3, settings)
    if ds not in partitions:
        key = result_key(settings.prefix, ds, settings.companies_table, settings.output_format)
        return key, Parsed(
            problem=f"no result file for {ds} (looked for s3://{settings.bucket}/{key})"
        )
    file, note = _one_file(ds, partitions[ds])
    parsed = read_files(s3, settings.bucket, [file], cache)[ds]
    if note and not parsed.problem:
        return file.key, Parsed(rows=parsed.rows, problem=note)
    return file.key, parsed


def change(row: Row, previous: Row | None) -> str | None:
    """How ``row`` differs from the date before's: ``"article"`` when its sentiment (or
    status) changed with a new revision of the article, ``"scores"`` when it changed on
    the same revision (Comprehend answered differently, or the cache was refreshed: rare,
    and worth a look), None when its sentiment and status are the same."""
    if previous is None or (row.sentiment, row.status) == (previous.sentiment, previous.status):
        return None
    same = row.revision_id is not None and row.revision_id == previous.revision_id
    return "scores" if same else "article"


@dataclass(frozen=True)
class CompanyLine:
    """A company on the overview: its latest row, the one before, and its series."""

    name: str
    latest_ds: str
    latest: Row
    previous: Row | None
    series: list[tuple[str, Row | None]]

    @property
    def change(self) -> str | None:
        """How its latest row differs from the date before's (:func:`change`)."""
        return change(self.latest, self.previous)

    @property
    def changed(self) -> bool:
        """Its sentiment (or status) differs from the date before its latest."""
        return self.change is not None


@dataclass(frozen=True)
class CompanyDate:
    """A company on one date of its page: its row, how it differs from the date before
    (:func:`change`) and the revision that row described, to show what changed."""

    ds: str
    row: Row | None
    change: str | None = None
    previous_revision_id: int | None = None


def company_dates(series: list[tuple[str, Row | None]]) -> list[CompanyDate]:
    """The dates of a company's series, each compared with the last date before it that
    has a row."""
    dates, previous = [], None
    for ds, row in series:
        if row is None:
            dates.append(CompanyDate(ds, None))
            continue
        before = previous.revision_id if previous else None
        dates.append(CompanyDate(ds, row, change(row, previous), before))
        previous = row
    return dates


def company_lines(history: History) -> list[CompanyLine]:
    """One line per company seen on any of the dates, by name."""
    lines = []
    for name in history.companies():
        series = history.series(name)
        present = [(ds, row) for ds, row in series if row is not None]
        latest_ds, latest = present[-1]
        previous = None
        position = [ds for ds, _ in series].index(latest_ds)
        if position > 0:
            previous = series[position - 1][1]
        lines.append(CompanyLine(name, latest_ds, latest, previous, series))
    return lines


@dataclass(frozen=True)
class Filters:
    """The overview's filters; None or False lets everything through."""

    status: str | None = None
    sentiment: str | None = None
    changed: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}: one of {', '.join(STATUSES)}")
        if self.sentiment is not None and self.sentiment not in SENTIMENTS:
            raise ValueError(
                f"unknown sentiment {self.sentiment!r}: one of {', '.join(SENTIMENTS)}"
            )

    def keep(self, line: CompanyLine) -> bool:
        return (
            (self.status is None or line.latest.status == self.status)
            and (self.sentiment is None or line.latest.sentiment == self.sentiment)
            and (not self.changed or line.changed)
            and (not self.name or self.name.casefold() in line.name.casefold())
        )


def sentiment_counts(history: History) -> list[tuple[str, dict[str, int]]]:
    """Per readable date, companies per sentiment label (rows without one: ``none``)."""
    counts = []
    for ds in history.readable_dates:
        per_label = dict.fromkeys((*SENTIMENTS, "none"), 0)
        for row in history.rows[ds].values():
            per_label[row.sentiment if row.sentiment in SENTIMENTS else "none"] += 1
        counts.append((ds, per_label))
    return counts
