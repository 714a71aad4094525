"""How enrichment.task_logs turns a log file into CloudWatch calls, and reads its settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrichment.task_logs import (
    EVENT_OVERHEAD,
    MAX_BATCH_BYTES,
    MAX_EVENTS,
    MAX_MESSAGE_BYTES,
    MAX_SPAN_MS,
    batches,
    destination,
    log_events,
    log_group_of,
    region_of,
)


def test_each_json_line_is_an_event_at_its_own_time():
    lines = [
        '{"timestamp": "2026-12-01T00:00:01.500000Z", "event": "a"}\n',
        "\n",
        "a line that is not JSON\n",
        '{"timestamp": "2026-12-01T00:00:03Z", "event": "b"}\n',
    ]
    events = list(log_events(iter(lines), fallback_ms=7))
    start = int(datetime(2026, 12, 1, 0, 0, 1, 500_000, UTC).timestamp() * 1000)
    assert events == [
        {"timestamp": start, "message": lines[0].rstrip("\n")},
        # Without a time of its own, a line takes the one before it.
        {"timestamp": start, "message": "a line that is not JSON"},
        {"timestamp": start + 1500, "message": lines[3].rstrip("\n")},
    ]
    assert list(log_events(iter(["no time\n"]), fallback_ms=7)) == [
        {"timestamp": 7, "message": "no time"}
    ]


def test_an_oversized_line_is_cut_to_what_cloudwatch_takes():
    (event,) = log_events(iter(["é" * MAX_MESSAGE_BYTES]), fallback_ms=0)
    assert len(event["message"].encode()) <= MAX_MESSAGE_BYTES


def test_batches_keep_to_put_log_events_limits():
    many = [{"timestamp": n, "message": "x"} for n in range(MAX_EVENTS + 1)]
    assert [len(batch) for batch in batches(many)] == [MAX_EVENTS, 1]

    big = "y" * (MAX_BATCH_BYTES // 3)
    heavy = [{"timestamp": n, "message": big} for n in range(4)]
    sizes = [sum(len(e["message"]) + EVENT_OVERHEAD for e in b) for b in batches(heavy)]
    assert sizes == [2 * (len(big) + EVENT_OVERHEAD)] * 2
    assert all(size <= MAX_BATCH_BYTES for size in sizes)

    day = [{"timestamp": t, "message": "z"} for t in (0, MAX_SPAN_MS - 1, MAX_SPAN_MS, 2)]
    assert [len(batch) for batch in batches(day[:3])] == [2, 1]
    assert list(batches([])) == []


def test_the_folder_names_the_log_group_and_maybe_the_region():
    folder = "cloudwatch://arn:aws:logs:eu-west-1:123456789012:log-group:airflow/tasks"
    assert log_group_of(folder) == "airflow/tasks"
    assert region_of(folder) == "eu-west-1"
    shipped = "cloudwatch://arn:aws:logs:::log-group:enrichment-task-logs"
    assert log_group_of(shipped) == "enrichment-task-logs"
    assert region_of(shipped) is None  # the connection's
    with pytest.raises(ValueError, match="names no log group"):
        log_group_of("cloudwatch://enrichment-task-logs")


def test_destination_follows_the_logging_settings(monkeypatch):
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_LOGGING", "False")
    assert destination() is None
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_LOGGING", "True")
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", "s3://bucket/logs")
    assert destination() == ("s3", "s3://bucket/logs")
    monkeypatch.setenv(
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", "cloudwatch://arn:aws:logs:::log-group:g"
    )
    assert destination() == ("cloudwatch", "g")
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", "gs://bucket/logs")
    with pytest.raises(ValueError, match="cloudwatch://"):
        destination()
