"""A real local Airflow without Docker: API server (web UI), scheduler, DAG processor, triggerer.

The same four components as the docker compose services, each an ``airflow`` process of
the virtualenv with its pid and log under the state directory (``.local/`` by default),
started after the local stand-ins, ``airflow db migrate`` and ``python -m
enrichment.bootstrap`` (the compose init service's entry point). The connections point at
the stand-ins; the login is ``admin`` / ``admin``.

The metadata database is PostgreSQL when one answers (database ``enrichment_airflow``,
created if missing): Airflow's default SQLite locks ("database is locked") when the
LocalExecutor runs mapped tasks side by side. Without PostgreSQL it falls back to SQLite
and runs one task at a time.

    python -m dev.airflow_local run | up | down | status | env
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import signal
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dev import PROJECT_ROOT
from dev.processes import Supervised, run_step, stop_all, wait_until_healthy
from dev.stack import DEFAULT_STATE_DIR, Stack, airflow_env, port_is_free

DEFAULT_PORT = 8980
DEFAULT_DATABASE = "enrichment_airflow"
USERNAME = PASSWORD = "admin"
MAX_MAP_LENGTH = 5000
CALLBACKS_PER_LOOP = 500
# Started in this order; stopped in reverse, so the API server that running tasks report to
# goes last.
COMPONENTS = ("api-server", "dag-processor", "triggerer", "scheduler")
# Run before the components start; docker compose's init service runs the same commands.
# Names resolve in the virtualenv, which env() puts first on PATH.
INIT_STEPS = {
    "airflow-db-migrate": ["airflow", "db", "migrate"],
    "bootstrap": ["python", "-m", "enrichment.bootstrap"],
}
# Unix socket first: it is the one PostgreSQL answers on inside a network namespace too.
POSTGRES_HOSTS = ("/var/run/postgresql", "127.0.0.1")
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


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


class ApiError(RuntimeError):
    """An answer of the REST API that is not a success, with its HTTP status."""

    def __init__(self, method: str, path: str, status: int, text: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status} {text}")
        self.status = status


class ApiClient:
    """The Airflow REST API v2 with a JWT from the simple auth manager's login."""

    def __init__(self, base_url: str, username: str = USERNAME, password: str = PASSWORD):
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        response = self.session.post(
            f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/api/v2/{path}", timeout=30, **kwargs
        )
        if not response.ok:
            raise ApiError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict) -> Any:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: dict) -> Any:
        return self.request("PATCH", path, json=body)


def health(base_url: str) -> dict[str, str]:
    """Component -> status from ``/api/v2/monitor/health``; empty while it does not answer."""
    import requests

    try:
        response = requests.get(f"{base_url}/api/v2/monitor/health", timeout=5)
    except requests.RequestException:
        return {}
    if response.status_code != 200:
        return {}
    return {name: part.get("status") for name, part in response.json().items()}


