"""company_sentiment as users run it, on a real scheduler with the LocalExecutor and
PostgreSQL: unpaused, triggered through the REST API with Params, backfilled over three
dates (REST API, then again with the CLI), triggered from the web UI's form in Debian's
Chromium through Playwright, with a screenshot of the mapped task in ``test-artifacts/``;
and at some size on the triggerer path, where one company fails its first try and where
the triggerer is killed in the middle of a run.

test_company_review.py and test_task_logs_cloudwatch.py run after this module, in the same
test stream and on its Airflow (one xdist group, in that order: tests/conftest.py);
test_alerts.py runs before it there, and unpauses the DAG first."""

from __future__ import annotations

import json
import subprocess
import time
from urllib.parse import unquote

import pytest

from dev.airflow_api import PASSWORD, USERNAME, ApiClient
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import (
    RUN_TIMEOUT,
    backfill_runs,
    run_seconds,
    start_backfill,
    task_instances,
    unpause,
    wait_for_backfill,
    wait_for_run,
)
from enrichment.company_sentiment.rows import COLUMNS
from enrichment.wikipedia.sentences import first_sentences
from tests.support import ARTIFACTS
from tests.support.history import in_effect
from tests.support.sentiment_runs import (
    DAG_ID,
    DEADLINE_AT_ONCE,
    objects,
    read_rows,
    synthetic_table,
    trigger,
)

# Three dates in which articles of the local Wikipedia changed: Theranos turns from praise
# to scandal between the first two, Boeing between the last two (as in `make demo`).
BACKFILL_DATES = ["2026-11-17", "2026-11-18", "2026-11-19"]
# The backfill reads a smaller table through the `companies_table` Param: each mapped task
# waits for one of the 3 Wikipedia pool slots, so 3 dates of all 36 would take minutes.
# Companies whose articles change in those dates (the timeline facts at the top of
# dev/standins/wikipedia_corpus.yaml), one that does not, one ambiguous and one missing.
BACKFILL_TABLE = "fang_backfill"
CHANGING = ["Boeing", "Enron", "Facebook", "Nestlé", "Nvidia", "Theranos"]
BACKFILL_COMPANIES = sorted([*CHANGING, "Netflix", "Delta", "Globex Corporation"])


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    """The shared Airflow's (test_alerts.py starts it): company_sentiment's deadline on."""
    return DEADLINE_AT_ONCE


@pytest.fixture(scope="module")
def unpaused(api: ApiClient) -> dict:
    return unpause(api, DAG_ID)


def named_task_instances(api: ApiClient, run_id: str, companies: int) -> list[dict]:
    """The run's enrich task instances once each has its company's name: in the
    triggerer, names are set beside the work and may trail the run's end by a moment."""
    deadline = time.monotonic() + 30
    while True:
        enrich = task_instances(api, DAG_ID, run_id, "enrich")
        named = [ti for ti in enrich if not (ti["rendered_map_index"] or "").isdigit()]
        if len(named) == len(enrich) == companies or time.monotonic() > deadline:
            return enrich
        time.sleep(0.5)


# What a re-run of a date may change: a paid answer becomes one from the cache.
COST = ("sentiment_source", "billed_units")


def without_cost(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in row.items() if k not in COST} for row in rows]


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
    for row in rows:
        if row["status"] == "ok":  # two sentences of the lead as it stood on 2026-11-10
            revision = in_effect(row["wikipedia_title"], "2026-11-10")
            assert row["wikipedia_snippet"] == first_sentences(revision.text, 2)
            assert int(row["wikipedia_revision_id"]) == revision.revid
    enrich = named_task_instances(api, run["dag_run_id"], len(company_names))
    assert sorted(ti["rendered_map_index"] for ti in enrich) == company_names
    assert {ti["state"] for ti in enrich} == {"success"}


