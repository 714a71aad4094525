"""Background processes of the development tooling, and one-shot steps with a log.

The stack's stand-ins and the local Airflow's components are :class:`Supervised`
processes: each runs in its own session (so a Ctrl-C in the caller's terminal is not
theirs, and stopping the group also stops whatever they started, such as task
processes), writes its output to ``<state dir>/logs/<name>.log`` and is recorded in
``<state dir>/<name>.pid`` with whatever else the caller needs to know later (a port).
A later command, in another process, finds it again through that file.
:func:`kill_session` kills one as when its machine dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dev import PROJECT_ROOT

# Enough of a log to show why a process failed, short enough to read in an error message.
TAIL_CHARS = 3000
# SIGKILL cannot be ignored; this only waits for the kernel to finish the process.
KILL_TIMEOUT = 5.0


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


def _exited(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` exits within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-TAIL_CHARS:]


class Supervised:
    """The process called ``name`` of one state directory, running or not."""

    def __init__(self, name: str, state_dir: Path, stop_timeout: float = 10.0) -> None:
        self.name = name
        self.pid_file = Path(state_dir) / f"{name}.pid"
        self.log_path = Path(state_dir) / "logs" / f"{name}.log"
        self.stop_timeout = stop_timeout

    def running(self) -> tuple[int, ...] | None:
        """``(pid, *record)`` as :meth:`start` recorded them, while that process runs."""
        try:
            recorded = tuple(map(int, self.pid_file.read_text().split()))
        except (FileNotFoundError, ValueError):
            return None
        return recorded if recorded and alive(recorded[0]) else None

    def alive(self) -> bool:
        return self.running() is not None

    def start(
        self, command: Sequence[str], env: dict[str, str] | None = None, record: Sequence[int] = ()
    ) -> None:
        """Start ``command`` in the project root (where ``-m dev...`` resolves), appending
        its output to the log, and record its pid followed by ``record``."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(" ".join(map(str, (process.pid, *record))))

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after ``stop_timeout``; forget the pid."""
        recorded = self.running()
        if recorded:
            pid = recorded[0]
            os.killpg(pid, signal.SIGTERM)
            if not _exited(pid, self.stop_timeout):
                os.killpg(pid, signal.SIGKILL)
                _exited(pid, KILL_TIMEOUT)
        self.pid_file.unlink(missing_ok=True)


def stop_all(processes: Sequence[Supervised]) -> None:
    """Stop ``processes`` in the reverse of the order they were started in."""
    for process in reversed(processes):
        process.stop()


def wait_until_healthy(
    what: str,
    healthy: Callable[[], bool],
    processes: Sequence[Supervised],
    deadline: float,
    interval: float = 0.1,
) -> None:
    """Until ``healthy()`` passes. If one of ``processes`` exits first, or ``deadline``
    (``time.monotonic()``) passes, stop them all and raise with their logs' tails."""
    while not healthy():
        dead = [process for process in processes if not process.alive()]
        if dead or time.monotonic() > deadline:
            reason = f"{', '.join(p.name for p in dead)} exited" if dead else "not healthy in time"
            logs = "\n".join(f"--- {p.name}:\n{_tail(p.log_path)}" for p in dead or processes)
            stop_all(processes)
            raise RuntimeError(f"{what} did not start ({reason}):\n{logs}")
        time.sleep(interval)


def kill_session(leader: int) -> int:
    """SIGKILL every process of the session ``leader`` started; how many there were: a
    process dies as when its machine does, the task supervisors and task processes it
    started included (they sit in process groups of their own, so killing its group would
    leave them running)."""
    killed = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == leader:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
        except ProcessLookupError:
            continue  # ended meanwhile
    return killed


def run_step(name: str, command: Sequence[str], env: dict[str, str], log_path: Path) -> float:
    """Run ``command`` to completion in the project root with its output in ``log_path``;
    the seconds it took. Raises with the log's tail if it fails."""
    started = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        result = subprocess.run(
            command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        raise RuntimeError(
            f"{name} failed (exit {result.returncode}); full log: {log_path}\n{_tail(log_path)}"
        )
    return time.monotonic() - started
