"""The shipped Athena table definitions describe the files the DAG writes."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from enrichment.company_sentiment.result_file import ARROW_TYPES
from enrichment.company_sentiment.rows import COLUMNS
from enrichment.company_sentiment.settings import SentimentSettings

ATHENA = files("enrichment.company_sentiment") / "athena"
# Arrow type of a column -> its Athena (Hive) type.
HIVE_TYPES = {"string": "STRING", "float64": "DOUBLE", "int64": "BIGINT"}


def ddl(name: str) -> str:
    return (ATHENA / name).read_text()


def table_columns(text: str) -> dict[str, str]:
    body = re.search(r"CREATE EXTERNAL TABLE[^(]*\((.*?)\)\s*PARTITIONED BY", text, re.S)
    assert body, "no column list"
    lines = body.group(1).replace(",", "\n").splitlines()
    return dict(line.split() for line in lines if line.strip())


def typed(column: str) -> str:
    return HIVE_TYPES[ARROW_TYPES[COLUMNS[column]]]


def test_parquet_table_has_every_file_column_with_its_stored_type():
    assert table_columns(ddl("sentiment_parquet.sql")) == {c: typed(c) for c in COLUMNS}


def test_csv_table_reads_text_and_its_view_types_every_column():
    text = ddl("sentiment_csv.sql")
    assert table_columns(text) == dict.fromkeys(COLUMNS, "STRING")
    view = text[text.index("CREATE OR REPLACE VIEW") :]
    for column in COLUMNS:
        if typed(column) != "STRING":
            assert f"CAST(NULLIF({column}, '') AS {typed(column)}) AS {column}" in view
        else:
            assert re.search(rf"\b{column}\b", view), column
    assert re.search(r"\bds\s+FROM", view)


@pytest.mark.parametrize("name", ["sentiment_csv.sql", "sentiment_parquet.sql"])
def test_tables_sit_on_the_default_location_partitioned_by_projected_date(name):
    text = ddl(name)
    location = f"s3://{SentimentSettings.bucket}/{SentimentSettings.prefix}"
    assert f"LOCATION '{location}'" in text
    assert f"'storage.location.template' = '{location}ds=${{ds}}/'" in text
    assert "PARTITIONED BY (ds STRING)" in text
    assert "'projection.ds.format' = 'yyyy-MM-dd'" in text
    assert "'projection.enabled' = 'true'" in text
