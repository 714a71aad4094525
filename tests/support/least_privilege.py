"""The shipped IAM policies at work, for the least-privilege tests
(``tests/integration/test_least_privilege.py``,
``tests/isolated/test_least_privilege_image_labels.py``).

A deployment on an AWS stand-in that enforces IAM (``dev/enforcing_aws.py``): set up by
``python -m enrichment.bootstrap`` run as a user holding only ``deploy/iam/bootstrap.json``
(remote task logs on, as ``deploy/task-logs.env`` ships them, so it makes the log group
too), then the pipelines run as a user holding only ``pipelines.json``
(:meth:`Deployment.as_pipelines`).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from dev import PROJECT_ROOT
from dev.airflow_local import TASK_LOGS_ENV, read_env_file
from dev.enforcing_aws import AccessKey, EnforcingAws
from dev.standins.aws_control import AwsControl

# The companies the bootstrap seeds: two the pipeline files ok (Enron's lead changed on
# 2026-11-18), one ambiguous and one missing (company_review asks about those).
COMPANIES = ("Enron", "Netflix", "Delta", "Globex Corporation")


def remote_log_settings() -> dict[str, str]:
    """Remote task logs as ``deploy/task-logs.env`` ships them, without its logging
    configuration class (Airflow's logging of this process is set up already)."""
    settings = read_env_file(TASK_LOGS_ENV)
    settings.pop("AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS")
    return settings


@dataclass
class Deployment:
    """The enforcing stand-in, the access keys of the two users and where the set-up's
    files are."""

    aws: EnforcingAws
    pipelines: AccessKey
    bootstrap: AccessKey
    folder: Path
    # What the stand-in refused during the set-up (nothing, with bootstrap.json).
    refused_at_setup: list[str] = field(default_factory=list)

    @property
    def control(self) -> AwsControl:
        return AwsControl(self.aws.url)

    def run_bootstrap(self, *args: str) -> subprocess.CompletedProcess:
        """``python -m enrichment.bootstrap --no-pool ARGS`` as the bootstrap user, with
        remote task logs on as deploy/task-logs.env ships them; fails with its output."""
        env = {
            **os.environ,
            **read_env_file(TASK_LOGS_ENV),
            "AIRFLOW_CONN_AWS_DEFAULT": self.aws.connection(self.bootstrap),
        }
        done = subprocess.run(
            [sys.executable, "-m", "enrichment.bootstrap", "--no-pool", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    @contextlib.contextmanager
    def as_pipelines(self, key: AccessKey | None = None) -> Iterator[None]:
        """This process as the workers' role: ``aws_default`` and the environment's
        credentials are the pipelines user's (or ``key``'s), Secrets Manager is the
        stand-in's (botocore's ``AWS_ENDPOINT_URL_SECRETS_MANAGER``), remote task logs are
        configured (so each run's first task checks the log group), and no triggerer state
        is kept from before (its clients were built with the session's connection)."""
        from enrichment.company_sentiment import trigger

        key = key or self.pipelines
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AIRFLOW_CONN_AWS_DEFAULT", self.aws.connection(key))
            for name, value in key.env().items():
                patch.setenv(name, value)
            patch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", self.aws.url)
            for name, value in remote_log_settings().items():
                patch.setenv(name, value)
            patch.setattr(trigger, "_process", None)
            yield


def every_param(settings_class) -> dict:
    """A run's conf naming each Param at its default: dag.test() runs tasks in this
    process, where a Param an earlier run set would stay otherwise (see
    tests/integration/test_company_sentiment_dag.py)."""
    return {
        name: list(spec["default"]) if isinstance(spec["default"], tuple) else spec["default"]
        for name, spec in settings_class.param_specs().items()
    }


def dag_of(dag_id: str):
    """The DAG as ``dag.test()`` runs it, its retries at once (a retry's wait is not what
    these tests look at)."""
    from datetime import timedelta

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags[dag_id]
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
    return dag


def write_yaml(path: Path, document: object) -> Path:
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.contextmanager
def deployment(folder: Path, connections: dict | None = None) -> Iterator[Deployment]:
    """An enforcing stand-in in ``folder`` with the two users, bootstrapped as the
    bootstrap user with :data:`COMPANIES` (and ``connections`` written to Secrets
    Manager); stopped on leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    with EnforcingAws.running(folder) as aws:
        built = Deployment(
            aws, aws.shipped_user("pipelines.json"), aws.shipped_user("bootstrap.json"), folder
        )
        companies = write_yaml(
            folder / "companies.yaml", {"companies": [{"name": name} for name in COMPANIES]}
        )
        args = ["--companies", str(companies)]
        if connections:
            path = folder / "connections.json"
            path.write_text(json.dumps(connections), encoding="utf-8")
            args += ["--connections", str(path)]
        built.control.reset()
        built.run_bootstrap(*args)
        built.refused_at_setup = built.control.denied()
        yield built
