"""Alerts through a real scheduler, DAG processor and triggerer (enrichment.alerts), read
as a subscriber reads them: an SQS queue of the AWS stand-in subscribed to the alert topic.

- A daily (scheduled) run held past its deadline (company_sentiment's ``DeadlineAlert``)
  is told once; when it then succeeds, nothing more.
- A run that fails its set-up check is told once, with its DAG, run, logical date, what
  failed and why, and a link to the run, on the topic its Params name; a successful run
  is not told at all (its deadline, missed too, is not a daily run's).
- With SNS down, runs end as they would: the failed run's alert is a warning in the DAG
  processor's log, and a run that succeeds does (its set-up check cannot ask SNS for the
  topic, and says so in a warning).

The deadline is on in this Airflow and due at a run's logical date itself
(``DEADLINE_AT_ONCE``): a scheduled run is created at or after its logical date, so it is
past its deadline from its first moment, whatever the time of day, and is held there by a
Wikipedia outage until its message is in; then it runs to its end. Unpausing the DAG
makes that run (catchup is off: today's), so this module runs first on the Airflow of
tests/conftest.py's ``e2e-local-executor`` group, before test_company_sentiment.py, which
finds the DAG unpaused and its daily run done.
"""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import quote

import pytest

from dev.airflow_api import ApiClient
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import RUN_TIMEOUT, task_instances, wait_for_run
from dev.standins.aws_control import AwsControl
from dev.standins.wikipedia_control import WikipediaControl
from enrichment.alerts import one_line
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.preflight import SetupMissing, check_run
from tests.support.alerts import Inbox, Received
from tests.support.sentiment_runs import (
    DAG_ID,
    DEADLINE_AT_ONCE,
    objects,
    synthetic_table,
    trigger,
)

# How long an alert may take: the scheduler's next loop, then the DAG processor's parse
# of the DAG file for the callback (or the triggerer's pick-up of the deadline's).
ALERT_TIMEOUT = 90.0
NAMES = ["DAG", "Run", "Logical date", "What", "Why", "Link"]
PREFIX = "e2e-alerts/"
TABLE = "fang_alerts"
OTHER_TOPIC = "enrichment-alerts-e2e"


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    return DEADLINE_AT_ONCE


