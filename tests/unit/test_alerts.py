"""The alerts' messages from what Airflow hands their callbacks (enrichment.alerts and the
deadline of enrichment.company_sentiment.deadline), without AWS: what failed and why, the
lines, the deadline's interval and which missed deadlines are told. Through a real
scheduler, DAG processor and triggerer: tests/e2e/test_alerts.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from enrichment import alerts
from enrichment.company_sentiment import deadline

TASKS = ("preflight", "scan", "enrich", "load")
RUN = "scheduled__2026-12-07T00:00:00+00:00"


class FakeTaskInstance:
    """The callback's ``ti`` as the DAG processor gives it: the run's last task, which
    asks the API server for the run's states and XComs."""

    task_id = "load"

    def __init__(self, states: dict[str, str], kept: dict[str, str]) -> None:
        self.states, self.kept = states, kept

    def get_task_states(self, dag_id: str, run_ids: list[str]) -> dict:
        return {run_ids[0]: self.states}

    def xcom_pull(self, task_ids: str, key: str, map_indexes=None):
        assert key == alerts.FAILURE_KEY
        return self.kept.get(task_ids)


def context(states: dict[str, str], kept: dict[str, str], **params) -> dict:
    dag = SimpleNamespace(
        dag_id="company_sentiment",
        topological_sort=lambda: [SimpleNamespace(task_id=task) for task in TASKS],
    )
    run = SimpleNamespace(logical_date=datetime(2026, 12, 7, tzinfo=UTC), run_after=None)
    return {
        "dag": dag,
        "run_id": RUN,
        "dag_run": run,
        "params": params,
        "ti": FakeTaskInstance(states, kept),
        "reason": "task_failure",
    }


def test_a_failed_set_up_check_is_the_why_and_every_failed_task_the_what(monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com/")
    states = {"preflight": "failed", "scan": "upstream_failed", "load": "failed"}
    kept = {"preflight": "SetupMissing: This run's set-up is incomplete: - ...", "load": "x"}

    topic, alert = alerts.failure_alert(context(states, kept))

    assert topic == "enrichment-alerts"
    assert alert.message.splitlines() == [
        "DAG: company_sentiment",
        f"Run: {RUN}",
        "Logical date: 2026-12-07",
        "What: failed: preflight, load",
        "Why: preflight: SetupMissing: This run's set-up is incomplete: - ...",
        "Link: https://airflow.example.com/dags/company_sentiment/runs/"
        "scheduled__2026-12-07T00%3A00%3A00%2B00%3A00",
    ]
    assert alert.subject == "[enrichment] company_sentiment 2026-12-07: failed: preflight, load"


def test_mapped_failures_are_counted_and_the_first_task_the_run_needed_is_the_why():
    states = {
        "preflight": "success",
        "scan": "success",
        "enrich_0": "failed",
        "enrich_1": "success",
        "enrich_2": "failed",
        "load": "failed",
    }
    kept = {"load": "ErrorBudgetExceeded: 2 of 3 rows are errors"}

    _, alert = alerts.failure_alert(context(states, kept))

    lines = dict(line.split(": ", 1) for line in alert.lines)
    assert lines["What"] == "failed: load, 2 enrich tasks"
    assert lines["Why"] == "load: ErrorBudgetExceeded: 2 of 3 rows are errors"


def test_no_kept_error_points_at_the_log_and_an_empty_topic_sends_nothing():
    _, alert = alerts.failure_alert(context({"scan": "failed"}, {}))
    assert "Why: scan: see its log (the link below)" in alert.lines

    assert alerts.failure_alert(context({"scan": "failed"}, {}, alerts_topic="")) is None


def test_an_error_is_kept_on_one_line_and_cut():
    assert alerts.one_line("a\n- b\n\tc  d") == "a - b c d"
    assert len(alerts.one_line("x" * 5000)) == alerts.MAX_LINE


@pytest.mark.parametrize(
    ("setting", "interval"),
    [(None, timedelta(hours=2)), ("30", timedelta(minutes=30)), ("0", timedelta(0)), ("off", None)],
)
def test_the_deadline_interval_from_the_environment(monkeypatch, setting, interval):
    if setting is None:
        monkeypatch.delenv(deadline.DEADLINE_ENV, raising=False)
    else:
        monkeypatch.setenv(deadline.DEADLINE_ENV, setting)
    assert deadline.result_deadline() == interval
    assert (deadline.deadline_alert() is None) == (interval is None)


def test_a_deadline_time_reads_to_the_minute_in_utc():
    due = datetime(2026, 12, 7, 2, 0, 30, tzinfo=UTC)
    assert deadline._minute(due) == "2026-12-07 02:00 UTC"
    assert deadline._minute("2026-12-07T03:00:00+01:00") == "2026-12-07 02:00 UTC"


@pytest.mark.parametrize(
    ("run_type", "state"), [("manual", "running"), ("backfill", "running"), ("scheduled", "failed")]
)
def test_only_a_daily_run_that_has_not_failed_is_checked(monkeypatch, run_type, state):
    """A manual or backfill run's date is not today's, and a failed run was told already:
    neither gets as far as looking for its file."""
    from enrichment import aws

    monkeypatch.setattr(aws, "s3_client", lambda *_: pytest.fail("looked for the file"))
    run = {
        "dag_id": "company_sentiment",
        "dag_run_id": "r",
        "logical_date": "2026-12-07T00:00:00Z",
        "run_after": "2026-12-07T00:00:00Z",
        "conf": {},
        "state": state,
        "run_type": run_type,
    }
    deadline._missed({"dag_run": run, "deadline": {"deadline_time": datetime.now(UTC)}})


def test_a_serialized_dag_that_cannot_sort_its_tasks_gives_them_as_declared():
    """dag.test() hands the callback the serialized DAG, without topological_sort."""
    given = context({"preflight": "failed", "load": "failed"}, {})
    given["dag"] = SimpleNamespace(
        dag_id="company_sentiment", tasks=[SimpleNamespace(task_id=task) for task in TASKS]
    )

    _, alert = alerts.failure_alert(given)

    assert "What: failed: preflight, load" in alert.lines