@pytest.fixture(scope="module")
def backfill_table(stack) -> str:
    from enrichment import aws
    from enrichment.bootstrap import COMPANIES_FILE, ensure_table, load_companies
    from enrichment.company_sentiment.companies import put_companies

    ensure_table(aws.dynamodb_client(), BACKFILL_TABLE, "name")
    seed = [c for c in load_companies(COMPANIES_FILE) if c["name"] in BACKFILL_COMPANIES]
    assert put_companies(aws.dynamodb_table(BACKFILL_TABLE), seed) == len(BACKFILL_COMPANIES)
    return BACKFILL_TABLE


def test_a_backfill_gives_each_date_its_own_revision_and_the_cli_again_the_same_rows(
    api, airflow: LocalAirflow, unpaused, s3, backfill_table, wikipedia_control, figures
):
    """Three dates over articles edited between them, through the REST API; then an edit
    after the backfill and the same range again from the command line, re-running the
    completed dates: each file is the same but for what it cost."""
    conf = {"prefix": "e2e-backfill/", "companies_table": backfill_table}
    key = "e2e-backfill/ds={}/" + backfill_table + "_sentiment.csv"
    started = time.monotonic()
    backfill = start_backfill(api, DAG_ID, BACKFILL_DATES[0], BACKFILL_DATES[-1], conf, 3)
    wait_for_backfill(api, backfill["id"])
    figures[f"backfill_3_dates_{len(BACKFILL_COMPANIES)}_companies_s"] = round(
        time.monotonic() - started, 1
    )

    first = backfill_runs(api, DAG_ID)
    assert sorted(first) == BACKFILL_DATES
    assert {run["state"] for run in first.values()} == {"success"}
    written = objects(s3, "e2e-backfill/")
    assert sorted(written) == [key.format(ds) for ds in BACKFILL_DATES]
    rows = {ds: read_rows(s3, key.format(ds)) for ds in BACKFILL_DATES}
    for ds in BACKFILL_DATES:
        assert [row["name"] for row in rows[ds]] == BACKFILL_COMPANIES
        # The date is in the key (the Hive partition), not repeated in the rows.
        assert set(rows[ds][0]) == set(COLUMNS)
        by_name = {row["name"]: row for row in rows[ds]}
        assert (by_name["Delta"]["status"], by_name["Globex Corporation"]["status"]) == (
            "ambiguous",
            "not_found",
        )
        for name in [*CHANGING, "Netflix"]:
            revision = in_effect(name, ds)
            row = by_name[name]
            assert (row["status"], int(row["wikipedia_revision_id"])) == ("ok", revision.revid)
            assert row["wikipedia_snippet"] == first_sentences(revision.text, 1)
        enrich = task_instances(api, DAG_ID, first[ds]["dag_run_id"], "enrich")
        assert len(enrich) == len(BACKFILL_COMPANIES)
    sentiment = {ds: {r["name"]: r["sentiment"] for r in rows[ds]} for ds in BACKFILL_DATES}
    assert (sentiment["2026-11-17"]["Theranos"], sentiment["2026-11-18"]["Theranos"]) == (
        "POSITIVE",
        "NEGATIVE",
    )
    assert (sentiment["2026-11-18"]["Boeing"], sentiment["2026-11-19"]["Boeing"]) == (
        "NEUTRAL",  # its edit at 2026-11-18T00:00:00Z belongs to the next date
        "NEGATIVE",
    )

    # An edit after the dates: a re-run describes each date as it was, not as it is now.
    wikipedia_control.edit("Theranos", "'''Theranos''' is a celebrated, wonderful success.")
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

    second = backfill_runs(api, DAG_ID)
    assert sorted(second) == BACKFILL_DATES
    for ds in BACKFILL_DATES:
        assert second[ds]["state"] == "success"
        assert second[ds]["end_date"] > first[ds]["end_date"], f"{ds} was not re-run"
    rewritten = objects(s3, "e2e-backfill/")
    assert sorted(rewritten) == sorted(written)
    for ds in BACKFILL_DATES:
        name = key.format(ds)
        assert rewritten[name]["LastModified"] > written[name]["LastModified"], name
        # The same revisions read again: the same rows, their texts' answers now kept.
        again = read_rows(s3, name)
        assert without_cost(again) == without_cost(rows[ds]), name
        paid = {(r["sentiment_source"], r["billed_units"]) for r in again if r["status"] == "ok"}
        assert paid == {("cache", "0")}


