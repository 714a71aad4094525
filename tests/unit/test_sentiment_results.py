"""The result file: one row per company, its key per logical date, and the error budget."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.result_file import (
    FORMATS,
    TooManyErrors,
    Written,
    arrow_schema,
    result_key,
    to_csv,
    to_parquet,
)
from enrichment.company_sentiment.rows import (
    COLUMNS,
    Row,
    complete_rows,
    error_row,
    failed_try_row,
    no_article_row,
    outcome,
)
from enrichment.run_date import partition_date

DS = "2026-11-20"
AMAZON = Company(name="Amazon", wikipedia_title="Amazon (company)")
NETFLIX = Company(name="Netflix", wikipedia_title="Netflix")


def test_key_layout_is_one_object_per_date_and_table():
    assert result_key("sentiment/", DS, "fang") == "sentiment/ds=2026-11-20/fang_sentiment.csv"
    assert result_key("/sentiment", DS, "fang") == "sentiment/ds=2026-11-20/fang_sentiment.csv"
    assert (
        result_key("sentiment/", DS, "fang", "parquet")
        == "sentiment/ds=2026-11-20/fang_sentiment.parquet"
    )


def test_the_date_is_the_partition_key_not_a_column():
    assert "ds" not in COLUMNS
    assert "/ds=2026-11-20/" in result_key("sentiment/", DS, "fang")


def test_partition_date_falls_back_to_run_after_for_runs_without_logical_date():
    run_after = datetime(2026, 11, 21, 13, 5, tzinfo=UTC)
    scheduled = SimpleNamespace(
        logical_date=datetime(2026, 11, 20, tzinfo=UTC), run_after=run_after
    )
    manual = SimpleNamespace(logical_date=None, run_after=run_after)
    assert partition_date(scheduled) == "2026-11-20"
    assert partition_date(manual) == "2026-11-21"


def test_every_company_gets_a_row_even_when_its_task_returned_nothing():
    ok = replace(error_row(NETFLIX, "placeholder"), status="ok", error="")
    rows = complete_rows([NETFLIX, AMAZON], [ok, None])
    assert [(r.name, r.status) for r in rows] == [("Amazon", "error"), ("Netflix", "ok")]
    assert rows[0].error == "task returned no result (timed out or killed)"
    assert set(rows[0].record()) == set(COLUMNS)


def test_a_failed_try_row_stands_only_where_no_try_returned_a_row():
    """Intel failed a try, then a retry returned its row; Amazon's last try failed."""
    intel = Company(name="Intel", wikipedia_title="Intel")
    ok = replace(error_row(intel, "placeholder"), status="ok", error="")
    failed = [
        failed_try_row(intel, ConnectionError("reset")),
        failed_try_row(AMAZON, TimeoutError("read timed out")),
    ]
    rows = complete_rows([intel, AMAZON, NETFLIX], [ok], failed)
    assert [(r.name, r.status, r.error) for r in rows] == [
        ("Amazon", "error", "TimeoutError: read timed out"),
        ("Intel", "ok", ""),
        ("Netflix", "error", "task returned no result (timed out or killed)"),
    ]


def test_a_row_reads_back_from_its_record_and_from_the_json_text_airflow_stores():
    """A triggerer task's row is stored by Airflow as ``json.dumps`` of its record."""
    row = ok_row()
    assert Row.from_record(row.record()) == row
    assert Row.from_record(json.dumps(row.record())) == row


def ok_row():
    return replace(
        error_row(NETFLIX, ""),
        status="ok",
        sentiment="POSITIVE",
        positive=0.75,
        negative=0.0,
        neutral=0.25,
        mixed=0.0,
        characters_sent=83,
        billed_units=3,
        sentiment_source="comprehend",
    )


def test_a_rows_outcome_is_the_one_line_its_company_log_keeps():
    airbus: Company = {"name": "Airbus", "wikipedia_title": "Airbus"}
    ok = replace(
        error_row(airbus, ""),
        status="ok",
        sentiment="POSITIVE",
        sentiment_source="cache",
        wikipedia_revision_id=1278102400,
    )
    assert outcome(ok) == "Airbus: ok, POSITIVE from cache ('Airbus' revision 1278102400)"
    failed = failed_try_row(airbus, TimeoutError("Wikipedia did not answer"))
    assert outcome(failed) == "Airbus: error, TimeoutError: Wikipedia did not answer ('Airbus')"
    assert outcome(no_article_row(airbus)) == (
        "Airbus: no_article, no Wikipedia article (company_review) ('Airbus')"
    )
    assert outcome(error_row(airbus, "line one\n  line two")) == (
        "Airbus: error, line one line two ('Airbus')"
    )


def test_csv_has_the_contract_columns_integer_counts_and_empty_missing_values():
    text = to_csv([error_row(AMAZON, "boom"), ok_row()]).decode("utf-8")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header == list(COLUMNS)
    error, ok = (dict(zip(header, line, strict=True)) for line in lines)
    assert error["status"] == "error"
    assert error["characters_sent"] == error["positive"] == error["sentiment"] == ""
    assert ok["characters_sent"] == "83"
    assert ok["billed_units"] == "3"
    assert ok["positive"] == "0.75"
    assert "nan" not in text.lower()


def read_parquet(data: bytes):
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data))


def test_parquet_columns_have_the_same_types_whatever_the_rows_hold():
    """A date whose every row failed has no score at all; its file still says double."""
    mixed = read_parquet(to_parquet([error_row(AMAZON, "boom"), ok_row()]))
    all_failed = read_parquet(to_parquet([error_row(AMAZON, "boom")]))
    empty = read_parquet(to_parquet([]))
    assert mixed.schema.names == list(COLUMNS)
    for table in (mixed, all_failed, empty):
        assert table.schema.remove_metadata() == arrow_schema()
    assert str(arrow_schema().field("positive").type) == "double"
    assert str(arrow_schema().field("billed_units").type) == "int64"
    assert mixed.to_pylist()[1]["positive"] == 0.75
    assert mixed.to_pylist()[0]["positive"] is None
    assert mixed.to_pylist()[0]["error"] == "boom"
    assert mixed.to_pylist()[1]["error"] is None  # missing, as a CSV reader sees ""


def test_each_format_has_its_own_extension_and_content_type():
    assert {name: (f.extension, f.content_type) for name, f in FORMATS.items()} == {
        "csv": ("csv", "text/csv; charset=utf-8"),
        "parquet": ("parquet", "application/vnd.apache.parquet"),
    }


@pytest.mark.parametrize(
    ("errors", "threshold", "fails"),
    [
        pytest.param(0, 0.0, False, id="no-errors"),
        pytest.param(2, 0.2, False, id="at-threshold-passes"),
        pytest.param(3, 0.2, True, id="above-threshold-fails"),
        pytest.param(1, 0.0, True, id="zero-tolerance"),
    ],
)
def test_error_share_threshold(errors, threshold, fails):
    written = Written(uri="s3://b/k", rows=10, errors=errors)
    if fails:
        with pytest.raises(TooManyErrors, match=f"{errors} of 10 companies"):
            written.check_error_share(threshold)
    else:
        written.check_error_share(threshold)


def test_empty_table_has_no_error_share():
    Written(uri="s3://b/k", rows=0, errors=0).check_error_share(0.0)
