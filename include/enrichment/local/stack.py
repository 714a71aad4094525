"""Start, check and stop the local stand-ins: AWS endpoint, Wikipedia API, sample site.

Each stand-in is a real HTTP server on 127.0.0.1 in its own process, with its pid, port
and log under the state directory (``.local/`` by default). ``up`` is idempotent: a
healthy stand-in is reused, a dead one is restarted. ``down`` stops them and frees
the ports.

    python -m enrichment.local.stack up | down | status | env
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_STATE_DIR = Path(os.environ.get("ENRICHMENT_STATE_DIR", PROJECT_ROOT / ".local"))
REGION = "us-east-1"
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    default_port: int
    health_path: str

    def port_env(self) -> str:
        return f"ENRICHMENT_{self.name.upper()}_PORT"


SERVICES = (
    Service("aws", "enrichment.local.aws_server", 8950, "/moto-api/"),
    Service("wikipedia", "enrichment.local.wikipedia_api", 8951, "/healthz"),
    Service("site", "enrichment.local.sample_site", 8952, "/healthz"),
)
LOCAL_SITES_FILE = PROJECT_ROOT / "include" / "config" / "sites.local.yaml"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (an exited child of ours is reaped)."""
    try:
        # Reap it if it is our own exited child; a zombie still answers kill(pid, 0).
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # started by another process (an earlier `stack up`)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Stack:
    """The stand-ins of one state directory; ports default to 8950-8952 (env overrides)."""

    def __init__(self, state_dir: Path = DEFAULT_STATE_DIR, ports: dict[str, int] | None = None):
        self.state_dir = Path(state_dir)
        self.ports = {
            s.name: int(os.environ.get(s.port_env(), s.default_port)) for s in SERVICES
        } | (ports or {})

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _pid_file(self, service: Service) -> Path:
        return self.state_dir / f"{service.name}.pid"

    def _recorded(self, service: Service) -> tuple[int, int] | None:
        """(pid, port) of this state directory's running process of ``service``, whatever
        port it was started on."""
        try:
            pid, port = map(int, self._pid_file(service).read_text().split())
        except (FileNotFoundError, ValueError):
            return None
        return (pid, port) if alive(pid) else None

    def up(self) -> list[str]:
        """Start what is not running and healthy; returns the names of those started."""
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        return [service.name for service in SERVICES if self._start(service)]

    def _start(self, service: Service) -> bool:
        health = self.url(service.name) + service.health_path
        recorded = self._recorded(service)
        if recorded and recorded[1] == self.ports[service.name] and _healthy(health):
            return False
        if recorded:  # unhealthy, or on a port the settings no longer name
            self._stop(service)
        port = self.ports[service.name]
        if not port_is_free(port):
            raise RuntimeError(
                f"port {port} for the {service.name} stand-in is taken by another program; "
                f"free it or set {service.port_env()}"
            )
        log_path = self.state_dir / "logs" / f"{service.name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", service.module, "--host", "127.0.0.1", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C in the caller's terminal is not theirs
            )
        self._pid_file(service).write_text(f"{process.pid} {port}")
        deadline = time.monotonic() + READY_TIMEOUT
        while not _healthy(health):
            if process.poll() is not None or time.monotonic() > deadline:
                self._stop(service)
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{service.name} stand-in did not become ready:\n{tail}")
            time.sleep(0.1)
        return True

    def _stop(self, service: Service) -> None:
        recorded = self._recorded(service)
        if recorded:
            pid = recorded[0]
            os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
        self._pid_file(service).unlink(missing_ok=True)

    def down(self, names: list[str] | None = None) -> None:
        """Stop the stand-ins named in ``names`` (all of them by default)."""
        for service in SERVICES:
            if names is None or service.name in names:
                self._stop(service)

    def status(self) -> dict[str, str]:
        return {
            s.name: "up" if _healthy(self.url(s.name) + s.health_path) else "down" for s in SERVICES
        }

    def connection_env(self) -> dict[str, str]:
        """Environment pointing Airflow's connections and the crawler at the stand-ins."""
        return connection_env(
            aws_url=self.url("aws"), wikipedia_url=self.url("wikipedia"), site_url=self.url("site")
        )


def airflow_env(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, str]:
    """Airflow settings for running the project's DAGs from a checkout.

    AIRFLOW_HOME (and with it the SQLite metadata database and the logs) lives in the
    state directory, so nothing is written to ``~/airflow``.
    """
    return {
        "AIRFLOW_HOME": str(Path(state_dir) / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def connection_env(aws_url: str, wikipedia_url: str, site_url: str) -> dict[str, str]:
    """Connections and the sites file for local development; production defines its own
    connections without endpoints and crawls ``include/config/sites.yaml``."""
    aws = {
        "conn_type": "aws",
        # moto accepts any credentials; these keep boto3 from looking for real ones.
        "login": "testing",
        "password": "testing",
        "extra": {
            "endpoint_url": aws_url,
            "region_name": REGION,
            "config_kwargs": {
                "retries": {"mode": "standard", "max_attempts": 5},
                "connect_timeout": 5,
                "read_timeout": 30,
            },
        },
    }
    wikipedia = {"conn_type": "http", "host": wikipedia_url}
    return {
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws),
        "AIRFLOW_CONN_WIKIPEDIA_DEFAULT": json.dumps(wikipedia),
        "ENRICHMENT_SITES_FILE": str(LOCAL_SITES_FILE),
        "ENRICHMENT_SAMPLE_SITE_URL": site_url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "env"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args()
    stack = Stack(args.state_dir)
    if args.command == "up":
        stack.up()
        print(json.dumps(stack.status()))
    elif args.command == "down":
        stack.down()
    elif args.command == "status":
        print(json.dumps(stack.status()))
    else:
        for name, value in stack.connection_env().items():
            print(f"export {name}='{value}'")


if __name__ == "__main__":
    main()
