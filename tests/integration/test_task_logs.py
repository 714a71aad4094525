"""Task logs shipped to and read from CloudWatch Logs and S3 on the AWS stand-in, through
the project's log IO (enrichment.task_logs), as Airflow's components call it."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import pytest

from enrichment.bootstrap import LOG_EXPIRY_RULE, ensure_task_logs
from enrichment.task_logs import REST_SECONDS, CloudWatchTaskLogs, S3TaskLogs

TRY = "dag_id=company_sentiment/run_id=manual__2026-12-01T00:00:00+00:00/task_id=enrich/map_index=3"


@pytest.fixture
def remote_logs(monkeypatch, stack):
    """Remote logging through aws_default, the stand-in, as deploy/task-logs.env sets it."""
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID", "aws_default")
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_LOGGING", "True")


@pytest.fixture
def log_group(remote_logs, monkeypatch, logs_client, s3) -> str:
    """A log group of the test's own, made by the bootstrap."""
    name = f"task-logs-{secrets.token_hex(4)}"
    monkeypatch.setenv(
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", f"cloudwatch://arn:aws:logs:::log-group:{name}"
    )
    assert ensure_task_logs(s3, 30) == {f"log group {name}": True}
    return name


def write_log(base: Path, relative: str, events: list[str]) -> Path:
    """A log file as Airflow writes one: a JSON object per line, with its timestamp."""
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"timestamp": f"2026-12-01T00:00:{n:02d}.000000Z", "event": event})
        for n, event in enumerate(events)
    ]
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def cloudwatch(tmp_path: Path, group: str, delete: bool = True) -> CloudWatchTaskLogs:
    return CloudWatchTaskLogs(
        base_log_folder=tmp_path,
        log_group_arn=f"arn:aws:logs:::log-group:{group}",
        delete_local_copy=delete,
    )


def events_read(io, relative: str) -> list[str]:
    """The events of a try as the UI reads them (every stream or object, in order)."""
    _, logs = io.read(relative, None)
    return [json.loads(line)["event"] for text in logs for line in text.splitlines() if line]


def test_bootstrap_makes_the_log_group_with_its_retention_once(log_group, logs_client, s3):
    (group,) = logs_client.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert group["retentionInDays"] == 30
    assert ensure_task_logs(s3, 60) == {f"log group {log_group}": False}
    (group,) = logs_client.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert group["retentionInDays"] == 60


def test_a_try_is_read_with_its_triggerer_log_and_the_local_files_go(
    log_group, logs_client, tmp_path
):
    io = cloudwatch(tmp_path, log_group)
    worker = write_log(tmp_path, f"{TRY}/attempt=1.log", ["scan started", "deferred"])
    trigger = write_log(
        tmp_path, f"{TRY}/attempt=1.log.trigger.7.log", ["trigger starting", "Airbus: ok"]
    )
    other_try = write_log(tmp_path, f"{TRY}/attempt=2.log", ["not shipped yet"])

    io.upload(f"{TRY}/attempt=1.log")
    io.upload(trigger)  # the triggerer names its file by full path

    streams = logs_client.describe_log_streams(logGroupName=log_group)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == [
        # ':' is not allowed in a stream name
        f"{TRY}/attempt=1.log".replace(":", "_"),
        f"{TRY}/attempt=1.log.trigger.7.log".replace(":", "_"),
    ]
    assert events_read(io, f"{TRY}/attempt=1.log") == [
        "scan started",
        "deferred",
        "trigger starting",
        "Airbus: ok",
    ]
    # The shipped files went, the other try's stayed, and with it their folder.
    assert not worker.exists()
    assert not trigger.exists()
    assert other_try.exists()

    other_try.unlink()
    write_log(tmp_path, f"{TRY}/attempt=2.log", ["second try"])
    io.upload(f"{TRY}/attempt=2.log")
    assert events_read(io, f"{TRY}/attempt=2.log") == ["second try"]
    assert not (tmp_path / "dag_id=company_sentiment").exists()  # empty folders pruned


def test_a_resumed_try_adds_to_its_stream(log_group, tmp_path):
    io = cloudwatch(tmp_path, log_group)
    write_log(tmp_path, f"{TRY}/attempt=1.log", ["before deferring"])
    io.upload(f"{TRY}/attempt=1.log")
    write_log(tmp_path, f"{TRY}/attempt=1.log", ["after resuming"])
    io.upload(f"{TRY}/attempt=1.log")
    assert events_read(io, f"{TRY}/attempt=1.log") == ["before deferring", "after resuming"]


