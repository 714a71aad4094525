"""A real local Airflow without Docker: API server (web UI), scheduler, DAG processor, triggerer.

The four core components of the docker compose services, each an ``airflow`` process of
the virtualenv with its pid and log under the state directory (``.local/`` by default),
started after the local stand-ins, ``airflow db migrate`` and ``python -m
enrichment.bootstrap`` (the compose init service's entry point). The connections point at
the stand-ins; the login is ``admin`` / ``admin`` (``dev.airflow_api``, whose client the
runner waits with).

The metadata database is PostgreSQL when one answers (database ``enrichment_airflow``,
created if missing; ``dev.metadata_database``): Airflow's default SQLite locks ("database
is locked") when the LocalExecutor runs mapped tasks side by side. Without PostgreSQL it
falls back to SQLite, runs one task at a time and loads
``dev/sqlite_settings/airflow_local_settings.py``.

The executor is the LocalExecutor, or with ``--executor celery`` the CeleryExecutor:
``--workers`` Celery workers (``airflow celery worker``) on the Redis at
``ENRICHMENT_REDIS_URL`` (``redis://127.0.0.1:6379/0``), with the metadata database,
which must then be PostgreSQL, as Celery's result backend. ``--triggerers`` runs more
than one triggerer with either executor.

    python -m dev.airflow_local run | up | down | status | env
        [--executor local|celery] [--workers N] [--triggerers N]

``run`` stays in the foreground and starts again any component that exits (as compose's
``restart: always``, with its growing delay); ``up`` leaves a process of its own doing
that (``airflow-keeper``), which ``down`` stops first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shlex
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from dev import PROJECT_ROOT
from dev.airflow_api import PASSWORD, USERNAME, ApiClient, health
from dev.metadata_database import MetadataDatabase
from dev.ports import port_is_free
from dev.processes import Supervised, kill_session, run_step, stop_all, wait_until_healthy
from dev.redis_broker import REDIS_URL, redis_answers
from dev.stack import DEFAULT_STATE_DIR, Stack, airflow_env
from dev.worker_hostname import WORKER_HOSTNAME_ENV
from enrichment.company_sentiment.settings import SentimentSettings

DEFAULT_PORT = 8980
MAX_MAP_LENGTH = 5000
CALLBACKS_PER_LOOP = 500
# Started in this order (with any further triggerers and the Celery workers before the
# scheduler); stopped in reverse, so the API server that running tasks report to goes last.
COMPONENTS = ("api-server", "dag-processor", "triggerer", "scheduler")
EXECUTORS = {"local": "LocalExecutor", "celery": "CeleryExecutor"}
DEFAULT_WORKERS = 2
# Task processes per Celery worker. Each is a process of its own (fork, DAG parse, about
# 150 MB) that mostly waits on remote APIs; two workers of 4 give the 8 slots the
# LocalExecutor has here. Airflow's default, 16, sizes a worker that has a machine to itself.
DEFAULT_WORKER_CONCURRENCY = 4
# Airflow local settings for SQLite (see its docstring).
SQLITE_SETTINGS = PROJECT_ROOT / "dev" / "sqlite_settings"
# Run before the components start; docker compose's init service runs the same commands.
# Names resolve in the virtualenv, which env() puts first on PATH.
INIT_STEPS = {
    "airflow-db-migrate": ["airflow", "db", "migrate"],
    "bootstrap": ["python", "-m", "enrichment.bootstrap"],
}
# How fast work held by a dead component comes back: the settings docker compose, this
# runner and a deployment share, each with its why.
RECOVERY_ENV = PROJECT_ROOT / "deploy" / "recovery.env"
# Where task logs go (`ENRICHMENT_REMOTE_LOGS`): off (local files, so a first run needs
# nothing new), CloudWatch Logs with the settings docker compose ships, or S3 with the
# same settings and this folder (docs/operations.md#task-logs).
REMOTE_LOGS = ("off", "cloudwatch", "s3")
TASK_LOGS_ENV = PROJECT_ROOT / "deploy" / "task-logs.env"
S3_LOG_FOLDER = f"s3://{SentimentSettings.bucket}/logs"
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0
# `make airflow` starts again a component that exits, at once the first time, then (as
# Docker's restart policy) after a delay that doubles from 1 s to 30 s while it keeps
# exiting: the database down for a while, say. One that ran a minute starts at once again.
RESTART_DELAYS = (1.0, 30.0)
RESTART_RESET_AFTER = 60.0


def read_env_file(path: Path = RECOVERY_ENV) -> dict[str, str]:
    """An env file of ``deploy/`` as docker compose reads it: ``NAME=value`` lines, blank
    lines and ``#`` comments."""
    settings = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def _python_path(*folders: Path) -> str:
    """``PYTHONPATH`` with ``folders`` after what ours already holds."""
    return os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), *map(str, folders)]))


