"""Supervised processes of the dev tooling: found again through their pid files, stopped
with everything they started, and failing with their logs' tails."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from dev import PROJECT_ROOT
from dev.processes import Supervised, alive, run_step, stop_all, wait_until_healthy

SLEEPER = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


@pytest.fixture
def supervised(tmp_path):
    process = Supervised("sleeper", tmp_path, stop_timeout=5)
    yield process
    process.stop()


def test_a_started_process_is_found_again_with_what_was_recorded(tmp_path, supervised):
    supervised.start(SLEEPER, record=[8950])
    again = Supervised("sleeper", tmp_path)
    pid, port = again.running()
    assert port == 8950
    assert again.alive()
    assert supervised.pid_file.read_text() == f"{pid} 8950"


def test_nothing_runs_without_a_pid_file_or_after_the_process_exited(tmp_path):
    process = Supervised("quick", tmp_path)
    assert process.running() is None
    process.start(python("pass"))
    deadline = time.monotonic() + 10
    while process.alive():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.running() is None


def test_stop_ends_the_whole_process_group_and_forgets_the_pid(supervised):
    # A child in the same group, as the scheduler's task processes are.
    supervised.start(python(f"import subprocess; subprocess.run({SLEEPER!r})"))
    wait_until_healthy(
        "child", lambda: "started" in supervised.log_path.read_text(), [supervised], _in(10)
    )
    pid = supervised.running()[0]
    group = [int(p) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == pid]
    assert len(group) == 2
    supervised.stop()
    # The orphaned child is reaped by init in its own time; a zombie has stopped running.
    deadline = _in(5)
    while any(_running(member) for member in group):
        assert time.monotonic() < deadline, "the child outlived stop()"
        time.sleep(0.05)
    assert not supervised.pid_file.exists()


def test_a_process_that_ignores_sigterm_is_killed(tmp_path):
    stubborn = Supervised("stubborn", tmp_path, stop_timeout=0.5)
    stubborn.start(
        python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)"
        )
    )
    wait_until_healthy(
        "stubborn", lambda: "ready" in stubborn.log_path.read_text(), [stubborn], _in(10)
    )
    pid = stubborn.running()[0]
    stubborn.stop()
    assert not alive(pid)


def test_processes_run_in_the_project_root_whatever_the_callers_directory(
    tmp_path, monkeypatch, supervised
):
    monkeypatch.chdir(tmp_path)
    supervised.start(python("import os; print(os.getcwd(), flush=True)"))
    wait_until_healthy(
        "cwd", lambda: str(PROJECT_ROOT) in supervised.log_path.read_text(), [], _in(10)
    )


def test_waiting_ends_when_the_probe_passes(supervised):
    supervised.start(SLEEPER)
    wait_until_healthy(
        "sleeper", lambda: "started" in supervised.log_path.read_text(), [supervised], _in(10)
    )
    assert supervised.alive()


def test_a_process_that_exits_before_it_is_healthy_fails_with_its_log(supervised):
    supervised.start(python("import sys; sys.exit('address already in use')"))
    with pytest.raises(RuntimeError) as failure:
        wait_until_healthy("the stand-in", lambda: False, [supervised], _in(10))
    assert "the stand-in did not start (sleeper exited)" in str(failure.value)
    assert "address already in use" in str(failure.value)
    assert not supervised.pid_file.exists()


def test_processes_not_healthy_in_time_are_stopped_in_reverse_order(tmp_path):
    stopped: list[str] = []

    class Recorded(Supervised):
        def stop(self) -> None:
            stopped.append(self.name)
            super().stop()

    first, second = Recorded("first", tmp_path), Recorded("second", tmp_path)
    for process in (first, second):
        process.start(SLEEPER)
        wait_until_healthy(
            process.name, lambda p=process: "started" in p.log_path.read_text(), [process], _in(10)
        )
    with pytest.raises(RuntimeError, match=r"did not start \(not healthy in time\)") as failure:
        wait_until_healthy("both", lambda: False, [first, second], _in(0.3))
    assert "--- first:\nstarted" in str(failure.value)
    assert "--- second:\nstarted" in str(failure.value)
    assert stopped == ["second", "first"]
    assert not first.alive()
    assert not second.alive()


def test_stop_all_of_nothing_running_is_a_no_op(tmp_path):
    stop_all([Supervised("never-started", tmp_path)])


def test_a_step_reports_its_time(tmp_path):
    log = tmp_path / "logs" / "step.log"
    seconds = run_step("step", python("print('hello')"), dict(os.environ), log)
    assert 0 < seconds < 30
    assert log.read_text() == "hello\n"


def test_a_failed_step_raises_with_its_log_tail(tmp_path):
    log = tmp_path / "step.log"
    code = "import sys; print('x' * 5000); sys.exit('migration failed')"
    with pytest.raises(RuntimeError) as failure:
        run_step("airflow db migrate", python(code), dict(os.environ), log)
    message = str(failure.value)
    assert message.startswith(f"airflow db migrate failed (exit 1); full log: {log}\n")
    assert message.endswith("migration failed\n")
    assert len(message) < 3200  # the tail, not the whole log


def _in(seconds: float) -> float:
    return time.monotonic() + seconds


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_the_local_airflow_starts_again_a_component_that_exited(tmp_path):
    """What `make airflow` does each second (``LocalAirflow.keep``), on stand-in commands:
    a killed component comes back, at once and then after a growing delay; one stopped on
    purpose (held) does not, nor does any after ``down``."""
    from dataclasses import replace

    from dev.airflow_local import LocalAirflow
    from dev.metadata_database import MetadataDatabase
    from dev.processes import kill_session
    from dev.stack import Stack

    database = MetadataDatabase(f"sqlite:///{tmp_path}/airflow.db", 1)
    airflow = LocalAirflow(Stack(tmp_path), tmp_path, port=8080, database=database)
    airflow.components = [replace(c, command=tuple(SLEEPER)) for c in airflow.components]
    try:
        for component in airflow.components:
            airflow.start(component.name)
        assert airflow.keep() == []
        triggerer = airflow.process("triggerer").running()[0]

        assert kill_session(triggerer) == 1
        while airflow.process("triggerer").alive():  # until the kernel has ended it
            time.sleep(0.05)
        assert airflow.keep() == ["triggerer"]
        assert airflow.process("triggerer").running()[0] != triggerer
        assert airflow.all_running()

        # Exiting again at once (a database still down): it waits 1 s, then 2 s, ...
        kill_session(airflow.process("triggerer").running()[0])
        while airflow.process("triggerer").alive():
            time.sleep(0.05)
        assert airflow.keep() == []
        time.sleep(1.0)
        assert airflow.keep() == ["triggerer"]

        assert airflow.kill("api-server") == 1  # killed on purpose: held
        while airflow.process("api-server").alive():
            time.sleep(0.05)
        assert airflow.keep() == []
        airflow.start("api-server")
        assert airflow.held == set()
    finally:
        airflow.down()
    assert airflow.running() == []
    assert airflow.keep() == []