def test_keeping_local_copies_empties_a_shipped_file_so_nothing_goes_twice(log_group, tmp_path):
    io = cloudwatch(tmp_path, log_group, delete=False)
    path = write_log(tmp_path, f"{TRY}/attempt=1.log", ["first part"])
    io.upload(path)
    assert path.read_text() == ""
    with path.open("a") as log:
        log.write(json.dumps({"timestamp": "2026-12-01T00:01:00Z", "event": "second part"}) + "\n")
    io.upload(path)
    assert events_read(io, f"{TRY}/attempt=1.log") == ["first part", "second part"]


def test_an_unread_try_says_so_and_the_ui_falls_back_to_local_files(log_group, tmp_path):
    sources, logs = cloudwatch(tmp_path, log_group).read(f"{TRY}/attempt=9.log", None)
    assert (sources, logs) == ([], [])


def test_refused_logs_stay_local_with_a_warning_and_the_service_rests(
    log_group, tmp_path, aws_control, caplog
):
    io = cloudwatch(tmp_path, log_group)
    first = write_log(tmp_path, f"{TRY}/attempt=1.log", ["during the outage"])
    second = write_log(tmp_path, f"{TRY}/attempt=1.log.trigger.2.log", ["a minute later"])
    aws_control.outage(60, service="logs")
    try:
        with caplog.at_level(logging.WARNING):
            io.upload(first)
            refused = aws_control.refused()
            io.upload(second)
        # The second log did not ask the service that had just refused one.
        assert aws_control.refused() == refused > 0
    finally:
        aws_control.reset()
    assert first.exists()
    assert second.exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"Task log {first} stays local: CloudWatch Logs did not take it" in warnings[0]
    assert "ServiceUnavailableException" in warnings[0]
    assert warnings[1] == (
        f"Task log {second} stays local: CloudWatch Logs refused a log under a minute ago"
    )
    # Once the rest is over, the next log goes (the ones kept stay where they are).
    io.shipping.resting_until -= REST_SECONDS
    third = write_log(tmp_path, f"{TRY}/attempt=2.log", ["after the outage"])
    io.upload(third)
    assert not third.exists()
    assert events_read(io, f"{TRY}/attempt=2.log") == ["after the outage"]


def test_a_path_outside_the_log_folder_is_neither_sent_nor_deleted(log_group, tmp_path):
    outside = write_log(tmp_path / "elsewhere", "secret.log", ["not a task log"])
    io = cloudwatch(tmp_path / "logs", log_group)
    io.upload(outside)
    io.upload("../elsewhere/secret.log")
    assert outside.exists()


@pytest.fixture
def s3_folder(remote_logs, monkeypatch, s3) -> str:
    folder = f"s3://fangsentiment/logs-{secrets.token_hex(4)}"
    monkeypatch.setenv("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", folder)
    ensure_task_logs(s3, 30)
    return folder


def test_s3_task_logs_expire_and_a_try_is_read_with_its_triggerer_log(s3_folder, s3, tmp_path):
    rules = s3.get_bucket_lifecycle_configuration(Bucket="fangsentiment")["Rules"]
    (rule,) = [r for r in rules if r["ID"] == LOG_EXPIRY_RULE]
    assert rule["Filter"] == {"Prefix": s3_folder.removeprefix("s3://fangsentiment/") + "/"}
    assert rule["Expiration"] == {"Days": 30}

    io = S3TaskLogs(remote_base=s3_folder, base_log_folder=tmp_path, delete_local_copy=True)
    worker = write_log(tmp_path, f"{TRY}/attempt=1.log", ["scan started"])
    trigger = write_log(tmp_path, f"{TRY}/attempt=1.log.trigger.7.log", ["Airbus: ok"])
    io.upload(worker)
    io.upload(trigger)
    assert not worker.exists()
    assert not trigger.exists()
    assert events_read(io, f"{TRY}/attempt=1.log") == ["scan started", "Airbus: ok"]


def test_s3_refusing_a_log_keeps_it_local(s3_folder, tmp_path, aws_control, caplog):
    io = S3TaskLogs(remote_base=s3_folder, base_log_folder=tmp_path, delete_local_copy=True)
    path = write_log(tmp_path, f"{TRY}/attempt=1.log", ["during the outage"])
    aws_control.outage(60, service="s3")
    try:
        with caplog.at_level(logging.WARNING):
            io.upload(path)
    finally:
        aws_control.reset()
    assert path.exists()
    assert f"Task log {path} stays local: S3 did not take it" in caplog.messages
