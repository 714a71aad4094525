"""The company_sentiment DAG end to end (``dag.test()``) on the local AWS and Wikipedia.

One seeded table of 36 companies; the Wikipedia stand-in is told to fail some calls:
Sony always answers HTTP 500 (an ``error`` row after the last retry), Intel fails once
(the task retry recovers) and Spotify is throttled once with Retry-After (recovered
inside the task).
"""

from __future__ import annotations

import csv
import io
import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from dev.standins.wikipedia_query import Corpus
from enrichment.company_sentiment.rows import COLUMNS

DS = "2026-11-20"
# name -> (status, resolved Wikipedia title, sentiment from the local Comprehend)
EXPECTED = {
    "Airbus": ("ok", "Airbus", "POSITIVE"),
    "Amazon": ("ok", "Amazon (company)", "NEUTRAL"),
    "Apple": ("ok", "Apple Inc.", "POSITIVE"),
    # Its praise comes after the first 500 characters, which is all Comprehend is sent.
    "Berkshire Hathaway": ("ok", "Berkshire Hathaway", "NEUTRAL"),
    "Boeing": ("ok", "Boeing", "NEGATIVE"),
    "Coca-Cola Company": ("ok", "The Coca-Cola Company", "NEUTRAL"),
    "Delta": ("ambiguous", "Delta", ""),
    "Enron": ("ok", "Enron", "NEGATIVE"),
    "Facebook": ("ok", "Facebook", "MIXED"),
    "Globex Corporation": ("not_found", "Globex Corporation", ""),
    "Google": ("ok", "Google", "NEUTRAL"),
    "IBM": ("ok", "IBM", "NEUTRAL"),
    "Intel": ("ok", "Intel", "NEUTRAL"),
    "L'Oréal": ("ok", "L'Oréal", "POSITIVE"),
    "Lehman Brothers": ("ok", "Lehman Brothers", "NEGATIVE"),
    "Meta": ("ok", "Meta Platforms", "NEUTRAL"),
    "Microsoft": ("ok", "Microsoft", "NEUTRAL"),
    "Nestlé": ("ok", "Nestlé", "MIXED"),
    "Netflix": ("ok", "Netflix", "POSITIVE"),
    "Nvidia": ("ok", "Nvidia", "POSITIVE"),
    "Oracle": ("ok", "Oracle Corporation", "NEUTRAL"),
    "PepsiCo": ("ok", "PepsiCo", "NEUTRAL"),
    "Pfizer": ("ok", "Pfizer", "POSITIVE"),
    "Royal Dutch Shell": ("ok", "Shell plc", "NEGATIVE"),
    "Samsung Electronics": ("ok", "Samsung Electronics", "POSITIVE"),
    "Siemens": ("ok", "Siemens", "NEUTRAL"),
    "Société Générale": ("ok", "Société Générale", "NEGATIVE"),
    "Sony": ("error", "Sony", ""),
    "Spotify": ("ok", "Spotify", "POSITIVE"),
    "Tesla Motors": ("ok", "Tesla, Inc.", "NEUTRAL"),
    "Theranos": ("ok", "Theranos", "NEGATIVE"),
    "Toyota": ("ok", "Toyota", "POSITIVE"),
    "Unilever": ("ok", "Unilever", "NEUTRAL"),
    "Volkswagen": ("ok", "Volkswagen", "NEGATIVE"),
    "Walmart": ("ok", "Walmart", "MIXED"),
    "Zyxwv Holdings": ("not_found", "Zyxwv Holdings", ""),
}
SCORES = ("positive", "negative", "neutral", "mixed")
COST = ("billed_units", "sentiment_source")
CACHE_TABLE = f"sentiment_cache_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    from dev import PROJECT_ROOT

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["company_sentiment"]
    # Retried at once: here what a retry does (Sony's three tries, Intel's second), not how
    # long it waits. The shipped 5 s and 10 s are waited for on a real scheduler by
    # tests/e2e (a company failing its first try) and measured by bench/recovery.py; in
    # dag.test() they cost three runs 45 s of sleep.
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
    return dag


