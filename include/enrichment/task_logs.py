"""Task logs in CloudWatch Logs or S3: Airflow's remote logging, with the provider's
log IO changed where it would lose or hide this project's logs.

Every component names this module's ``LOGGING_CONFIG`` as its ``[logging]
logging_config_class`` (``deploy/task-logs.env``): Airflow's own logging configuration,
unchanged, whose module also holds ``REMOTE_TASK_LOG``, the object that ships and reads
task logs. With ``[logging] remote_logging`` on, it is the amazon provider's log IO for
``remote_base_log_folder`` (``cloudwatch://arn:aws:logs:<region>:<account>:log-group:<group>``
or ``s3://<bucket>/<prefix>``) through ``remote_log_conn_id``, changed in four ways:

- **A log is sent when its task try or trigger ends**, in as few ``PutLogEvents`` calls
  as its size allows. The provider streams CloudWatch logs line by line through a
  watchtower thread per log stream that lives as long as the process: a triggerer
  running a thousand company triggers a day would keep a thousand threads, and each
  ending trigger would flush every live stream.
- **Reading a try's log reads all of it**: every stream or object of that try, the
  triggerer's ``…trigger.<job id>.log`` included. The provider's CloudWatch reader reads
  only the worker's stream, so a company that ran wholly in the triggerer would show "No
  log stream found".
- **A log the service refused, or did not answer for, stays on local disk** and a warning
  names it. The provider deletes the local folder either way. A shipped log's local copy
  is deleted file by file: the provider deletes the try's whole folder, the other tries'
  and the triggerer's files with it.
- **After a refusal the service is left alone for** ``REST_SECONDS``, and each call gives
  up sooner than the connection's own (``CLIENT_CONFIG``): a triggerer ships logs on its
  main loop, which must not wait out an outage trigger after trigger (its heartbeat
  stops while it waits).

A log that stays local is still served by its component's log server while that
component lives; nothing sends it later.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from airflow.config_templates.airflow_local_settings import DEFAULT_LOGGING_CONFIG
from airflow.providers.amazon.aws.log.cloudwatch_task_handler import CloudWatchRemoteLogIO
from airflow.providers.amazon.aws.log.s3_task_handler import S3RemoteLogIO
from airflow.sdk import conf

LOGGING_CONFIG: dict[str, Any] = copy.deepcopy(DEFAULT_LOGGING_CONFIG)

log = logging.getLogger(__name__)

# A log call gives up after two tries of at most 3 s to connect and 10 s to answer: a log
# that does not go stays local (the connection's own settings, five tries of 30 s, suit
# the pipeline's data, which must go).
CLIENT_CONFIG = {
    "retries": {"mode": "standard", "max_attempts": 2},
    "connect_timeout": 3,
    "read_timeout": 10,
}
# Once the service refused a log, the logs that end in the next minute stay local without
# asking it (a triggerer ends hundreds of company triggers a minute).
REST_SECONDS = 60.0
# PutLogEvents limits: events per call, bytes per call (each event counts 26 bytes more
# than its message), bytes per message, and the time one call's events may span.
MAX_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD
MAX_SPAN_MS = 24 * 3600 * 1000


def configured_folder() -> str:
    """``[logging] remote_base_log_folder``."""
    return conf.get_mandatory_value("logging", "remote_base_log_folder")


def destination() -> tuple[str, str] | None:
    """Where task logs go: ``("cloudwatch", <log group>)`` or ``("s3", <s3:// folder>)``,
    or None with remote logging off."""
    if not conf.getboolean("logging", "remote_logging", fallback=False):
        return None
    folder = configured_folder()
    if folder.startswith("cloudwatch://"):
        return "cloudwatch", log_group_of(folder)
    if folder.startswith("s3://"):
        return "s3", folder
    raise ValueError(
        f"[logging] remote_base_log_folder {folder!r}: this project ships task logs to "
        "cloudwatch://arn:aws:logs:<region>:<account>:log-group:<group> or s3://<bucket>/<prefix>"
    )


def log_group_of(folder: str) -> str:
    """The log group of a ``cloudwatch://`` folder (the ARN's seventh field)."""
    arn = urlsplit(folder).netloc + urlsplit(folder).path
    fields = arn.split(":")
    if len(fields) < 7 or fields[:3] != ["arn", "aws", "logs"] or fields[5] != "log-group":
        raise ValueError(
            f"{folder!r} names no log group: cloudwatch://arn:aws:logs:<region>:<account>:"
            "log-group:<group> (region and account may be empty: the connection's)"
        )
    return fields[6]


def region_of(folder: str) -> str | None:
    """The region of a ``cloudwatch://`` folder's ARN; None when empty (the connection's)."""
    return (urlsplit(folder).netloc + urlsplit(folder).path).split(":")[3] or None


def log_events(lines: Iterator[str], fallback_ms: int) -> Iterator[dict[str, Any]]:
    """CloudWatch events of a log file's JSON lines: each line whole as the message, at
    the line's own ``timestamp`` (a line without one takes the one before it)."""
    last = fallback_ms
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        try:
            stamp = json.loads(line).get("timestamp")
            last = int(datetime.fromisoformat(stamp).timestamp() * 1000)
        except (ValueError, TypeError, AttributeError):
            pass  # not JSON, or no usable timestamp
        message = line.encode()[:MAX_MESSAGE_BYTES].decode(errors="ignore")
        yield {"timestamp": last, "message": message}


def batches(events: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``events`` (in time order) in PutLogEvents-sized calls."""
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        event_size = len(event["message"].encode()) + EVENT_OVERHEAD
        if batch and (
            len(batch) == MAX_EVENTS
            or size + event_size > MAX_BATCH_BYTES
            or event["timestamp"] - batch[0]["timestamp"] >= MAX_SPAN_MS
        ):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += event_size
    if batch:
        yield batch


@attrs.define
class Shipping:
    """What both log IOs do around a send: which local file a path names, the rest after
    a refusal, and the local copy after a send."""

    base_log_folder: Path
    delete_local_copy: bool
    resting_until: float = 0.0

    def local_file(self, path: os.PathLike | str) -> Path | None:
        """The file under ``base_log_folder`` that ``path`` names; None outside it."""
        base = self.base_log_folder.resolve()
        local = (base / path).resolve()  # an absolute path stays itself
        return local if local.is_relative_to(base) else None

    def resting(self) -> bool:
        return time.monotonic() < self.resting_until

    def refused(self) -> None:
        self.resting_until = time.monotonic() + REST_SECONDS

    def ship(self, path: os.PathLike | str, service: str, send) -> None:
        """Send the log at ``path`` with ``send(relative path, local file)``, which says
        whether the service took it or raises; keep it local with a warning if not."""
        local = self.local_file(path)
        if local is None or not local.is_file():
            return
        if self.resting():
            log.warning(
                "Task log %s stays local: %s refused a log under a minute ago", local, service
            )
            return
        relative = local.relative_to(self.base_log_folder.resolve()).as_posix()
        try:
            taken, reason = send(relative, local), ""
        except Exception as error:  # whatever the service or the network did: keep the log
            taken, reason = False, f" ({error})"
        if not taken:
            self.refused()
            log.warning("Task log %s stays local: %s did not take it%s", local, service, reason)
            return
        self.shipped(local)

    def shipped(self, local: Path) -> None:
        """Delete the shipped file and the folders it leaves empty, or (keeping local
        copies) empty it, so the next send of the same path sends only what is new."""
        if not self.delete_local_copy:
            local.write_text("")
            return
        local.unlink(missing_ok=True)
        base = self.base_log_folder.resolve()
        folder = local.parent
        while folder != base and folder.is_relative_to(base):
            try:
                folder.rmdir()
            except OSError:  # not empty: another try's log, or one that stayed local
                break
            folder = folder.parent


@attrs.define(kw_only=True)
class CloudWatchTaskLogs(CloudWatchRemoteLogIO):
    """The provider's CloudWatch log IO, sending whole files and reading whole tries
    (see the module docstring)."""

    shipping: Shipping = attrs.field(init=False)

    @shipping.default
    def _(self) -> Shipping:
        return Shipping(self.base_log_folder, self.delete_local_copy)

    # No streaming processor: a log is sent whole by upload().
    processors = ()

    @cached_property
    def hook(self):
        from airflow.providers.amazon.aws.hooks.logs import AwsLogsHook
        from botocore.config import Config

        return AwsLogsHook(
            aws_conn_id=conf.get("logging", "remote_log_conn_id"),
            region_name=self.region_name or None,
            config=Config(**CLIENT_CONFIG),
        )

    def upload(self, path: os.PathLike | str, ti: Any = None) -> None:
        self.shipping.ship(path, "CloudWatch Logs", self.send)

    def send(self, relative: str, local: Path) -> bool:
        """Put the lines of ``local`` into the stream of its ``relative`` path (created if
        missing); raises what the service answered."""
        stream = relative.replace(":", "_")  # ':' is not allowed in a stream name
        client = self.hook.conn
        with local.open(encoding="utf-8", errors="replace") as lines:
            events = sorted(
                log_events(lines, int(local.stat().st_mtime * 1000)), key=lambda e: e["timestamp"]
            )
        if not events:
            return True
        # The stream exists already for a deferred task's second part, or a retried send.
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_log_stream(logGroupName=self.log_group, logStreamName=stream)
        for batch in batches(events):
            response = client.put_log_events(
                logGroupName=self.log_group, logStreamName=stream, logEvents=batch
            )
            if rejected := response.get("rejectedLogEventsInfo"):
                raise RuntimeError(f"events rejected: {rejected}")
        return True

    def stream(self, relative_path: str, ti: Any):
        """Every stream of the try at ``relative_path``, the triggerer's included, in
        name order (each one's events in time order)."""
        prefix = relative_path.replace(":", "_")
        try:
            pages = self.hook.conn.get_paginator("describe_log_streams").paginate(
                logGroupName=self.log_group, logStreamNamePrefix=prefix
            )
            names = sorted(s["logStreamName"] for page in pages for s in page["logStreams"])
        except Exception as error:
            return [f"Could not list CloudWatch log streams of {prefix}: {error}"], []
        group = self.log_group
        messages = [f"Reading remote log from CloudWatch log group {group}: {n}" for n in names]
        return messages, [self._events(name, ti) for name in names]

    def _events(self, stream: str, ti: Any) -> Iterator[str]:
        for event in self.get_cloudwatch_logs(stream, ti):
            yield self._parse_log_event_as_dumped_json(event)


@attrs.define
class S3TaskLogs(S3RemoteLogIO):
    """The provider's S3 log IO, keeping a refused log and deleting only shipped files
    (see the module docstring)."""

    shipping: Shipping = attrs.field(init=False)

    @shipping.default
    def _(self) -> Shipping:
        return Shipping(self.base_log_folder, self.delete_local_copy)

    @cached_property
    def hook(self):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from botocore.config import Config

        return S3Hook(
            aws_conn_id=conf.get("logging", "remote_log_conn_id"),
            transfer_config_args={"use_threads": False, "preferred_transfer_client": "classic"},
            config=Config(**CLIENT_CONFIG),
        )

    def upload(self, path: os.PathLike | str, ti: Any = None) -> None:
        # write() appends to what an earlier part of the try sent, and says whether it went.
        self.shipping.ship(
            path,
            "S3",
            lambda relative, local: self.write(
                local.read_text(), os.path.join(self.remote_base, relative), max_retry=0
            ),
        )


def remote_task_log() -> CloudWatchTaskLogs | S3TaskLogs | None:
    """The log IO of ``[logging] remote_base_log_folder``; None with remote logging off."""
    where = destination()
    if where is None:
        return None
    kind, _ = where
    return (CloudWatchTaskLogs if kind == "cloudwatch" else S3TaskLogs).from_config()


REMOTE_TASK_LOG = remote_task_log()
