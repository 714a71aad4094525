"""Alerts: a run that fails, or misses its deadline, is told once to an SNS topic.

The topic is the run's ``alerts_topic`` setting (default ``enrichment-alerts``, created by
the bootstrap; empty: no alert). People subscribe e-mail, chat or a queue to it.

- :func:`alert_failed_run`: each DAG's ``on_failure_callback``: the message made when the
  run fails (the DAG, the run, its date, what failed and why, one line each, and a link
  to the run in the UI), sent through the amazon provider's ``SnsNotifier``. Airflow
  calls it once per failed run (in the DAG processor). A run fails when a task it cannot do
  without fails: its set-up check, its scan, or its load (the error budget included).
- :func:`record_failure`: each task's ``on_failure_callback``; the task's error on one
  line, kept as its XCom ``failure``, is the alert's "why".
- :func:`publish`: what a deadline's callback sends (company_sentiment's
  :mod:`~enrichment.company_sentiment.deadline`).

An alert that cannot be sent (SNS down, no permission) is a warning in the log of the
component that sent it: it never fails the run or hides its own outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from enrichment.aws import AWS_CONN_ID

# The XCom key under which a failed task leaves its error for the run's alert.
FAILURE_KEY = "failure"
# SNS takes subjects under 100 characters; messages are cut well before its 256 KB.
MAX_SUBJECT = 99
MAX_LINE = 2000

log = logging.getLogger(__name__)


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` on one line, whitespace runs collapsed, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Alert:
    """One message: its subject and lines."""

    subject: str
    lines: tuple[str, ...]

    @property
    def message(self) -> str:
        return "\n".join(self.lines) + "\n"


def run_link(dag_id: str, run_id: str) -> str:
    """The run's page in the Airflow UI (``[api] base_url``)."""
    from airflow.sdk import conf

    base = conf.get("api", "base_url", fallback="").rstrip("/") or "http://localhost:8080"
    return f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id, safe='')}"


def run_alert(dag_id: str, run_id: str, ds: str, what: str, why: str) -> Alert:
    """The message about one run: DAG, run, date, what happened and why, the link."""
    return Alert(
        subject=one_line(f"[enrichment] {dag_id} {ds}: {what}", MAX_SUBJECT),
        lines=(
            f"DAG: {dag_id}",
            f"Run: {run_id}",
            f"Logical date: {ds}",
            f"What: {one_line(what)}",
            f"Why: {one_line(why)}",
            f"Link: {run_link(dag_id, run_id)}",
        ),
    )


def publish(topic: str, alert: Alert, conn_id: str = AWS_CONN_ID) -> None:
    """Send ``alert`` to SNS topic ``topic`` (a name: its ARN is the connection's region
    and account) through the provider's ``SnsNotifier``. Its text is sent as it is: the
    notifier's template rendering is skipped (an error message may hold ``{{``)."""
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    from enrichment import aws
    from enrichment.preflight import topic_arn

    notifier = SnsNotifier(aws_conn_id=conn_id, target_arn="", message=alert.message)
    notifier.subject = alert.subject
    notifier.target_arn = topic_arn(
        notifier.hook.conn.meta.region_name, aws.account_id(conn_id), topic
    )
    notifier.notify({})


def record_failure(context: dict[str, Any]) -> None:
    """Keep the failed task's error, on one line, as its XCom :data:`FAILURE_KEY`."""
    error = context.get("exception")
    if error is None:
        return
    try:
        context["ti"].xcom_push(FAILURE_KEY, one_line(f"{type(error).__name__}: {error}"))
    except Exception:
        log.warning("Could not keep the error of the failed task for the alert", exc_info=True)


def _failed(states: dict[str, str], task_ids: list[str]) -> tuple[list[str], dict[str, int]]:
    """The failed tasks in DAG order, and per mapped task how many instances failed
    (``states`` as Airflow gives them: ``task`` or ``task_<map index>`` -> state)."""
    unmapped = [task_id for task_id in task_ids if states.get(task_id) == "failed"]
    mapped: dict[str, int] = {}
    for key, state in states.items():
        task_id, _, index = key.rpartition("_")
        if state == "failed" and index.isdigit() and task_id in task_ids:
            mapped[task_id] = mapped.get(task_id, 0) + 1
    return unmapped, mapped


def _task_order(dag: Any) -> list[str]:
    """The DAG's tasks, upstream first; as declared where the callback is handed the
    serialized DAG, which cannot sort them (``dag.test()``)."""
    sort = getattr(dag, "topological_sort", None)
    return [task.task_id for task in (sort() if sort else dag.tasks)]


def _states(ti: Any, dag_id: str, run_id: str) -> dict[str, str]:
    """The run's task states as the DAG processor's callback reads them; where the
    callback runs without it (``dag.test()``), the task Airflow names as the last that
    failed."""
    try:
        return ti.get_task_states(dag_id=dag_id, run_ids=[run_id]).get(run_id, {})
    except Exception:
        log.info("The run's task states are not at hand here: naming %s alone", ti.task_id)
        return {ti.task_id: "failed"}


def _recorded(ti: Any, task_id: str) -> str | None:
    """The error ``task_id`` kept for the alert (:func:`record_failure`), if it could."""
    try:
        recorded = ti.xcom_pull(task_ids=task_id, key=FAILURE_KEY, map_indexes=None)
    except Exception:
        log.info("The error kept by %s is not at hand here", task_id, exc_info=True)
        return None
    if isinstance(recorded, list):
        recorded = next((each for each in recorded if each), None)
    return recorded


def failure_alert(context: dict[str, Any]) -> tuple[str, Alert] | None:
    """The topic and message for a failed run, from the DAG callback's context; None
    when the run's settings turn alerts off."""
    from enrichment.settings import ALERTS_TOPIC

    params = context.get("params") or {}
    topic = params.get("alerts_topic", ALERTS_TOPIC)
    if not topic:
        return None
    dag = context["dag"]
    run_id = context["run_id"]
    dag_run = context.get("dag_run")
    when = getattr(dag_run, "logical_date", None) or getattr(dag_run, "run_after", None)
    ds = when.date().isoformat() if when else "?"
    ti = context.get("ti")
    what, why = "the run failed", str(context.get("reason") or "unknown")
    if ti is not None:
        unmapped, mapped = _failed(_states(ti, dag.dag_id, run_id), _task_order(dag))
        # The first task the run could not do without is where it went wrong: the tasks
        # after it fail for want of its output.
        named = [*unmapped, *(f"{count} {task} tasks" for task, count in mapped.items())]
        if named:
            what = f"failed: {', '.join(named)}"
        culprit = (unmapped or list(mapped) or [None])[0]
        if culprit is not None:
            why = f"{culprit}: {_recorded(ti, culprit) or 'see its log (the link below)'}"
    return topic, run_alert(dag.dag_id, run_id, ds, what, why)


def alert_failed_run(context: dict[str, Any]) -> None:
    """The DAG's ``on_failure_callback``: one message per failed run (module docstring)."""
    try:
        found = failure_alert(context)
        if found is not None:
            publish(*found)
    except Exception:
        log.warning(
            "Could not send the alert for the failed run %s", context.get("run_id"), exc_info=True
        )
