"""The result file: one row per company, its key per logical date, and the error budget."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.result_file import TooManyErrors, Written, result_key, to_csv
from enrichment.company_sentiment.rows import COLUMNS, complete_rows, error_row
from enrichment.run_date import partition_date

DS = "2026-11-20"
AMAZON = Company(name="Amazon", wikipedia_title="Amazon (company)")
NETFLIX = Company(name="Netflix", wikipedia_title="Netflix")


def test_key_layout_is_one_object_per_date_and_table():
    assert result_key("sentiment/", DS, "fang") == "sentiment/ds=2026-11-20/fang_sentiment.csv"
    assert result_key("/sentiment", DS, "fang") == "sentiment/ds=2026-11-20/fang_sentiment.csv"


def test_partition_date_falls_back_to_run_after_for_runs_without_logical_date():
    run_after = datetime(2026, 11, 21, 13, 5, tzinfo=UTC)
    scheduled = SimpleNamespace(
        logical_date=datetime(2026, 11, 20, tzinfo=UTC), run_after=run_after
    )
    manual = SimpleNamespace(logical_date=None, run_after=run_after)
    assert partition_date(scheduled) == "2026-11-20"
    assert partition_date(manual) == "2026-11-21"


def test_every_company_gets_a_row_even_when_its_task_returned_nothing():
    ok = error_row(NETFLIX, DS, "placeholder") | {"status": "ok", "error": ""}
    rows = complete_rows([NETFLIX, AMAZON], [ok, None], DS)
    assert [(r["name"], r["status"]) for r in rows] == [("Amazon", "error"), ("Netflix", "ok")]
    assert rows[0]["error"] == "task returned no result (timed out or killed)"
    assert rows[0]["ds"] == DS


def test_csv_has_the_contract_columns_and_integer_counts():
    ok = error_row(NETFLIX, DS, "") | {
        "status": "ok",
        "sentiment": "POSITIVE",
        "positive": 0.75,
        "negative": 0.0,
        "neutral": 0.25,
        "mixed": 0.0,
        "characters_sent": 83,
        "billed_units": 3,
    }
    text = to_csv([error_row(AMAZON, DS, "boom"), ok], COLUMNS)
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header == list(COLUMNS)
    assert lines[0][header.index("status")] == "error"
    assert lines[0][header.index("characters_sent")] == ""
    assert lines[1][header.index("characters_sent")] == "83"
    assert lines[1][header.index("billed_units")] == "3"


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
