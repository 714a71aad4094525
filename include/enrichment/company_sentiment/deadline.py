"""company_sentiment's daily deadline: its result file written within a while of its date.

The DAG's ``DeadlineAlert`` is due :data:`RESULT_DEADLINE` after the run's logical date
(midnight UTC of the date it describes); Airflow drops it when the run succeeds in time.
When it passes first, the scheduler hands :func:`missed_deadline` to the triggerer, which
sends one alert (:mod:`enrichment.alerts`) unless the run has failed meanwhile (its
failure was told already) or its result file is there after all. Only the daily
(scheduled) runs have a deadline to keep: a backfill or a manual run of a past date is
past its date's deadline when it is created, and says nothing about today's file.

Airflow evaluates a deadline when it creates the run, before any Param is resolved, so
the interval is not a Param: it is this module's, and ``ENRICHMENT_RESULT_DEADLINE_MINUTES``
in the environment of the DAG processor overrides it (a deployment that runs later; the
tests, which cannot wait two hours). ``off`` leaves the DAG without a deadline, which
``airflow dags test`` needs on Airflow 3.3.2: ``dag.test()`` builds its run's DAG
without storing its deadline alerts, and a run that then succeeds fails where Airflow
drops its deadline (``DeadlineAlert.get_by_id`` is given the alert itself, not its id).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

DEADLINE_ENV = "ENRICHMENT_RESULT_DEADLINE_MINUTES"
# Two hours: a daily run of a few thousand companies takes minutes, so a run not done by
# then is stuck or failing (the recovery settings bring dead components back in minutes).
DEFAULT_DEADLINE = timedelta(hours=2)

log = logging.getLogger(__name__)


def result_deadline() -> timedelta | None:
    """How long after its logical date a run's result file is due; None: no deadline."""
    minutes = os.environ.get(DEADLINE_ENV, "").strip().lower()
    if minutes == "off":
        return None
    return timedelta(minutes=float(minutes)) if minutes else DEFAULT_DEADLINE


def deadline_alert():
    """The DAG's ``DeadlineAlert`` (module docstring), or None when it is off."""
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    interval = result_deadline()
    if interval is None:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=interval,
        callback=AsyncCallback(missed_deadline),
    )


def _minute(when: datetime | str | None) -> str:
    """A deadline's time to the minute in UTC; Airflow hands it over as a datetime (an ISO
    string is read too)."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when) if when else None
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if when else "its deadline"


def _missed(context: dict[str, Any]) -> None:
    from enrichment import alerts, aws
    from enrichment.company_sentiment.result_file import result_key
    from enrichment.company_sentiment.settings import SentimentSettings

    run = context["dag_run"]
    settings = SentimentSettings.from_conf(run.get("conf") or {})
    ds = (run.get("logical_date") or run["run_after"])[:10]
    if not settings.alerts_topic:
        return
    if run.get("run_type") != "scheduled":
        log.info("%s is not a daily run: its date's deadline is not its own", run["dag_run_id"])
        return
    if run.get("state") == "failed":
        log.info("%s missed its deadline after it failed: its failure was told", run["dag_run_id"])
        return
    key = result_key(settings.prefix, ds, settings.companies_table, settings.output_format)
    listed = aws.s3_client().list_objects_v2(Bucket=settings.bucket, Prefix=key, MaxKeys=1)
    if listed.get("KeyCount"):
        log.info("%s missed its deadline with its result file written", run["dag_run_id"])
        return
    due = context.get("deadline", {}).get("deadline_time")
    alert = alerts.run_alert(
        run["dag_id"],
        run["dag_run_id"],
        ds,
        f"no result file by {_minute(due)}",
        f"s3://{settings.bucket}/{key} is not written and the run is {run.get('state')}",
    )
    alerts.publish(settings.alerts_topic, alert)


async def missed_deadline(context: dict[str, Any], **_: Any) -> None:
    """The ``DeadlineAlert``'s callback, in the triggerer (module docstring); an alert
    that cannot be sent is a logged warning."""
    try:
        await asyncio.to_thread(_missed, context)
    except Exception:
        log.warning("Could not send the deadline alert", exc_info=True)