SCREENSHOT = ARTIFACTS / "company_sentiment_mapped_enrich.png"


def test_trigger_from_the_ui_with_a_changed_param(page, airflow, api, unpaused, s3, company_names):
    from playwright.sync_api import expect

    page.goto(f"{airflow.url}/dags/{DAG_ID}")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dags/company_sentiment")

    page.get_by_role("button", name="Trigger Dag").click()
    form = page.get_by_role("dialog")
    expect(form.get_by_text("Run Parameters")).to_be_visible()
    prefix = form.locator("#element_prefix")
    expect(prefix).to_have_value("sentiment/")
    prefix.fill("e2e-browser/")
    form.get_by_role("button", name="Trigger", exact=True).click()

    # The UI moves to the new run; its header badge follows the run to the end.
    page.wait_for_url("**/dags/company_sentiment/runs/**")
    run_id = unquote(page.url.rsplit("/runs/", 1)[1])
    header = page.get_by_role("heading", name=run_id).locator("xpath=..")
    expect(header.get_by_test_id("state-badge")).to_have_text("Success", timeout=RUN_TIMEOUT * 1000)

    # The mapped task of this run: one row per company, named by its map index template.
    page.goto(f"{page.url}/tasks/enrich/mapped")
    expect(page.get_by_text(f"{len(company_names)} Task Instances")).to_be_visible()
    expect(page.get_by_role("link", name="Netflix", exact=True)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT)

    run = wait_for_run(api, DAG_ID, run_id)
    assert (run["state"], run["triggered_by"], run["conf"]["prefix"]) == (
        "success",
        "ui",
        "e2e-browser/",
    )
    ds = run["logical_date"][:10]
    key = f"e2e-browser/ds={ds}/fang_sentiment.csv"
    assert s3.head_object(Bucket="fangsentiment", Key=key)["ContentLength"] > 0


# The triggerer path at some size: made-up companies whose sentiment the stand-ins fix by
# number (synthetic_table), Wikipedia answering slowly as the real one.
SYNTHETIC_LABELS = ("POSITIVE", "NEGATIVE", "NEUTRAL")


def test_each_company_runs_in_the_triggerer_and_one_failing_is_retried_alone(
    api, unpaused, s3, wikipedia_control, unlearned_history, figures
):
    names = synthetic_table("fang_fanout", 60)
    wikipedia_control.latency(0.1)
    wikipedia_control.fault("Synthetic Company 7", status=500, count=1)
    conf = {"companies_table": "fang_fanout", "prefix": "e2e-fanout/"} | unlearned_history

    run = wait_for_run(api, DAG_ID, trigger(api, "2026-11-11", conf))

    assert run["state"] == "success"
    figures["triggerer_path_60_companies_s"] = round(run_seconds(run), 1)
    enrich = {
        ti["rendered_map_index"]: ti
        for ti in task_instances(api, DAG_ID, run["dag_run_id"], "enrich")
    }
    assert sorted(enrich) == names  # one task instance per company, named in the UI
    assert {ti["state"] for ti in enrich.values()} == {"success"}
    assert not [ti for ti in enrich.values() if ti["hostname"]]  # none took a worker
    assert enrich["Synthetic Company 7"]["try_number"] == 2
    assert enrich["Synthetic Company 8"]["try_number"] in (1, 2)  # shared its batch, maybe
    stats = wikipedia_control.stats()
    assert stats["max_in_flight"] <= 3
    assert stats["requests"] < len(names) // 2  # titles asked together, not one by one
    rows = read_rows(s3, "e2e-fanout/ds=2026-11-11/fang_fanout_sentiment.csv")
    assert [row["name"] for row in rows] == names
    for row in rows:
        number = int(row["name"].rsplit(" ", 1)[1])
        assert (row["status"], row["sentiment"]) == ("ok", SYNTHETIC_LABELS[number % 3]), row
        assert row["wikipedia_title"] == row["name"]


