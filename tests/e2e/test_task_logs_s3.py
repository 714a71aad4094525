"""Task logs in S3 through a real Airflow (enrichment.task_logs): one object per task try,
and a run's logs read through the REST API from S3 alone once the local files are gone.

It runs on the Airflow test_celery_triggerers.py starts (Celery workers and two
triggerers, each as if on a host of its own: nothing reads another's files; task logs in
S3), after its run: the two are one xdist group (tests/conftest.py), as a start costs a
minute of both cores. Alone, it starts that Airflow itself.
"""

from __future__ import annotations

import pytest

from dev.airflow_local import LocalAirflow
from tests.support.sentiment_runs import CELERY_TWO_TRIGGERERS, DAG_ID
from tests.support.task_logs import (
    expected_names,
    read_after_local_files_go,
    shipped,
    small_run,
    without_trigger_suffix,
)


@pytest.fixture(scope="module")
def airflow_options() -> dict:
    return dict(CELERY_TWO_TRIGGERERS)


def test_task_logs_are_read_from_s3_once_the_local_files_are_gone(api, airflow: LocalAirflow, s3):
    folder = airflow.task_log_settings()["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"]
    bucket, _, prefix = folder.removeprefix("s3://").partition("/")
    run_id = small_run(api, "2026-10-03", "fang_task_logs_s3")
    run_prefix = f"{prefix}/dag_id={DAG_ID}/run_id={run_id}/"

    def object_names() -> list[str]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=run_prefix).get("Contents", [])
        return [o["Key"].removeprefix(f"{prefix}/") for o in listed]

    expected = expected_names(api, run_id)
    keys = shipped(object_names, len(expected))
    # One object per task try, read by the API server from S3 alone.
    assert len(keys) == len(expected)
    assert {without_trigger_suffix(k) for k in keys} == expected
    read_after_local_files_go(api, airflow, run_id, "s3://")
