"""Airflow's local settings for the local runner's SQLite fallback: ``dev.airflow_local``
puts this folder on the components' ``PYTHONPATH`` when the metadata database is SQLite.

Airflow creates a backfill's runs one date at a time, each in a ``SAVEPOINT`` block that
reads and then writes. With pysqlite's transaction handling a SAVEPOINT outside a
transaction starts a deferred one of its own, and its ``RELEASE`` commits it. SQLite
refuses to turn that reader into a writer, at once and whatever its busy timeout, when
another component (scheduler, triggerer, DAG processor) committed since the block's
first read. So creating a backfill failed now and then with "database is locked", after
its first dates were committed; Airflow's clean-up then deleted those runs under the
scheduler, which stopped on the missing row.

Here a SAVEPOINT that would start a transaction starts it with ``BEGIN IMMEDIATE``: the
block takes the write lock first, waiting for it as the busy timeout allows, and its
savepoints nest in that one transaction, so a backfill is created whole or not at all.
"""

from __future__ import annotations

from typing import Any

from airflow import settings
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Airflow's own, read before this module's replaces it in airflow.settings.
_airflow_metadata_engine = settings.create_metadata_engine

__all__ = ["create_metadata_engine"]


def create_metadata_engine(
    sql_alchemy_conn: str, *, engine_args: dict[str, Any], connect_args: dict[str, Any]
) -> Engine:
    """Airflow's metadata engine, with savepoints that begin immediate transactions."""
    engine = _airflow_metadata_engine(
        sql_alchemy_conn, engine_args=engine_args, connect_args=connect_args
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "savepoint", _begin_immediate)
    return engine


def _begin_immediate(connection: Connection, name: str) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")