def test_a_killed_triggerer_loses_no_company(
    api, unpaused, airflow, s3, wikipedia_control, figures
):
    names = synthetic_table("fang_killed", 120)
    wikipedia_control.latency(0.4)  # long enough a run to kill the triggerer in the middle
    run_id = trigger(api, "2026-11-12", {"companies_table": "fang_killed", "prefix": "e2e-kill/"})
    deadline = time.monotonic() + RUN_TIMEOUT
    while not [
        ti for ti in task_instances(api, DAG_ID, run_id, "enrich") if ti["state"] == "success"
    ]:
        assert time.monotonic() < deadline, "no company finished"
        time.sleep(0.2)

    airflow.kill("triggerer")
    done_before = sum(
        ti["state"] == "success" for ti in task_instances(api, DAG_ID, run_id, "enrich")
    )
    airflow.start("triggerer")
    run = wait_for_run(api, DAG_ID, run_id)

    assert 0 < done_before < len(names)
    assert run["state"] == "success"
    figures["killed_triggerer_120_companies_s"] = round(run_seconds(run), 1)
    rows = read_rows(s3, "e2e-kill/ds=2026-11-12/fang_killed_sentiment.csv")
    assert [row["name"] for row in rows] == names  # exactly one row per company
    assert {row["status"] for row in rows} == {"ok"}


def clear_run(api: ApiClient, run_id: str) -> None:
    """Clear every task of a finished run, as the UI's "Clear" on a run does."""
    body = {"dag_run_id": run_id, "dry_run": False, "only_failed": False, "reset_dag_runs": True}
    cleared = api.post(f"dags/{DAG_ID}/clearTaskInstances", body)["task_instances"]
    assert cleared, f"{run_id}: nothing cleared"


def test_a_run_cleared_twice_still_retries_a_failing_company(
    api, unpaused, s3, dynamodb, backfill_table, wikipedia_control, unlearned_history
):
    """Clearing raises a task's max_tries; the try after the second clear (try 3, past the
    task's 2 retries) must still be retried, not be the company's last try."""
    conf = {"companies_table": backfill_table, "prefix": "e2e-cleared/"} | unlearned_history
    run_id = trigger(api, "2026-11-13", conf)
    assert wait_for_run(api, DAG_ID, run_id)["state"] == "success"
    clear_run(api, run_id)
    assert wait_for_run(api, DAG_ID, run_id)["state"] == "success"

    # What the first tries learned of Netflix's article answers for its date without a
    # request; forgotten, the third try asks Wikipedia, and the fault fails it once.
    timelines = dynamodb.Table(unlearned_history["page_timelines_table"])
    timelines.delete_item(Key={"title": "Netflix"})
    wikipedia_control.fault("Netflix", status=500, count=1)
    clear_run(api, run_id)
    run = wait_for_run(api, DAG_ID, run_id)

    assert run["state"] == "success"
    enrich = {ti["rendered_map_index"]: ti for ti in task_instances(api, DAG_ID, run_id, "enrich")}
    assert enrich["Netflix"]["try_number"] == 4  # try 3 failed, and Airflow retried it
    assert {ti["state"] for ti in enrich.values()} == {"success"}
    rows = read_rows(s3, f"e2e-cleared/ds=2026-11-13/{backfill_table}_sentiment.csv")
    assert [row["name"] for row in rows] == BACKFILL_COMPANIES
    netflix = next(row for row in rows if row["name"] == "Netflix")
    assert (netflix["status"], netflix["error"]) == ("ok", "")
