"""image_labels and past dates: the crawler sees only today's web, so a run whose data
interval ended more than ``max_date_lag_days`` before it starts is refused, with a message
that says why and what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from enrichment.image_labels import tasks
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.image_labels.tasks import PastDateRefused, refuse_past_date
from enrichment.run_date import run_moment

TODAY = datetime(2026, 12, 2, tzinfo=UTC)
MORNING = TODAY + timedelta(hours=6, minutes=5)


@pytest.mark.parametrize(
    ("ds", "ended", "now", "max_lag_days"),
    [
        pytest.param("2026-12-02", TODAY, TODAY + timedelta(seconds=5), 1, id="daily-run-on-time"),
        pytest.param("2026-12-02", TODAY, MORNING, 1, id="today-triggered-this-morning"),
        pytest.param(
            "2026-12-01",
            TODAY,
            TODAY + timedelta(seconds=5),
            1,
            id="yesterday-by-a-data-interval-schedule-just-after-midnight",
        ),
        pytest.param(
            "2026-12-02",
            TODAY,
            TODAY + timedelta(hours=23),
            1,
            id="daily-run-started-23-hours-late",
        ),
        pytest.param("2026-12-01", TODAY - timedelta(days=1), TODAY, 1, id="exactly-max-lag-days"),
        pytest.param(
            "2026-11-29", TODAY - timedelta(days=3), MORNING, 5, id="lag-allowed-by-param"
        ),
        pytest.param("2026-12-03", TODAY + timedelta(days=1), MORNING, 0, id="interval-ends-later"),
        pytest.param("2026-12-02", MORNING, MORNING, 0, id="no-lag-at-max-0"),
    ],
)
def test_a_run_within_max_lag_days_is_accepted(ds, ended, now, max_lag_days):
    refuse_past_date(ds, ended, now, max_lag_days)


@pytest.mark.parametrize(
    ("ds", "ended", "now", "max_lag_days", "lag"),
    [
        pytest.param(
            "2026-12-01",
            TODAY - timedelta(days=1),
            TODAY + timedelta(seconds=1),
            1,
            "1 day 1 second",
            id="one-second-over",
        ),
        pytest.param(
            "2026-12-01",
            TODAY - timedelta(days=1),
            MORNING,
            1,
            "1 day 6 hours",
            id="yesterday-triggered-this-morning",
        ),
        pytest.param(
            "2026-11-29", TODAY - timedelta(days=3), MORNING, 1, "3 days 6 hours", id="3-days-back"
        ),
        pytest.param(
            "2026-12-02",
            TODAY,
            TODAY + timedelta(minutes=1),
            0,
            "1 minute",
            id="any-lag-at-max-0",
        ),
    ],
)
def test_a_run_past_max_lag_days_is_refused(ds, ended, now, max_lag_days, lag):
    with pytest.raises(PastDateRefused) as refused:
        refuse_past_date(ds, ended, now, max_lag_days)

    assert str(refused.value) == (
        f"image_labels crawls today's web; a run for {ds} (its interval ended "
        f"{ended.isoformat()}, {lag} before this run started) would file today's images "
        "under a past date. Backfills of image_labels are refused: trigger it for today "
        f"instead (max_date_lag_days = {max_lag_days})."
    )


def test_a_refusal_fails_the_task_without_retries():
    # Airflow fails an AirflowFailException at once, whatever the task's retries.
    assert issubclass(PastDateRefused, AirflowFailException)


@pytest.mark.parametrize(
    ("dag_run", "expected"),
    [
        pytest.param(
            SimpleNamespace(
                logical_date=TODAY - timedelta(days=1),
                data_interval_end=TODAY,
                run_after=TODAY,
            ),
            TODAY,
            id="run-with-a-data-interval",
        ),
        pytest.param(
            SimpleNamespace(logical_date=None, data_interval_end=None, run_after=MORNING),
            MORNING,
            id="manual-run-without-logical-date",
        ),
    ],
)
def test_the_moment_a_run_describes_is_its_interval_end(dag_run, expected):
    assert run_moment(dag_run) == expected


def test_a_manual_run_without_logical_date_describes_when_it_was_triggered():
    manual = SimpleNamespace(logical_date=None, data_interval_end=None, run_after=MORNING)

    refuse_past_date("2026-12-02", run_moment(manual), MORNING + timedelta(seconds=3), 1)


def test_crawl_refuses_a_past_date_before_it_reads_a_site_or_builds_a_client():
    # No sites file, connection or network is set up here: the refusal has to come first.
    settings = ImageLabelsSettings(sites=("no-such-site",))
    three_days_back = datetime.now(UTC) - timedelta(days=3)
    dag_run = SimpleNamespace(
        logical_date=three_days_back, data_interval_end=three_days_back, run_after=three_days_back
    )

    with pytest.raises(PastDateRefused, match="Backfills of image_labels are refused"):
        tasks.crawl(settings, dag_run)
