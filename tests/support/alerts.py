"""The alerts the pipelines publish (enrichment.alerts), as a subscriber reads them: an SQS
queue of the AWS stand-in subscribed to the alert topic, each message parsed into its
``Name: value`` lines. For ``tests/e2e/test_alerts.py``."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from enrichment.settings import ALERTS_TOPIC


@dataclass(frozen=True)
class Received:
    """One message as SNS delivered it: its subject, its text and that text's lines by name
    (``DAG``, ``Run``, ``Logical date``, ``What``, ``Why``, ``Link``)."""

    subject: str
    text: str

    @property
    def lines(self) -> dict[str, str]:
        return dict(line.split(": ", 1) for line in self.text.splitlines() if ": " in line)

    @property
    def names(self) -> list[str]:
        return [line.split(": ", 1)[0] for line in self.text.splitlines()]


class Inbox:
    """A queue subscribed to ``topic``; every message received is kept, in order."""

    def __init__(self, sns, sqs, topic: str = ALERTS_TOPIC) -> None:
        self.sqs = sqs
        arn = sns.create_topic(Name=topic)["TopicArn"]  # the bootstrap's: CreateTopic finds it
        self.url = sqs.create_queue(QueueName=f"alerts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        # Not raw: SNS wraps each message in its envelope, which carries the subject too.
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue["Attributes"]["QueueArn"])
        self.received: list[Received] = []

    def _receive(self, wait: int) -> int:
        answer = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        )
        for message in answer.get("Messages", []):
            envelope = json.loads(message["Body"])
            self.received.append(Received(envelope.get("Subject", ""), envelope["Message"]))
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return len(answer.get("Messages", []))

    def about(self, run_id: str) -> list[Received]:
        """Every message received so far about the run ``run_id``."""
        while self._receive(0):
            pass
        return [each for each in self.received if each.lines.get("Run") == run_id]

    def wait_for(self, run_id: str, timeout: float) -> list[Received]:
        """The messages about ``run_id`` once there is one (empty after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while not (found := self.about(run_id)) and time.monotonic() < deadline:
            self._receive(1)
        return found
