"""The metadata database of a local Airflow: PostgreSQL when one answers, else SQLite.

Airflow's default SQLite locks ("database is locked") when the LocalExecutor runs mapped
tasks side by side, so :meth:`MetadataDatabase.choose` takes the first PostgreSQL server
of ``POSTGRES_HOSTS`` that accepts the ``PGUSER`` (``postgres`` by default), creating the
database if missing, and falls back to SQLite, one task at a time, without one.
:func:`throwaway_database` gives a test module or a benchmark a database of its own,
dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE = "enrichment_airflow"
# Unix socket first: it is the one PostgreSQL answers on inside a network namespace too.
POSTGRES_HOSTS = ("/var/run/postgresql", "127.0.0.1")


def _postgres_admin(host: str, dbname: str = "postgres"):
    import psycopg2

    connection = psycopg2.connect(
        host=host, user=os.environ.get("PGUSER", "postgres"), dbname=dbname, connect_timeout=3
    )
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return connection


def postgres_host() -> str | None:
    """The first of ``POSTGRES_HOSTS`` where a PostgreSQL server accepts us, if any."""
    import psycopg2

    for host in POSTGRES_HOSTS:
        try:
            _postgres_admin(host).close()
        except psycopg2.OperationalError:
            continue
        return host
    return None


def ensure_database(host: str, name: str) -> None:
    from psycopg2 import sql

    # closing(), not the connection's own context manager, which opens a transaction.
    with closing(_postgres_admin(host)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(host: str, name: str) -> None:
    from psycopg2 import sql

    with closing(_postgres_admin(host)) as connection, connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def throwaway_database(state_dir: Path) -> Iterator[MetadataDatabase]:
    """A metadata database for one test module or benchmark: a new PostgreSQL database,
    dropped afterwards, when one answers; else SQLite in ``state_dir`` (what `make
    airflow` falls back to: one task at a time)."""
    host = postgres_host()
    if host is None:
        yield MetadataDatabase(f"sqlite:///{Path(state_dir) / 'airflow' / 'airflow.db'}", 1)
        return
    name = f"enrichment_{secrets.token_hex(4)}"
    try:
        yield MetadataDatabase.postgres(host, name)
    finally:
        drop_database(host, name)


def postgres_url(host: str, name: str) -> str:
    from sqlalchemy.engine import URL

    # The host goes in the query so a socket directory works for both drivers Airflow uses
    # (psycopg2, and asyncpg for the URL it derives from this one).
    return URL.create(
        "postgresql+psycopg2",
        username=os.environ.get("PGUSER", "postgres"),
        database=name,
        query={"host": host},
    ).render_as_string(hide_password=False)


@dataclass(frozen=True)
class MetadataDatabase:
    url: str
    # How many task instances may run at once; SQLite takes writers one at a time.
    parallelism: int

    @classmethod
    def choose(cls, state_dir: Path, name: str = DEFAULT_DATABASE) -> MetadataDatabase:
        """PostgreSQL when it answers (database created if missing), else SQLite."""
        if url := os.environ.get("ENRICHMENT_AIRFLOW_DB_URL"):
            return cls(url, parallelism=1 if url.startswith("sqlite") else 8)
        host = postgres_host()
        if host is None:
            return cls(f"sqlite:///{Path(state_dir) / 'airflow' / 'airflow.db'}", parallelism=1)
        return cls.postgres(host, name)

    @classmethod
    def postgres(cls, host: str, name: str) -> MetadataDatabase:
        """Database ``name`` on the PostgreSQL server at ``host``, created if missing."""
        ensure_database(host, name)
        return cls(postgres_url(host, name), parallelism=8)

    def celery_result_backend(self) -> str:
        """This database as Celery's result backend. The driver is named: for a bare
        ``db+postgresql://`` Celery's SQLAlchemy picks psycopg 3, which is not installed."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.get_backend_name() != "postgresql":
            raise RuntimeError(
                "the CeleryExecutor needs PostgreSQL for the metadata database and Celery's "
                f"results, not {url.get_backend_name()}; no PostgreSQL answered on "
                f"{' or '.join(POSTGRES_HOSTS)} as user {os.environ.get('PGUSER', 'postgres')}: "
                "start one (e.g. `apt-get install postgresql`) or set ENRICHMENT_AIRFLOW_DB_URL"
            )
        psycopg2 = url.set(drivername="postgresql+psycopg2")
        return "db+" + psycopg2.render_as_string(hide_password=False)
