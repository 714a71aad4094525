"""The local runner's CeleryExecutor shape (``dev.airflow_local --executor celery``): its
components, settings and clear refusals, without starting anything."""

from __future__ import annotations

import pytest

from dev.airflow_local import COMPONENTS, LocalAirflow
from dev.metadata_database import MetadataDatabase
from dev.ports import free_port
from dev.stack import Stack
from dev.worker_hostname import WORKER_HOSTNAME_ENV, hostname

POSTGRES = MetadataDatabase("postgresql://airflow@db.example/airflow", parallelism=8)


def celery(tmp_path, **options) -> LocalAirflow:
    return LocalAirflow(
        Stack(tmp_path), tmp_path, port=8980, database=POSTGRES, executor="celery", **options
    )


def test_workers_and_further_triggerers_start_before_the_scheduler(tmp_path):
    airflow = celery(tmp_path, workers=3, triggerers=2)

    assert [c.name for c in airflow.components] == [
        "api-server",
        "dag-processor",
        "triggerer",
        "triggerer-2",
        "worker-1",
        "worker-2",
        "worker-3",
        "scheduler",
    ]
    # The LocalExecutor runs the four services of the compose file, and nothing else.
    local = LocalAirflow(Stack(tmp_path), tmp_path, port=8980, database=POSTGRES)
    assert [c.name for c in local.components] == list(COMPONENTS)


def test_each_worker_has_a_hostname_of_its_own_for_celery_and_its_tasks(tmp_path, monkeypatch):
    airflow = celery(tmp_path)
    workers = [c for c in airflow.components if c.name.startswith("worker-")]

    assert len(set(airflow.worker_hostnames)) == 2
    for worker, name in zip(workers, airflow.worker_hostnames, strict=True):
        assert worker.command[:3] == ("airflow", "celery", "worker")
        assert worker.command[worker.command.index("--celery-hostname") + 1] == name
        assert worker.env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "dev.worker_hostname.hostname"
        monkeypatch.setenv(WORKER_HOSTNAME_ENV, worker.env[WORKER_HOSTNAME_ENV])
        assert hostname() == name


def test_celery_settings(tmp_path):
    settings = celery(tmp_path, workers=3, worker_concurrency=2).settings()

    assert settings["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert settings["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/0"
    # The driver named: a bare postgresql:// makes Celery's SQLAlchemy pick psycopg 3.
    assert settings["AIRFLOW__CELERY__RESULT_BACKEND"] == (
        "db+postgresql+psycopg2://airflow@db.example/airflow"
    )
    assert settings["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "2"
    assert settings["AIRFLOW__CORE__PARALLELISM"] == "6"  # the workers' slots


def test_two_state_directories_never_share_a_queue(tmp_path):
    first = celery(tmp_path / "a").settings()
    second = celery(tmp_path / "b").settings()

    prefix = "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX"
    assert first[prefix] != second[prefix]
    assert first[prefix] == celery(tmp_path / "a").settings()[prefix]  # stable across starts


def test_celery_refuses_sqlite_saying_what_to_do(tmp_path):
    sqlite = MetadataDatabase(f"sqlite:///{tmp_path}/airflow.db", parallelism=1)
    airflow = LocalAirflow(Stack(tmp_path), tmp_path, database=sqlite, executor="celery")

    with pytest.raises(RuntimeError, match=r"needs PostgreSQL.*ENRICHMENT_AIRFLOW_DB_URL"):
        airflow.settings()


def test_celery_without_redis_fails_saying_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.setenv("ENRICHMENT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")

    with pytest.raises(RuntimeError, match=r"needs Redis.*redis-server --daemonize yes"):
        celery(tmp_path, workers=1).up()


def test_no_worker_is_no_celery(tmp_path):
    with pytest.raises(ValueError, match="start at 1"):
        celery(tmp_path, workers=0)