class LocalAirflow:
    """The Airflow components of one state directory, on the stand-ins of ``stack``."""

    def __init__(
        self,
        stack: Stack,
        state_dir: Path = DEFAULT_STATE_DIR,
        port: int | None = None,
        database: MetadataDatabase | None = None,
    ) -> None:
        self.stack = stack
        self.state_dir = Path(state_dir)
        self.port = port or int(os.environ.get("ENRICHMENT_AIRFLOW_PORT", DEFAULT_PORT))
        self._database = database
        self.home = self.state_dir / "airflow"
        self.logs = self.state_dir / "logs"
        # One per component, in ``COMPONENTS`` order.
        self.processes = [
            Supervised(f"airflow-{component}", self.state_dir, stop_timeout=STOP_TIMEOUT)
            for component in COMPONENTS
        ]

    @property
    def database(self) -> MetadataDatabase:
        # Chosen on first use, so `down` and `status` never create a database.
        if self._database is None:
            self._database = MetadataDatabase.choose(self.state_dir)
        return self._database

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _secret(self, name: str) -> str:
        """A random secret kept in the state directory, the same for every component."""
        path = self.home / f".{name}"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text()

    def settings(self) -> dict[str, str]:
        """What the components' environment adds to ours (``env`` prints it)."""
        self.home.mkdir(parents=True, exist_ok=True)
        passwords = self.home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({USERNAME: PASSWORD}))
        settings = {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.database.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database.url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            # Tasks report to the execution API of this API server, not the default :8080.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            # One run may map enrich over this many companies (Airflow's default is 1024;
            # the scan's max_companies Param is the run's own cap under it).
            "AIRFLOW__CORE__MAX_MAP_LENGTH": str(MAX_MAP_LENGTH),
            # Each company finished in the triggerer queues a success callback, which the
            # DAG processor answers by parsing the DAG file: take many per parse, not 20.
            "AIRFLOW__DAG_PROCESSOR__MAX_CALLBACKS_PER_LOOP": str(CALLBACKS_PER_LOOP),
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt_secret"),
            "AIRFLOW__API__SECRET_KEY": self._secret("secret_key"),
        }
        # The init steps, the components and the executor's workers start `airflow` by name.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return {"PATH": path} | airflow_env(self.state_dir) | self.stack.connection_env() | settings

    def env(self) -> dict[str, str]:
        """Environment for the components and for ``airflow`` commands against them."""
        return os.environ | self.settings()

    def running(self) -> list[str]:
        return [c for c, process in zip(COMPONENTS, self.processes, strict=True) if process.alive()]

    def up(self) -> float:
        """Start everything that is not running yet; the seconds until the API is healthy."""
        started = time.monotonic()
        if self.running() == list(COMPONENTS) and self._ready():
            return 0.0
        self.down()
        if not port_is_free(self.port):
            raise RuntimeError(
                f"port {self.port} for the Airflow API server is taken by another program; "
                "free it or set ENRICHMENT_AIRFLOW_PORT"
            )
        self.stack.up()
        env = self.env()
        for name, command in INIT_STEPS.items():
            run_step(name, command, env, self.logs / f"{name}.log")
        for component in COMPONENTS:
            self.start(component, env)
        deadline = started + READY_TIMEOUT
        wait_until_healthy("local Airflow", self._ready, self.processes, deadline, interval=0.5)
        self._wait_for_dags(deadline)
        return time.monotonic() - started

    def start(self, component: str, env: dict[str, str] | None = None) -> None:
        """Start one component (again, after it was stopped or killed)."""
        process = self.processes[COMPONENTS.index(component)]
        process.start(["airflow", component], env=env or self.env())

    def _ready(self) -> bool:
        status = health(self.url)
        return bool(status) and all(value == "healthy" for value in status.values())

    def _wait_for_dags(self, deadline: float) -> None:
        """Until the DAG processor has parsed every DAG file, into a DAG or an import error
        (shown in the UI, as Airflow does: a broken file does not stop the others)."""
        dag_files = sorted((PROJECT_ROOT / "dags").glob("*.py"))
        api = self.api()
        while True:
            parsed = api.get("dags")["total_entries"] + len(self.import_errors(api))
            if parsed >= len(dag_files):
                return
            if time.monotonic() > deadline:
                self.down()
                raise RuntimeError("the DAG processor did not parse the DAG files in time")
            time.sleep(0.5)

    def import_errors(self, api: ApiClient | None = None) -> dict[str, str]:
        """DAG file -> the error that kept it from loading."""
        errors = (api or self.api()).get("importErrors")["import_errors"]
        return {error["filename"]: error["stack_trace"] for error in errors}

    def api(self) -> ApiClient:
        return ApiClient(self.url)

    def down(self) -> None:
        stop_all(self.processes)

    def status(self) -> dict[str, str]:
        running = self.running()
        processes = {c: "running" if c in running else "stopped" for c in COMPONENTS}
        return processes | {f"health.{k}": v for k, v in health(self.url).items()}


def _print_ready(airflow: LocalAirflow, seconds: float) -> None:
    print(f"Airflow {airflow.url}  (login {USERNAME} / {PASSWORD}; ready in {seconds:.1f}s)")
    for filename, error in airflow.import_errors().items():
        print(f"Import error in dags/{filename}:\n{error}")
    print(f"Metadata database: {airflow.database.url}")
    print(f"Logs: {airflow.logs}/airflow-*.log, task logs under {airflow.home}/logs/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=["run", "up", "down", "status", "env"],
        help="run: start and stay in the foreground until Ctrl-C; up/down: in the background",
    )
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args()
    stack = Stack(args.state_dir)
    airflow = LocalAirflow(stack, args.state_dir)
    if args.command == "down":
        airflow.down()
        stack.down()
    elif args.command == "status":
        print(json.dumps(airflow.status() | stack.status(), indent=1))
    elif args.command == "env":
        for name, value in airflow.settings().items():
            print(f"export {name}={shlex.quote(value)}")
    elif args.command == "up":
        _print_ready(airflow, airflow.up())
    else:
        _run_in_foreground(airflow)


def _run_in_foreground(airflow: LocalAirflow) -> None:
    # SIGTERM (from a supervisor or `kill`) stops everything the same way Ctrl-C does, and
    # Ctrl-C works even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _print_ready(airflow, airflow.up())
        print("Press Ctrl-C to stop.")
        while airflow.running() == list(COMPONENTS):
            time.sleep(1)
        print("An Airflow component exited; see its log. Stopping.")
    except KeyboardInterrupt:
        print("\nStopping Airflow and the stand-ins ...")
    finally:
        airflow.down()
        airflow.stack.down()


if __name__ == "__main__":
    main()
