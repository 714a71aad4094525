"""company_sentiment results over time, read from the date partitions in S3: the pages'
view of them.

Each date is one object, ``<prefix>ds=YYYY-MM-DD/<table>_sentiment.<csv|parquet>``
(:func:`~enrichment.company_sentiment.result_file.result_key`); the date is the partition
key, not a column. One ListObjectsV2 walk of the prefix finds the dates; each file is
fetched and parsed (:func:`~enrichment.company_sentiment.result_file.parse`) once per ETag
(:class:`ParsedFiles`), so a page shown again only lists the prefix. A file that cannot
be read is a problem shown for its date, never an exception for the whole page.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from enrichment.company_sentiment.result_file import FORMATS, Parsed, parse, result_key
from enrichment.company_sentiment.rows import STATUSES, Row
from enrichment.company_sentiment.settings import SentimentSettings

SCORES = ("positive", "negative", "neutral", "mixed")
SENTIMENTS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
# A result file of 1,000 companies is about 300 kB; anything this big is not one.
MAX_FILE_BYTES = 64 * 1024 * 1024
DS = re.compile(r"/ds=(\d{4}-\d{2}-\d{2})/")
FETCH_THREADS = 8


@dataclass(frozen=True)
class PartitionFile:
    """The result object of one date, as listed."""

    ds: str
    key: str
    etag: str
    size: int
    file_format: str


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
    same = (
        row.wikipedia_revision_id is not None
        and row.wikipedia_revision_id == previous.wikipedia_revision_id
    )
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
        before = previous.wikipedia_revision_id if previous else None
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
