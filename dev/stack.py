"""Start, check and stop the local stand-ins: AWS endpoint, Wikipedia API, sample site.

Each stand-in is a real HTTP server on 127.0.0.1 in its own process, with its pid, port
and log under the state directory (``.local/`` by default). ``up`` is idempotent: a
healthy stand-in is reused, a dead one is restarted. ``down`` stops them and frees
the ports.

    python -m dev.stack up | down | status | env
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dev import PROJECT_ROOT
from dev.ports import free_port, port_is_free
from dev.processes import Supervised, wait_until_healthy

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
    Service("aws", "dev.standins.aws_server", 8950, "/moto-api/"),
    Service("wikipedia", "dev.standins.wikipedia_api", 8951, "/healthz"),
    Service("site", "dev.standins.sample_site", 8952, "/healthz"),
)
# Development only: the one sites file that lets the crawler reach the loopback sample site.
LOCAL_SITES_FILE = PROJECT_ROOT / "dev" / "sites.local.yaml"


def healthy(url: str) -> bool:
    """Whether ``url`` answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Stack:
    """The stand-ins of one state directory; ports default to 8950-8952 (env overrides)."""

    def __init__(self, state_dir: Path = DEFAULT_STATE_DIR, ports: dict[str, int] | None = None):
        self.state_dir = Path(state_dir)
        self.ports = {
            s.name: int(os.environ.get(s.port_env(), s.default_port)) for s in SERVICES
        } | (ports or {})

    @classmethod
    @contextlib.contextmanager
    def on_free_ports(cls, state_dir: Path) -> Iterator[Stack]:
        """The stand-ins of ``state_dir`` up on ports the OS picks, beside any on the
        defaults (a test session, a benchmark), with this process's connections and sites
        file (``os.environ``) pointing at them; stopped on leaving the block."""
        stack = cls(state_dir, ports={service.name: free_port() for service in SERVICES})
        try:
            stack.up()
            os.environ.update(stack.connection_env())
            yield stack
        finally:
            stack.down()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _process(self, service: Service) -> Supervised:
        return Supervised(service.name, self.state_dir)

    def up(self) -> list[str]:
        """Start what is not running and healthy; returns the names of those started."""
        return [service.name for service in SERVICES if self._start(service)]

    def _start(self, service: Service) -> bool:
        health = self.url(service.name) + service.health_path
        process = self._process(service)
        # Its (pid, port), whatever port it was started on.
        recorded = process.running()
        if recorded and recorded[1] == self.ports[service.name] and healthy(health):
            return False
        if recorded:  # unhealthy, or on a port the settings no longer name
            process.stop()
        port = self.ports[service.name]
        if not port_is_free(port):
            raise RuntimeError(
                f"port {port} for the {service.name} stand-in is taken by another program; "
                f"free it or set {service.port_env()}"
            )
        process.start(
            [sys.executable, "-m", service.module, "--host", "127.0.0.1", "--port", str(port)],
            record=[port],
        )
        wait_until_healthy(
            f"{service.name} stand-in",
            lambda: healthy(health),
            [process],
            deadline=time.monotonic() + READY_TIMEOUT,
        )
        return True

    def down(self, names: list[str] | None = None) -> None:
        """Stop the stand-ins named in ``names`` (all of them by default)."""
        for service in SERVICES:
            if names is None or service.name in names:
                self._process(service).stop()

    def status(self) -> dict[str, str]:
        return {
            s.name: "up" if healthy(self.url(s.name) + s.health_path) else "down" for s in SERVICES
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


def aws_connection(aws_url: str, key_id: str = "testing", secret: str = "testing") -> dict:
    """The ``aws_default`` connection on the AWS stand-in at ``aws_url``, with an access
    key: any while IAM is not enforced (these keep boto3 from looking for real ones), an
    IAM user's on an enforcing stand-in (``dev/enforcing_aws.py``)."""
    return {
        "conn_type": "aws",
        "login": key_id,
        "password": secret,
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


def connection_env(aws_url: str, wikipedia_url: str, site_url: str) -> dict[str, str]:
    """Connections and the sites file for local development; production defines its own
    connections without endpoints and crawls the package's ``config/sites.yaml``."""
    wikipedia = {"conn_type": "http", "host": wikipedia_url}
    return {
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws_connection(aws_url)),
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
