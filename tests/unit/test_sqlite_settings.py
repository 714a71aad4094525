"""The local runner's Airflow settings for SQLite (``dev/sqlite_settings/``): a block in a
SAVEPOINT holds the write lock from its start, so another component's commit between its
read and its write cannot make SQLite refuse it, as it refused backfills."""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dev.airflow_local import SQLITE_SETTINGS


@pytest.fixture(scope="module")
def local_settings():
    spec = importlib.util.spec_from_file_location(
        "airflow_local_settings", SQLITE_SETTINGS / "airflow_local_settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_then_write(engine, path) -> None:
    """A SAVEPOINT block that reads, lets another connection commit, then writes."""
    with Session(engine) as session:
        with session.begin_nested():
            session.execute(text("SELECT count(*) FROM runs")).scalar()
            other = sqlite3.connect(path, timeout=0.2)
            try:
                other.execute("INSERT INTO runs VALUES ('other')")
                other.commit()
            except sqlite3.OperationalError:
                pass  # the block holds the write lock: the other writer waits its turn
            finally:
                other.close()
            session.execute(text("INSERT INTO runs VALUES ('backfill')"))
        session.commit()


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "airflow.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # as Airflow sets it
        connection.execute("CREATE TABLE runs (name TEXT)")
    return path


def test_a_savepoint_block_is_not_refused_when_another_writer_commits(local_settings, database):
    engine = local_settings.create_metadata_engine(
        f"sqlite:///{database}", engine_args={}, connect_args={}
    )

    read_then_write(engine, database)

    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM runs")).scalars().all() == ["backfill"]


def test_without_them_sqlite_refuses_it(database):
    with pytest.raises(OperationalError, match="database is locked"):
        read_then_write(create_engine(f"sqlite:///{database}"), database)