@pytest.fixture
def flaky_wikipedia(wikipedia_control):
    wikipedia_control.fault("Sony", status=500, count=1000)
    wikipedia_control.fault("Intel", status=500, count=1)
    wikipedia_control.fault("Spotify", status=429, count=1, retry_after=0)
    return wikipedia_control


@pytest.fixture(scope="module")
def cache_table(stack) -> str:
    """A sentiment cache of this module's own, so its first run pays for every answer
    whatever ran before it on the session's stand-ins."""
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), CACHE_TABLE, "text_sha256")
    return CACHE_TABLE


def run(dag, ds: str, history: dict[str, str] | None = None, **conf):
    from enrichment.company_sentiment.settings import SentimentSettings

    # dag.test() runs every task in this process, where Airflow resolves a run's conf into
    # the DAG's own Param objects, so a Param one run set would stay for the next: each
    # run names them all (a task process of a real deployment parses the DAG afresh).
    defaults = {
        name: list(spec["default"]) if isinstance(spec["default"], tuple) else spec["default"]
        for name, spec in SentimentSettings.param_specs().items()
    }
    conf = defaults | {"sentiment_cache_table": CACHE_TABLE} | (history or {}) | conf
    return dag.test(logical_date=datetime.fromisoformat(ds).replace(tzinfo=UTC), run_conf=conf)


