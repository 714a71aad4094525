"""Parts of a local Airflow broken on purpose, for ``bench/recovery.py`` and the
end-to-end recovery tests.

- a component dies as when its machine does: every process of its session SIGKILLed
  (:func:`dev.processes.kill_session`, which ``LocalAirflow.kill`` uses).
- :class:`PrivateRedis`: a Redis server of the caller's own, never persisted, so a
  restart loses its queue as a broker that crashed without a snapshot does.
- :class:`PrivatePostgres`: a PostgreSQL cluster of the caller's own (``initdb`` in a
  temporary directory), to restart without touching the machine's shared server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from dev.ports import free_port
from dev.processes import Supervised, kill_session, wait_until_healthy
from dev.redis_broker import redis_answers

READY_TIMEOUT = 30.0
# Debian keeps the server binaries out of PATH; /usr/local/bin may link them.
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PrivateRedis:
    """``redis-server`` on a free port of 127.0.0.1, with no snapshot and no append-only
    file: what it holds is gone when it stops."""

    def __init__(self, state_dir: Path) -> None:
        self.port = free_port()
        self.process = Supervised("private-redis", state_dir)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: `apt-get install redis-server`")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process.start([*command, "--appendonly", "no"])
        deadline = time.monotonic() + READY_TIMEOUT
        wait_until_healthy("private Redis", self._answers, [self.process], deadline)

    def _answers(self) -> bool:
        return redis_answers(self.url)

    def crash(self) -> None:
        """SIGKILL, as a crash: no chance to save anything."""
        recorded = self.process.running()
        if recorded:
            kill_session(recorded[0])

    def stop(self) -> None:
        self.process.stop()


class PrivatePostgres:
    """A PostgreSQL cluster of its own with trust authentication, reached on a Unix
    socket in that directory only (no TCP: it may use the default port beside the
    machine's server, so clients need no port, only the directory as their host). The
    server refuses to run as root, so it runs as the ``postgres`` user when we are root."""

    def __init__(self) -> None:
        # A directory of its own under the temporary directory, which every user may
        # traverse: the server's user must reach it, and a caller's state directory
        # (mkdtemp's, mode 700) would not let it.
        self.dir = Path(tempfile.mkdtemp(prefix="enrichment-postgres-"))
        self.data = self.dir / "data"

    @property
    def host(self) -> str:
        """Its socket directory, which psycopg2 and asyncpg take as a host."""
        return str(self.dir)

    def _run(self, program: str, *arguments: str) -> None:
        found = [d / program for d in POSTGRES_BIN_DIRS if (d / program).exists()]
        if not found:
            raise RuntimeError(f"{program} is missing: `apt-get install postgresql`")
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_user, str(found[0]), *arguments], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(arguments)}: {done.stdout}{done.stderr}")

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        options = f"-k {self.dir} -c listen_addresses=''"
        log = str(self.dir / "server.log")
        self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-o", options, "-l", log)

    def _stop(self) -> None:
        """Stop without a clean shutdown: every connection cut, as in a crash."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-w", "-m", "immediate")

    def restart(self, down_for: float = 0.0) -> None:
        """Crash, stay down ``down_for`` seconds, start again."""
        self._stop()
        time.sleep(down_for)
        self.start()

    def stop(self) -> None:
        """Stop it and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            self._stop()
        shutil.rmtree(self.dir, ignore_errors=True)
