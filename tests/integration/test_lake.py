"""The sentiment files as a data lake: several dates written through the DAG, read back as
one Hive-partitioned dataset by pyarrow and pandas, in CSV and in Parquet.

The same table name is reused with different companies on each date, so the dates
differ the way real ones do: every row ``ok`` (an empty ``error`` column), a company
Wikipedia does not know (an error text), and no ``ok`` row at all (no score anywhere).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from enrichment.company_sentiment.result_file import arrow_schema
from enrichment.company_sentiment.rows import COLUMNS

TABLE = f"lake_{uuid.uuid4().hex[:8]}"
BUCKET = "fangsentiment"
# Each date's companies: all known, one unknown, none known.
DATES = {
    "2026-10-01": ["Netflix", "Boeing", "Walmart"],
    "2026-10-02": ["Netflix", "Boeing", "Walmart", "Globex Corporation"],
    "2026-10-03": ["Globex Corporation", "Zyxwv Holdings"],
}
FLOATS = ("positive", "negative", "neutral", "mixed")
INTEGERS = ("characters_sent", "billed_units")


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    from dev import PROJECT_ROOT

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["company_sentiment"]


def fill(dynamodb, names: list[str]) -> None:
    """The table holds exactly ``names``."""
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), TABLE, "name")
    table = dynamodb.Table(TABLE)
    for item in table.scan()["Items"]:
        table.delete_item(Key={"name": item["name"]})
    for name in names:
        table.put_item(Item={"name": name})


@pytest.fixture(scope="module")
def written(bootstrapped, dag, dynamodb) -> dict[str, str]:
    """Each format's prefix, with the three dates written through the DAG."""
    prefixes = {fmt: f"lake-{fmt}-{uuid.uuid4().hex[:6]}/" for fmt in ("csv", "parquet")}
    for ds, names in DATES.items():
        fill(dynamodb, names)
        for fmt, prefix in prefixes.items():
            dag_run = dag.test(
                logical_date=datetime.fromisoformat(ds).replace(tzinfo=UTC),
                run_conf={"companies_table": TABLE, "prefix": prefix, "output_format": fmt},
            )
            assert dag_run.state == "success", (ds, fmt)
    return prefixes


def download(s3, prefix: str, into) -> list[str]:
    """What the book's ``aws s3 cp --recursive s3://fangsentiment/<prefix> .`` does: each
    object to the path of its key."""
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    for key in keys:
        target = into / key
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(BUCKET, key, str(target))
    return sorted(keys)


def check(table) -> None:
    """Rows per date, one ``ds`` column (the partition's), stable types."""
    assert table.column_names.count("ds") == 1
    assert table.column_names[:-1] == list(COLUMNS)
    frame = table.to_pandas()
    assert frame.groupby(frame["ds"].astype(str)).size().to_dict() == {
        ds: len(names) for ds, names in DATES.items()
    }
    types = {field.name: str(field.type) for field in table.schema}
    assert {types[name] for name in FLOATS} == {"double"}
    assert {types[name] for name in INTEGERS} == {"int64"}
    assert {types[name] for name in COLUMNS if COLUMNS[name] == "string"} == {"string"}
    by_date = {ds: frame[frame["ds"].astype(str) == ds] for ds in DATES}
    assert by_date["2026-10-03"]["positive"].isna().all()
    assert set(by_date["2026-10-02"]["error"].dropna()) == {"no such page"}


def test_parquet_dates_read_as_one_dataset_with_pyarrow_defaults(written, stack):
    import pyarrow.dataset as ds
    from pyarrow import fs

    s3fs = fs.S3FileSystem(
        endpoint_override=stack.url("aws"),
        access_key="testing",
        secret_key="testing",
        region="us-east-1",
    )
    table = ds.dataset(
        f"{BUCKET}/{written['parquet']}", filesystem=s3fs, format="parquet", partitioning="hive"
    ).to_table()

    check(table)


def test_parquet_dates_read_with_pandas(written, s3, tmp_path):
    import pandas as pd

    keys = download(s3, written["parquet"], tmp_path)
    assert [key.rsplit("/", 2)[1] for key in keys] == [f"ds={ds}" for ds in DATES]
    frame = pd.read_parquet(tmp_path / written["parquet"])

    assert list(frame.columns) == [*COLUMNS, "ds"]
    assert len(frame) == sum(map(len, DATES.values()))
    # pandas' own nullable types, as written: numbers with missing values, not objects
    assert (frame["positive"].dtype, frame["billed_units"].dtype) == ("Float64", "Int64")


def test_csv_dates_read_as_one_dataset_with_the_file_schema(written, s3, tmp_path):
    """CSV stores no types, and pyarrow infers them from the first file alone: a column
    empty on every row of it (``error`` on a clean day) would come out as ``null``. Read
    with the columns' types, as docs/data_lake.md shows, every date reads as one dataset."""
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    keys = download(s3, written["csv"], tmp_path)
    assert keys == [f"{written['csv']}ds={ds}/{TABLE}_sentiment.csv" for ds in DATES]
    types = {field.name: field.type for field in arrow_schema()}
    csv_format = ds.CsvFileFormat(
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
    )
    table = ds.dataset(tmp_path / written["csv"], format=csv_format, partitioning="hive").to_table()

    check(table)


def test_one_csv_file_reads_with_pandas_defaults_as_numbers_and_empty_strings(
    written, s3, tmp_path
):
    import pandas as pd

    download(s3, written["csv"], tmp_path)
    for ds, names in DATES.items():
        path = tmp_path / written["csv"] / f"ds={ds}" / f"{TABLE}_sentiment.csv"
        text = path.read_text()
        assert "nan" not in text.lower()
        assert len(text.splitlines()) == 1 + len(names)  # no line break inside a field
        frame = pd.read_csv(path)
        assert list(frame.columns) == list(COLUMNS)
        assert sorted(frame["name"]) == sorted(names)
        assert {frame[column].dtype.kind for column in FLOATS} == {"f"}, ds


def test_a_date_rewritten_in_the_other_format_keeps_one_file(bootstrapped, dag, dynamodb, s3):
    ds = "2026-10-01"
    fill(dynamodb, DATES[ds])
    prefix = f"lake-switch-{uuid.uuid4().hex[:6]}/"
    for fmt in ("csv", "parquet"):
        dag_run = dag.test(
            logical_date=datetime.fromisoformat(ds).replace(tzinfo=UTC),
            run_conf={"companies_table": TABLE, "prefix": prefix, "output_format": fmt},
        )
        assert dag_run.state == "success"
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}ds={ds}/")["Contents"]
        assert [item["Key"] for item in listed] == [f"{prefix}ds={ds}/{TABLE}_sentiment.{fmt}"]
