"""company_sentiment as users run it: unpaused, triggered through the REST API with
Params, and backfilled over three dates (REST API, then again with the CLI), on a real
scheduler with the LocalExecutor and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time

import pytest

from enrichment.local.airflow_local import ApiClient, LocalAirflow
from enrichment.local.wikipedia_api import Corpus
from tests.e2e.conftest import DAG_ID, RUN_TIMEOUT, run_seconds, task_instances, wait_for_run

pytestmark = pytest.mark.e2e

BUCKET = "fangsentiment"
BACKFILL_DATES = ["2026-03-01", "2026-03-02", "2026-03-03"]
# The backfill reads a smaller table through the `companies_table` Param: each mapped task
# waits for one of the 3 Wikipedia pool slots, so 3 dates of all 36 would take minutes.
BACKFILL_TABLE = "fang_backfill"
BACKFILL_COMPANIES = ["Amazon", "Delta", "Enron", "Globex Corporation", "Netflix", "Tesla Motors"]


def read_rows(s3, key: str) -> list[dict[str, str]]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def objects(s3, prefix: str) -> dict[str, dict]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: o for o in listed}


def test_unpausing_schedules_only_the_latest_interval(unpaused):
    assert unpaused["state"] == "success"


def test_triggered_run_with_params_maps_one_task_per_company(
    api, unpaused, s3, company_names, figures
):
    conf = {"prefix": "e2e-rest/", "sentences": 2}
    run = api.post(f"dags/{DAG_ID}/dagRuns", {"logical_date": "2026-11-10T00:00:00Z", "conf": conf})

    run = wait_for_run(api, DAG_ID, run["dag_run_id"])

    assert run["state"] == "success"
    assert run["conf"] == conf
    figures["company_sentiment_run_s"] = round(run_seconds(run), 1)
    figures["company_sentiment_companies"] = len(company_names)
    rows = read_rows(s3, "e2e-rest/ds=2026-11-10/fang_sentiment.csv")
    assert [row["name"] for row in rows] == company_names
    corpus = Corpus()
    for row in rows:
        if row["status"] == "ok":
            assert row["wikipedia_snippet"] == corpus.page(row["wikipedia_title"], 2)["extract"]
    enrich = task_instances(api, DAG_ID, run["dag_run_id"], "enrich")
    assert len(enrich) == len(company_names)
    assert sorted(ti["rendered_map_index"] for ti in enrich) == company_names
    assert {ti["state"] for ti in enrich} == {"success"}


@pytest.fixture(scope="module")
def backfill_table(stack) -> str:
    from enrichment.bootstrap import COMPANIES_FILE, ensure_table, load_companies
    from enrichment.companies import put_companies

    ensure_table(BACKFILL_TABLE, "name")
    seed = [c for c in load_companies(COMPANIES_FILE) if c["name"] in BACKFILL_COMPANIES]
    assert put_companies(BACKFILL_TABLE, seed) == len(BACKFILL_COMPANIES)
    return BACKFILL_TABLE


def backfill_runs(api: ApiClient) -> dict[str, dict]:
    runs = api.get(f"dags/{DAG_ID}/dagRuns", run_type="backfill", limit=100)["dag_runs"]
    by_date = {run["logical_date"][:10]: run for run in runs}
    assert len(by_date) == len(runs), "two backfill runs for one date"
    return by_date


def wait_for_backfill(api: ApiClient, backfill_id: int) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (backfill := api.get(f"backfills/{backfill_id}"))["completed_at"]:
        assert time.monotonic() < deadline, f"backfill {backfill_id} not done"
        time.sleep(1)
    return backfill


def test_backfill_three_dates_then_again_with_the_cli_changes_nothing(
    api, airflow: LocalAirflow, unpaused, s3, backfill_table, figures
):
    conf = {"prefix": "e2e-backfill/", "companies_table": backfill_table}
    key = "e2e-backfill/ds={}/" + backfill_table + "_sentiment.csv"
    started = time.monotonic()
    backfill = api.post(
        "backfills",
        {
            "dag_id": DAG_ID,
            "from_date": f"{BACKFILL_DATES[0]}T00:00:00Z",
            "to_date": f"{BACKFILL_DATES[-1]}T00:00:00Z",
            "dag_run_conf": conf,
            "max_active_runs": 3,
        },
    )
    wait_for_backfill(api, backfill["id"])
    figures[f"backfill_3_dates_{len(BACKFILL_COMPANIES)}_companies_s"] = round(
        time.monotonic() - started, 1
    )

    first = backfill_runs(api)
    assert sorted(first) == BACKFILL_DATES
    assert {run["state"] for run in first.values()} == {"success"}
    written = objects(s3, "e2e-backfill/")
    assert sorted(written) == [key.format(ds) for ds in BACKFILL_DATES]
    rows = {key.format(ds): read_rows(s3, key.format(ds)) for ds in BACKFILL_DATES}
    for ds in BACKFILL_DATES:
        assert [row["name"] for row in rows[key.format(ds)]] == BACKFILL_COMPANIES
        assert {row["ds"] for row in rows[key.format(ds)]} == {ds}
        enrich = task_instances(api, DAG_ID, first[ds]["dag_run_id"], "enrich")
        assert len(enrich) == len(BACKFILL_COMPANIES)

    # The same range again, from the command line, re-running the completed dates.
    started = time.monotonic()
    result = subprocess.run(
        [
            "airflow",
            "backfill",
            "create",
            "--dag-id",
            DAG_ID,
            "--from-date",
            BACKFILL_DATES[0],
            "--to-date",
            BACKFILL_DATES[-1],
            "--reprocess-behavior",
            "completed",
            "--dag-run-conf",
            json.dumps(conf),
        ],
        env=airflow.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    again = api.get("backfills", dag_id=DAG_ID)["backfills"]
    assert len(again) == 2
    wait_for_backfill(api, max(b["id"] for b in again))
    figures[f"backfill_3_dates_{len(BACKFILL_COMPANIES)}_companies_again_s"] = round(
        time.monotonic() - started, 1
    )

    second = backfill_runs(api)
    assert sorted(second) == BACKFILL_DATES
    for ds in BACKFILL_DATES:
        assert second[ds]["state"] == "success"
        assert second[ds]["end_date"] > first[ds]["end_date"], f"{ds} was not re-run"
    rewritten = objects(s3, "e2e-backfill/")
    assert sorted(rewritten) == sorted(written)
    for name in written:
        assert rewritten[name]["LastModified"] > written[name]["LastModified"], name
        assert read_rows(s3, name) == rows[name], name
