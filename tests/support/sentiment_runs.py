"""company_sentiment runs as the end-to-end tests start and read them, through the REST
API of a real Airflow: tables of made-up companies, runs triggered for a date with their
conf, the result files read from the AWS stand-in's S3; the Airflow shape two modules
share; and how long a run may take once a fault is over, with the shipped settings."""

from __future__ import annotations

import csv
import io

from dev.airflow_api import ApiClient
from dev.airflow_local import read_env_file
from enrichment.company_sentiment.deadline import DEADLINE_ENV

DAG_ID = "company_sentiment"
BUCKET = "fangsentiment"
# The Airflow of test_celery_triggerers.py, which test_task_logs_s3.py runs on after it:
# Celery workers, two triggerers, task logs in S3 (tests/conftest.py runs them in order).
CELERY_TWO_TRIGGERERS = {"executor": "celery", "workers": 2, "triggerers": 2, "remote_logs": "s3"}


def read_rows(s3, key: str) -> list[dict[str, str]]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def objects(s3, prefix: str) -> dict[str, dict]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: o for o in listed}


def companies_table(name: str, names: list[str]) -> str:
    """A companies table ``name`` (made as the bootstrap makes tables) holding ``names``."""
    from enrichment import aws
    from enrichment.bootstrap import ensure_table
    from enrichment.company_sentiment.companies import put_companies

    ensure_table(aws.dynamodb_client(), name, "name")
    put_companies(aws.dynamodb_table(name), [{"name": company} for company in names])
    return name


def synthetic_table(name: str, companies: int) -> list[str]:
    """A table ``name`` of ``companies`` made-up companies, whose sentiment the stand-ins
    fix by number (see dev/standins/wikipedia_api.py); their names, sorted."""
    names = [f"Synthetic Company {n}" for n in range(companies)]
    companies_table(name, names)
    return sorted(names)


def trigger(api: ApiClient, ds: str, conf: dict) -> str:
    body = {"logical_date": f"{ds}T00:00:00Z", "conf": conf}
    return api.post(f"dags/{DAG_ID}/dagRuns", body)["dag_run_id"]


SHIPPED = read_env_file()
# The longest a run may take once its fault is over: a dead task found and failed, a
# queued one taken back, each after its timeout and the scheduler's next look, then
# retried (a retry waits 5 s, then 10 s) and run; a minute for the rest of the run.
RECOVERY = (
    float(SHIPPED["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"])
    + float(SHIPPED["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL"])
    + float(SHIPPED["AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT"])
    + float(SHIPPED["AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL"])
    + 15
    + 60
)


# The Airflow of tests/conftest.py's e2e-local-executor group (test_alerts.py first):
# company_sentiment's deadline on, due at a run's logical date itself, so every run is past
# it from its first moment and a daily run is told unless its file is written
# (test_alerts.py holds one there); every other run's is a no-op of the triggerer.
DEADLINE_AT_ONCE = {DEADLINE_ENV: "0"}
