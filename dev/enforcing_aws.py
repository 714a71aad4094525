"""An AWS stand-in that enforces IAM, with users holding the shipped policies.

A second instance of ``dev/standins/aws_server.py`` on a free port (its own process, pid
file and log in its state directory, as the stack's stand-ins). While moto still lets
every call through, an ``admin`` user allowed everything is made through its IAM API;
then ``POST /moto-api/reset-auth`` with 0 turns enforcement on, and from there every call
needs the access key of an IAM user whose policies allow it (``dev/standins/aws_iam.py``
says how close to AWS that is). The admin makes the other users (:meth:`EnforcingAws.user`),
each holding one policy document: ``deploy/iam/pipelines.json`` for the workers and
triggerer, ``bootstrap.json`` for the set-up.

moto 5.2 matches resource ARNs only for S3, SQS, IAM and STS and authorises the other
services' calls against ``*``, where an exact ARN would never match: :func:`as_moto_enforces`
widens those services' resources to ``*`` and keeps S3's exact (the exact ARNs are checked
against the settings by ``tests/unit/test_iam_policies.py``).

Used by the least-privilege tests and ``bench/fanout.py --least-privilege``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dev import PROJECT_ROOT
from dev.ports import free_port
from dev.processes import Supervised, wait_until_healthy
from dev.stack import READY_TIMEOUT, REGION, aws_connection, healthy

POLICY_DIR = PROJECT_ROOT / "deploy" / "iam"
# The services whose resource ARNs moto 5.2 matches against a policy's.
ARN_MATCHED = frozenset({"s3", "sqs", "iam", "sts"})
EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ADMIN = "admin"


def shipped_policy(name: str) -> dict[str, Any]:
    """The policy document ``deploy/iam/<name>``."""
    return json.loads((POLICY_DIR / name).read_text(encoding="utf-8"))


def _service(action: str) -> str:
    return action.split(":", 1)[0]


def as_moto_enforces(policy: dict[str, Any]) -> dict[str, Any]:
    """``policy`` with the resources of every statement whose actions moto does not match
    by ARN widened to ``*``; S3's (and SQS', IAM's, STS') stay exact."""
    widened = copy.deepcopy(policy)
    for statement in widened["Statement"]:
        if not {_service(action) for action in statement["Action"]} <= ARN_MATCHED:
            statement["Resource"] = ["*"]
    return widened


def without_action(policy: dict[str, Any], action: str) -> dict[str, Any]:
    """``policy`` with ``action`` taken out (and any statement left with no action)."""
    if action not in {a for statement in policy["Statement"] for a in statement["Action"]}:
        raise ValueError(f"{action} is not in the policy")
    reduced = copy.deepcopy(policy)
    for statement in reduced["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    reduced["Statement"] = [s for s in reduced["Statement"] if s["Action"]]
    return reduced


@dataclass(frozen=True)
class AccessKey:
    """An IAM user's access key on the enforcing stand-in."""

    user: str
    key_id: str
    secret: str

    def boto3_kwargs(self) -> dict[str, str]:
        return {"aws_access_key_id": self.key_id, "aws_secret_access_key": self.secret}

    def env(self) -> dict[str, str]:
        """The key as the environment gives it (what an instance role gives on AWS): what
        a secrets backend reaching AWS on its own uses."""
        return {"AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret}


class EnforcingAws:
    """The IAM-enforcing AWS stand-in of ``state_dir`` (see the module docstring)."""

    def __init__(self, state_dir: Path, port: int | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.port = port or free_port()
        self.process = Supervised("aws-iam", self.state_dir)
        self.admin: AccessKey | None = None

    @classmethod
    @contextlib.contextmanager
    def running(cls, state_dir: Path) -> Iterator[EnforcingAws]:
        """Started on a free port with its admin and enforcement on; stopped on leaving."""
        aws = cls(state_dir)
        try:
            aws.start()
            yield aws
        finally:
            aws.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start the stand-in, make the admin, then enforce IAM; the seconds it took."""
        started = time.monotonic()
        self.process.start(
            [sys.executable, "-m", "dev.standins.aws_server", "--port", str(self.port)],
            record=[self.port],
        )
        wait_until_healthy(
            "IAM-enforcing AWS stand-in",
            lambda: healthy(f"{self.url}/moto-api/"),
            [self.process],
            deadline=time.monotonic() + READY_TIMEOUT,
        )
        # Before enforcement any key is let through: the admin is made with a dummy one.
        self.admin = self._make_user(ADMIN, EVERYTHING, AccessKey("", "testing", "testing"))
        self._post("/moto-api/reset-auth", b"0")
        return time.monotonic() - started

    def stop(self) -> None:
        self.process.stop()

    def _post(self, path: str, data: bytes) -> None:
        # Not a form: moto reads the body as it is.
        headers = {"Content-Type": "text/plain"}
        request = urllib.request.Request(f"{self.url}{path}", data, headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")

    def client(self, service: str, key: AccessKey | None = None):
        """A boto3 client on the stand-in signed with ``key`` (the admin's by default)."""
        import boto3

        key = key or self.admin
        if key is None:
            raise RuntimeError("the stand-in is not started")
        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION, **key.boto3_kwargs()
        )

    def _make_user(self, name: str, policy: dict[str, Any], signer: AccessKey) -> AccessKey:
        iam = self.client("iam", signer)
        iam.create_user(UserName=name)
        # A managed policy: an inline one is held to 2,048 characters.
        arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        created = iam.create_access_key(UserName=name)["AccessKey"]
        return AccessKey(name, created["AccessKeyId"], created["SecretAccessKey"])

    def user(self, name: str, policy: dict[str, Any]) -> AccessKey:
        """A new IAM user ``name`` holding ``policy`` alone, and its access key."""
        if self.admin is None:
            raise RuntimeError("the stand-in is not started")
        return self._make_user(name, policy, self.admin)

    def shipped_user(self, policy_file: str) -> AccessKey:
        """A user holding ``deploy/iam/<policy_file>`` as moto enforces it, named after it."""
        name = policy_file.removesuffix(".json")
        return self.user(name, as_moto_enforces(shipped_policy(policy_file)))

    def connection(self, key: AccessKey) -> str:
        """``AIRFLOW_CONN_AWS_DEFAULT`` for the pipelines running as ``key``'s user."""
        return json.dumps(aws_connection(self.url, key.key_id, key.secret))