@dataclass(frozen=True)
class Installation:
    """What the components run and load: by default this virtualenv's Airflow, the
    checkout's ``dags/`` and ``plugins/`` and the package installed in the virtualenv;
    ``dev.mwaa_local`` gives MWAA's (another virtualenv, the package's folders).
    ``python_path``: folders on every component's ``PYTHONPATH`` (MWAA's plugins folder);
    ``unset``: variables of ours the components must not see (a connection that must come
    from the secrets backend)."""

    bin_dir: Path = Path(sys.executable).parent
    dags_folder: Path = PROJECT_ROOT / "dags"
    plugins_folder: Path = PROJECT_ROOT / "plugins"
    python_path: tuple[Path, ...] = ()
    unset: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Component:
    """One ``airflow`` process: ``airflow-<name>`` names its pid file and log; ``env`` is
    what it adds to the environment every component shares."""

    name: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


class LocalAirflow:
    """The Airflow components of one state directory, on the stand-ins of ``stack``."""

    def __init__(
        self,
        stack: Stack,
        state_dir: Path = DEFAULT_STATE_DIR,
        port: int | None = None,
        database: MetadataDatabase | None = None,
        executor: str = "local",
        workers: int = DEFAULT_WORKERS,
        triggerers: int = 1,
        worker_concurrency: int = DEFAULT_WORKER_CONCURRENCY,
        recovery: dict[str, str] | None = None,
        broker_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        remote_logs: str | None = None,
        init_env: dict[str, str] | None = None,
        installation: Installation | None = None,
    ) -> None:
        if executor not in EXECUTORS:
            raise ValueError(f"executor {executor!r}: one of {', '.join(EXECUTORS)}")
        self.remote_logs = remote_logs or os.environ.get("ENRICHMENT_REMOTE_LOGS") or "off"
        if self.remote_logs not in REMOTE_LOGS:
            raise ValueError(
                f"remote logs {self.remote_logs!r} (ENRICHMENT_REMOTE_LOGS): one of "
                f"{', '.join(REMOTE_LOGS)}"
            )
        if min(workers, triggerers, worker_concurrency) < 1:
            raise ValueError("workers, triggerers and worker concurrency start at 1")
        self.stack = stack
        self.state_dir = Path(state_dir)
        self.port = port or int(os.environ.get("ENRICHMENT_AIRFLOW_PORT", DEFAULT_PORT))
        self._database = database
        self.executor = executor
        self.worker_concurrency = worker_concurrency
        self.home = self.state_dir / "airflow"
        self.logs = self.state_dir / "logs"
        self.broker_url = broker_url or os.environ.get("ENRICHMENT_REDIS_URL", REDIS_URL)
        # deploy/recovery.env unless the caller measures other settings (bench/recovery.py).
        self.recovery = read_env_file() if recovery is None else recovery
        # What the caller's components get on top (a test's ENRICHMENT_SENTIMENT_ON_WORKERS),
        # kept out of the caller's own environment.
        self.extra_env = extra_env or {}
        # What the init steps get on top of that: the bootstrap's own AWS connection where
        # the components' may not create anything (bench/fanout.py --least-privilege).
        self.init_env = init_env or {}
        self.installation = installation or Installation()
        # Every key of this Airflow's Celery in Redis starts with this (queues, unacked
        # messages, the workers' control channel), so two local Airflows on one Redis, as
        # test sessions running side by side, never take each other's tasks.
        digest = hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:12]
        self.broker_prefix = f"enrichment-{digest}:"
        self.components = self._components(workers if executor == "celery" else 0, triggerers)
        # Components stopped on purpose, which keep() leaves stopped until start() is called.
        self.held: set[str] = set()
        # Component -> when keep() last started it, and the delay before it may again.
        self._restarts: dict[str, tuple[float, float]] = {}
        # One per component, in ``components`` order.
        self.processes = [
            Supervised(f"airflow-{c.name}", self.state_dir, stop_timeout=STOP_TIMEOUT)
            for c in self.components
        ]

    def _components(self, workers: int, triggerers: int) -> list[Component]:
        api_server, dag_processor, triggerer, scheduler = (
            Component(name, ("airflow", name)) for name in COMPONENTS
        )
        # Processes on one machine share its hostname and log folder, and a log server
        # serves the whole folder: the first triggerer serves every triggerer's trigger
        # logs. The workers serve none: the API server reads their task logs from the
        # folder (a worker on a machine of its own serves its own, see docs/compose.md).
        more_triggerers = [
            Component(f"triggerer-{n}", (*triggerer.command, "--skip-serve-logs"))
            for n in range(2, triggerers + 1)
        ]
        host = socket.gethostname()
        celery_workers = [
            Component(
                f"worker-{n}",
                (
                    "airflow",
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"worker-{n}@{host}",
                    "--skip-serve-logs",
                ),
                env={
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "dev.worker_hostname.hostname",
                    WORKER_HOSTNAME_ENV: f"worker-{n}@{host}",
                    # `dev.worker_hostname` must import there: dev/ is not installed.
                    "PYTHONPATH": _python_path(PROJECT_ROOT),
                },
            )
            for n in range(1, workers + 1)
        ]
        return [api_server, dag_processor, triggerer, *more_triggerers, *celery_workers, scheduler]

    @property
    def worker_hostnames(self) -> list[str]:
        """The Celery workers' names: their Celery node names and their task instances'
        ``hostname``."""
        return [c.env[WORKER_HOSTNAME_ENV] for c in self.components if WORKER_HOSTNAME_ENV in c.env]

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
            "AIRFLOW__CORE__EXECUTOR": EXECUTORS[self.executor],
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database.url,
            # Loopback unless workers on other machines must reach the execution API.
            "AIRFLOW__API__HOST": os.environ.get("ENRICHMENT_AIRFLOW_HOST", "127.0.0.1"),
            "AIRFLOW__API__PORT": str(self.port),
            # Where links to the UI point (an alert's link to its run); Airflow's default
            # is http://localhost:8080.
            "AIRFLOW__API__BASE_URL": self.url,
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
        settings |= self.recovery | self.task_log_settings()
        if self.executor == "celery":
            settings |= self.celery_settings()
        installation = self.installation
        python_path = [*installation.python_path]
        if self.database.url.startswith("sqlite"):
            python_path.append(SQLITE_SETTINGS)
        if python_path:
            settings["PYTHONPATH"] = _python_path(*python_path)
        # The init steps, the components and the executor's workers start `airflow` by name.
        path = f"{installation.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        folders = {
            "AIRFLOW__CORE__DAGS_FOLDER": str(installation.dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(installation.plugins_folder),
        }
        return (
            {"PATH": path}
            | airflow_env(self.state_dir)
            | folders
            | self.stack.connection_env()
            | settings
            | self.extra_env
        )

    @property
    def parallelism(self) -> int:
        """Task instances running at once: with Celery, the workers' slots, so none waits
        in the queue long enough for `[scheduler] task_queued_timeout` to take it back."""
        if self.executor == "celery":
            return len(self.worker_hostnames) * self.worker_concurrency
        return self.database.parallelism

    def task_log_settings(self) -> dict[str, str]:
        """Remote logging as ``remote_logs`` asks (none when off)."""
        if self.remote_logs == "off":
            return {}
        settings = read_env_file(TASK_LOGS_ENV)
        if self.remote_logs == "s3":
            settings["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] = S3_LOG_FOLDER
        return settings

    def celery_settings(self) -> dict[str, str]:
        return {
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": self.broker_prefix,
            "AIRFLOW__CELERY__RESULT_BACKEND": self.database.celery_result_backend(),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
        }

    def env(self) -> dict[str, str]:
        """Environment for the components and for ``airflow`` commands against them."""
        env = os.environ | self.settings()
        return {name: value for name, value in env.items() if name not in self.installation.unset}

    def running(self) -> list[str]:
        return [c.name for c, p in zip(self.components, self.processes, strict=True) if p.alive()]

    def all_running(self) -> bool:
        return self.running() == [c.name for c in self.components]

    def up(self) -> float:
        """Start everything that is not running yet; the seconds until the API is healthy
        (and, with Celery, every worker answers)."""
        started = time.monotonic()
        if self.all_running() and self._ready():
            return 0.0
        self.down()
        if not port_is_free(self.port):
            raise RuntimeError(
                f"port {self.port} for the Airflow API server is taken by another program; "
                "free it or set ENRICHMENT_AIRFLOW_PORT"
            )
        if self.executor == "celery" and not redis_answers(self.broker_url):
            raise RuntimeError(
                f"the CeleryExecutor needs Redis as its broker and none answers at "
                f"{self.broker_url}: start one (`apt-get install redis-server`, then "
                "`redis-server --daemonize yes`) or set ENRICHMENT_REDIS_URL"
            )
        env = self.env()  # with Celery, fails here unless the database is PostgreSQL
        self.stack.up()
        for name, command in INIT_STEPS.items():
            run_step(name, command, env | self.init_env, self.logs / f"{name}.log")
        for component in self.components:
            self.start(component.name, env)
        deadline = started + READY_TIMEOUT
        wait_until_healthy("local Airflow", self._ready, self.processes, deadline, interval=0.5)
        self._wait_for_dags(deadline)
        return time.monotonic() - started

    def process(self, name: str) -> Supervised:
        """The process of component ``name`` (``triggerer``, ``worker-2``, ...)."""
        return self.processes[[c.name for c in self.components].index(name)]

    def start(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start one component (again, after it was stopped or killed)."""
        component = self.components[[c.name for c in self.components].index(name)]
        self.process(name).start(component.command, env=(env or self.env()) | component.env)
        self.held.discard(name)  # once its pid is recorded, so keep() never starts a second

    def kill(self, name: str) -> int:
        """Kill component ``name`` as when its machine dies
        (:func:`dev.processes.kill_session`) and hold it, so :meth:`keep` leaves it dead
        until :meth:`start`; how many processes died."""
        self.held.add(name)
        recorded = self.process(name).running()
        if recorded is None:
            raise RuntimeError(f"{name} is not running")
        return kill_session(recorded[0])

    def keep(self) -> list[str]:
        """Start again every component that exited (all but those :attr:`held`), as
        compose's ``restart: always`` does, with its growing delay (``RESTART_DELAYS``):
        the scheduler, DAG processor and triggerer exit when the metadata database goes
        away, and the work they held waits for them. The names of those started."""
        started = []
        now = time.monotonic()
        for component, process in zip(self.components, self.processes, strict=True):
            if component.name in self.held or process.alive():
                continue
            last, delay = self._restarts.get(component.name, (0.0, 0.0))
            if now - last > RESTART_RESET_AFTER:
                delay = 0.0
            if now < last + delay:
                continue
            self.start(component.name)
            first, most = RESTART_DELAYS
            self._restarts[component.name] = (now, min(max(2 * delay, first), most))
            started.append(component.name)
        return started

    def _ready(self) -> bool:
        status = health(self.url)
        healthy = bool(status) and all(value == "healthy" for value in status.values())
        return healthy and set(self.worker_hostnames) <= self.workers_answering()

    def workers_answering(self) -> set[str]:
        """The Celery workers that answer a ping through the broker (none without Celery)."""
        if self.executor != "celery":
            return set()
        from celery import Celery

        app = Celery(broker=self.broker_url)
        app.conf.broker_transport_options = {"global_keyprefix": self.broker_prefix}
        try:
            return {name for reply in app.control.ping(timeout=1.0) for name in reply}
        finally:
            app.close()

    def _wait_for_dags(self, deadline: float) -> None:
        """Until the DAG processor has parsed every DAG file, into a DAG or an import error
        (shown in the UI, as Airflow does: a broken file does not stop the others)."""
        dag_files = sorted(self.installation.dags_folder.glob("*.py"))
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
        """Stop the components, and any other this state directory recorded: the workers
        of an earlier ``--executor celery`` start go too with a plain ``down``."""
        self.held.update(c.name for c in self.components)  # keep() leaves them stopped
        known = {process.name for process in self.processes}
        others = [
            Supervised(pid_file.stem, self.state_dir, stop_timeout=STOP_TIMEOUT)
            for pid_file in sorted(self.state_dir.glob("airflow-*.pid"))
            if pid_file.stem not in known
        ]
        stop_all(self.processes + others)

    def status(self) -> dict[str, str]:
        running = self.running()
        processes = {c.name: "running" if c.name in running else "stopped" for c in self.components}
        return processes | {f"health.{k}": v for k, v in health(self.url).items()}


def _print_ready(airflow: LocalAirflow, seconds: float) -> None:
    print(f"Airflow {airflow.url}  (login {USERNAME} / {PASSWORD}; ready in {seconds:.1f}s)")
    for filename, error in airflow.import_errors().items():
        print(f"Import error in dags/{filename}:\n{error}")
    print(f"Metadata database: {airflow.database.url}")
    if airflow.executor == "celery":
        print(
            f"Celery: {', '.join(airflow.worker_hostnames)} on {airflow.broker_url} "
            f"(key prefix {airflow.broker_prefix}), {airflow.worker_concurrency} task slots each"
        )
    print(f"Logs: {airflow.logs}/airflow-*.log, task logs under {airflow.home}/logs/")
    if destination := airflow.task_log_settings().get("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"):
        print(f"Task logs shipped to {destination} (ENRICHMENT_REMOTE_LOGS={airflow.remote_logs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=["run", "up", "down", "status", "env", "keep"],
        help="run: start and stay in the foreground until Ctrl-C, starting again a component "
        "that exits; up/down: in the background (up leaves a `keep` process doing that)",
    )
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument("--executor", choices=list(EXECUTORS), default="local")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="Celery workers (with celery)"
    )
    parser.add_argument(
        "--worker-concurrency",
        type=int,
        default=DEFAULT_WORKER_CONCURRENCY,
        help="task processes per Celery worker",
    )
    parser.add_argument("--triggerers", type=int, default=1)
    parser.add_argument(
        "--remote-logs",
        choices=REMOTE_LOGS,
        help="where task logs go (default: ENRICHMENT_REMOTE_LOGS, else off)",
    )
    args = parser.parse_args()
    stack = Stack(args.state_dir)
    airflow = LocalAirflow(
        stack,
        args.state_dir,
        executor=args.executor,
        workers=args.workers,
        triggerers=args.triggerers,
        worker_concurrency=args.worker_concurrency,
        remote_logs=args.remote_logs,
    )
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
        # What `run` does in the foreground, done by a process of its own: `down` stops it
        # first, with the components.
        keeper = Supervised("airflow-keeper", args.state_dir)
        if not keeper.alive():
            keeper.start([sys.executable, "-m", "dev.airflow_local", "keep", *sys.argv[2:]])
    elif args.command == "keep":
        _keep_running(airflow)
    else:
        run_in_foreground(airflow)


def run_in_foreground(airflow: LocalAirflow) -> None:
    # SIGTERM (from a supervisor or `kill`) stops everything the same way Ctrl-C does, and
    # Ctrl-C works even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _print_ready(airflow, airflow.up())
        print("Press Ctrl-C to stop.")
        _keep_running(airflow)
    except KeyboardInterrupt:
        print("\nStopping Airflow and the stand-ins ...")
    finally:
        airflow.down()
        airflow.stack.down()


def _keep_running(airflow: LocalAirflow) -> None:
    """Start again each component that exits, until stopped."""
    while True:
        time.sleep(1)
        for name in airflow.keep():
            log = airflow.process(name).log_path
            print(f"{name} exited; started again (its log: {log})", flush=True)


if __name__ == "__main__":
    main()
