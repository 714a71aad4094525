"""Which metadata database the local Airflow picks (``MetadataDatabase.choose``)."""

from __future__ import annotations

import secrets

from dev.metadata_database import MetadataDatabase, drop_database, postgres_host


def test_postgresql_when_it_answers_with_the_database_created(tmp_path):
    host = postgres_host()
    if host is None:  # a machine without PostgreSQL gets the fallback, and nothing else
        assert MetadataDatabase.choose(tmp_path).url.startswith("sqlite:///")
        return
    name = f"enrichment_test_{secrets.token_hex(4)}"
    try:
        database = MetadataDatabase.choose(tmp_path, name)

        assert database.url.startswith(f"postgresql+psycopg2://postgres@/{name}?host=")
        assert database.parallelism > 1
        # Created: Airflow can connect to it.
        from sqlalchemy import create_engine, text

        with create_engine(database.url).connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == name
    finally:
        drop_database(host, name)


def test_sqlite_one_task_at_a_time_without_postgresql(tmp_path, monkeypatch):
    # A role the server does not know: PostgreSQL answers no, as if it were not there.
    monkeypatch.setenv("PGUSER", "no_such_role")

    database = MetadataDatabase.choose(tmp_path)

    assert database.url == f"sqlite:///{tmp_path}/airflow/airflow.db"
    assert database.parallelism == 1


def test_an_explicit_url_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("ENRICHMENT_AIRFLOW_DB_URL", "postgresql+psycopg2://u@db.example/x")

    assert MetadataDatabase.choose(tmp_path) == MetadataDatabase(
        "postgresql+psycopg2://u@db.example/x", parallelism=8
    )