@pytest.fixture(scope="module")
def clients(stack) -> dict:
    import boto3

    return {
        name: boto3.client(
            name,
            endpoint_url=stack.url("aws"),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for name in ("sns", "sqs")
    }


@pytest.fixture(scope="module")
def inbox(airflow: LocalAirflow, clients) -> Inbox:
    """Subscribed to the topic the bootstrap made, every run's unless its Params say."""
    return Inbox(clients["sns"], clients["sqs"])


@pytest.fixture(scope="module")
def other_inbox(clients) -> Inbox:
    """Subscribed to a topic of this module's own, which a run names in its Params."""
    return Inbox(clients["sns"], clients["sqs"], OTHER_TOPIC)


def link(airflow: LocalAirflow, run_id: str) -> str:
    return f"{airflow.url}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"


def missing_table_run(api: ApiClient, ds: str, **more) -> tuple[str, dict]:
    """A run whose conf names a companies table that does not exist: its id and conf."""
    conf = {"companies_table": f"missing_{uuid.uuid4().hex[:8]}", "prefix": PREFIX} | more
    return trigger(api, ds, conf), conf


@pytest.fixture(scope="module")
def daily_run(api: ApiClient, stack, inbox: Inbox, figures) -> tuple[dict, Received]:
    """Unpausing the DAG makes its daily run (catchup is off: today's), past its deadline
    from its first moment; a Wikipedia outage holds it there until its message is in,
    then ends. The run and that message; the run goes on to its end while the next tests
    run (the last one waits for it)."""
    wikipedia = WikipediaControl(stack.url("wikipedia"))
    wikipedia.outage(RUN_TIMEOUT)  # its companies wait in the triggerer
    try:
        assert api.patch(f"dags/{DAG_ID}", {"is_paused": False})["is_paused"] is False
        started = time.monotonic()
        while not (runs := api.get(f"dags/{DAG_ID}/dagRuns", run_type="scheduled")["dag_runs"]):
            assert time.monotonic() < started + RUN_TIMEOUT, "unpausing scheduled no run"
            time.sleep(0.5)
        (run,) = runs
        told = inbox.wait_for(run["dag_run_id"], ALERT_TIMEOUT)
        figures["deadline_alert_after_unpause_s"] = round(time.monotonic() - started, 1)
    finally:
        wikipedia.reset()
    assert len(told) == 1, told
    return run, told[0]


def result_key(ds: str) -> str:
    settings = SentimentSettings()
    return f"{settings.prefix}ds={ds}/{settings.companies_table}_sentiment.csv"


def test_a_daily_run_held_past_its_deadline_is_told_once(airflow, daily_run):
    run, told = daily_run
    ds = run["logical_date"][:10]

    assert told.names == NAMES
    assert told.lines["DAG"] == DAG_ID
    assert told.lines["Run"] == run["dag_run_id"]
    assert told.lines["Logical date"] == ds
    # Due at the logical date itself here (DEADLINE_AT_ONCE): midnight UTC of the date.
    assert told.lines["What"] == f"no result file by {ds} 00:00 UTC"
    assert re.fullmatch(
        rf"s3://{SentimentSettings.bucket}/{re.escape(result_key(ds))} is not written and "
        "the run is (queued|running)",
        told.lines["Why"],
    ), told.lines["Why"]
    assert told.lines["Link"] == link(airflow, run["dag_run_id"])
    assert told.subject == f"[enrichment] {DAG_ID} {ds}: no result file by {ds} 00:00 UTC"


def test_a_failed_run_is_told_once_and_a_successful_one_not_at_all(
    api, airflow, inbox, other_inbox, daily_run, s3, figures
):
    synthetic_table(TABLE, 2)
    succeeding = trigger(api, "2026-09-01", {"companies_table": TABLE, "prefix": PREFIX})
    failing, conf = missing_table_run(api, "2026-09-02")
    # The DAG processor's callback reads the topic from the run's Params.
    failing_elsewhere, _ = missing_table_run(api, "2026-09-05", alerts_topic=OTHER_TOPIC)
    started = time.monotonic()

    assert wait_for_run(api, DAG_ID, succeeding)["state"] == "success"
    assert wait_for_run(api, DAG_ID, failing)["state"] == "failed"
    (told,) = inbox.wait_for(failing, ALERT_TIMEOUT)

    figures["failed_run_alert_after_trigger_s"] = round(time.monotonic() - started, 1)
    with pytest.raises(SetupMissing) as raised:  # what the run's preflight found
        check_run(SentimentSettings.from_conf(conf))
    assert told.names == NAMES
    assert told.lines["DAG"] == DAG_ID
    assert told.lines["Run"] == failing
    assert told.lines["Logical date"] == "2026-09-02"
    # load runs whatever its upstream did, and fails at once without scan's companies.
    assert told.lines["What"] == "failed: preflight, load"
    assert told.lines["Why"] == f"preflight: {one_line(f'SetupMissing: {raised.value}')}"
    assert told.lines["Link"] == link(airflow, failing)
    assert told.subject == f"[enrichment] {DAG_ID} 2026-09-02: failed: preflight, load"
    tries = {
        task: [(ti["state"], ti["try_number"]) for ti in task_instances(api, DAG_ID, failing, task)]
        for task in ("preflight", "scan", "enrich", "load")
    }
    assert tries["preflight"] == [("failed", 1)]  # at once, without retries
    assert tries["scan"][0][0] == tries["enrich"][0][0] == "upstream_failed"
    assert tries["load"] == [("failed", 1)]
    assert not objects(s3, f"{PREFIX}ds=2026-09-02/")
    assert len(other_inbox.wait_for(failing_elsewhere, ALERT_TIMEOUT)) == 1
    assert inbox.about(failing_elsewhere) == other_inbox.about(failing) == []
    # The successful run (whose deadline passed too: not a daily run's) is not told.
    assert inbox.about(succeeding) == []
    assert inbox.about(failing) == [told]


def test_with_sns_down_an_alert_is_a_warning_and_runs_end_as_they_would(
    api, airflow, inbox, daily_run, aws_control: AwsControl
):
    aws_control.outage(RUN_TIMEOUT, service="sns")
    try:
        failing, _ = missing_table_run(api, "2026-09-03")
        succeeding = trigger(api, "2026-09-04", {"companies_table": TABLE, "prefix": PREFIX})

        assert wait_for_run(api, DAG_ID, failing)["state"] == "failed"
        assert wait_for_run(api, DAG_ID, succeeding)["state"] == "success"
        warned = f"Could not send the alert for the failed run {failing}"
        deadline = time.monotonic() + ALERT_TIMEOUT
        while not dag_processor_logs_saying(airflow, warned):
            assert time.monotonic() < deadline, f"no warning {warned!r}"
            time.sleep(1)
        assert aws_control.refused() > 0
    finally:
        aws_control.reset()
    assert api.get(f"dags/{DAG_ID}/dagRuns/{failing}")["state"] == "failed"
    assert inbox.about(failing) == inbox.about(succeeding) == []


def dag_processor_logs_saying(airflow: LocalAirflow, text: str) -> list[str]:
    """The DAG processor's logs that hold ``text``: a DAG callback's lines are in the log
    of the DAG file it parsed for it."""
    folder = airflow.home / "logs" / "dag_processor"
    return [path.name for path in folder.rglob("*.log") if text in path.read_text(errors="replace")]


def test_the_daily_run_then_succeeds_and_is_told_nothing_more(api, inbox, daily_run, s3):
    run, told = daily_run

    assert wait_for_run(api, DAG_ID, run["dag_run_id"])["state"] == "success"
    key = result_key(run["logical_date"][:10])
    assert key in objects(s3, key)
    assert inbox.about(run["dag_run_id"]) == [told]  # the file written late is not told