def without_cost(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows without what differs between a paid answer and the same one from the cache."""
    return [{k: v for k, v in row.items() if k not in COST} for row in rows]


def read_csv(s3, ds: str, table: str = "fang") -> tuple[str, list[dict[str, str]]]:
    prefix = f"sentiment/ds={ds}/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fangsentiment", Prefix=prefix)["Contents"]]
    assert keys == [f"{prefix}{table}_sentiment.csv"]
    text = s3.get_object(Bucket="fangsentiment", Key=keys[0])["Body"].read().decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text)))


def asset_event_extras(run_id: str) -> list[dict]:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_run_id == run_id))
        return [event.extra for event in events]


@pytest.fixture(scope="module")
def corpus():
    return Corpus()


def test_daily_run_writes_one_row_per_company(
    bootstrapped, cache_table, dag, flaky_wikipedia, unlearned_history, aws_control, s3, corpus
):
    dag_run = run(dag, DS, unlearned_history)

    assert dag_run.state == "success"
    text, rows = read_csv(s3, DS)
    assert [row["name"] for row in rows] == sorted(EXPECTED)
    for row in rows:
        status, title, sentiment = EXPECTED[row["name"]]
        assert (row["status"], row["wikipedia_title"], row["sentiment"]) == (
            status,
            title,
            sentiment,
        ), row["name"]
        assert "ds" not in row  # the partition key says the date
        if status != "ok":
            assert row["wikipedia_snippet"] == ""
            assert all(row[c] == "" for c in (*SCORES, "characters_sent", "billed_units"))
            continue
        assert row["error"] == ""
        assert row["wikipedia_snippet"] == corpus.page(title, sentences=1)["extract"]
        scores = {c: float(row[c]) for c in SCORES}
        assert sum(scores.values()) == pytest.approx(1.0, abs=1e-4)
        assert max(scores, key=scores.get).upper() == sentiment
        sent = min(len(row["wikipedia_snippet"]), 500)
        assert int(row["characters_sent"]) == sent
        assert int(row["billed_units"]) == max(3, math.ceil(sent / 100))

    by_name = {row["name"]: row for row in rows}
    assert by_name["Berkshire Hathaway"]["characters_sent"] == "500"
    assert by_name["Sony"]["error"] == "WikipediaError: HTTP 500 for 'Sony': " + (
        '{"error": {"code": "fault", "info": "injected"}}'
    )
    assert by_name["Delta"]["error"] == "disambiguation page"
    assert by_name["Zyxwv Holdings"]["error"] == "no such page"

    enrich = [ti for ti in dag_run.get_task_instances() if ti.task_id == "enrich"]
    assert len(enrich) == len(EXPECTED)
    assert sorted(ti.rendered_map_index for ti in enrich) == sorted(EXPECTED)
    tries = {ti.rendered_map_index: ti.try_number for ti in enrich}
    assert (tries["Sony"], tries["Intel"], tries["Spotify"], tries["Netflix"]) == (3, 2, 1, 1)

    assert asset_event_extras(dag_run.run_id) == [
        {
            "uri": f"s3://fangsentiment/sentiment/ds={DS}/fang_sentiment.csv",
            "ds": DS,
            "companies_table": "fang",
        }
    ]

    # A re-run of the same date rewrites the one object with the same rows; the intros
    # have not changed, so their sentiments come from the cache: no call, no cost.
    aws_control.reset()
    assert run(dag, DS, unlearned_history).state == "success"
    _, again = read_csv(s3, DS)
    assert without_cost(again) == without_cost(rows)
    ok = [row for row in again if row["status"] == "ok"]
    assert {(row["sentiment_source"], row["billed_units"]) for row in ok} == {("cache", "0")}
    assert aws_control.calls("BatchDetectSentiment") == 0

    # Reuse turned off: Comprehend is asked again, and the rows are as on the first run.
    assert run(dag, DS, unlearned_history, reuse_sentiment=False).state == "success"
    assert read_csv(s3, DS)[0] == text
    assert aws_control.calls("BatchDetectSentiment") == len(ok)


def test_too_many_errors_fail_the_run_after_the_file_is_written(
    bootstrapped, cache_table, dag, flaky_wikipedia, unlearned_history, s3, corpus
):
    ds = "2026-11-21"
    dag_run = run(dag, ds, unlearned_history, max_error_share=0.0, sentences=2)

    assert dag_run.state == "failed"
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances() if ti.map_index < 0}
    assert states == {"preflight": "success", "scan": "success", "load": "failed"}
    _, rows = read_csv(s3, ds)
    by_name = {row["name"]: row for row in rows}
    assert len(rows) == len(EXPECTED)
    assert by_name["Sony"]["status"] == "error"
    enron = corpus.page("Enron", sentences=2)["extract"]
    assert by_name["Enron"]["wikipedia_snippet"] == enron
    assert enron.count(". ") == 1


def test_an_empty_table_gives_a_file_with_only_the_header(bootstrapped, cache_table, dag, s3):
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), "no_companies", "name")
    dag_run = run(dag, "2026-11-22", companies_table="no_companies")

    assert dag_run.state == "success"
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states == {
        "preflight": "success",
        "scan": "success",
        "enrich": "skipped",
        "load": "success",
    }
    text, rows = read_csv(s3, "2026-11-22", table="no_companies")
    assert rows == []
    assert text.strip() == ",".join(COLUMNS)


def test_a_failed_scan_writes_nothing_and_load_says_why_without_retrying(
    bootstrapped, cache_table, dag, s3
):
    """Over the cap, the scan fails; load (which runs whatever its upstream did) writes
    no file, which would claim an empty table, and fails at once with the reason."""
    from enrichment.company_sentiment.settings import SentimentSettings
    from enrichment.company_sentiment.tasks import load

    dag_run = run(dag, "2026-11-23", max_companies=1)

    assert dag_run.state == "failed"
    tries = {ti.task_id: (ti.state, ti.try_number) for ti in dag_run.get_task_instances()}
    assert tries["scan"] == ("failed", 1)  # TooManyCompanies: no retry either
    assert tries["load"] == ("failed", 1)
    listed = s3.list_objects_v2(Bucket="fangsentiment", Prefix="sentiment/ds=2026-11-23/")
    assert "Contents" not in listed
    with pytest.raises(Exception, match="scan left no company list for 2026-11-23"):
        load(None, [], [], SentimentSettings(), "2026-11-23")
