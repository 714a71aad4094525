"""Local stand-ins for the public images docker-compose.yaml and the Dockerfile start from.

The compose test runs where no image registry can be reached, so it builds, under the
exact names the files use, images that behave as the official ones do in the parts the
project relies on (each Dockerfile here says which):

- ``apache/airflow:3.3.2-python3.11`` (``airflow/``), the Dockerfile's base;
- ``postgres:16`` (``postgres/``) and ``redis:7.2-bookworm`` (``redis/``), the compose
  file's.

All three start from a Debian bookworm root file system made by ``debootstrap`` from the
Debian mirror and imported into the engine; packages come from Debian and PyPI only. The
host's extra CA certificates and pip index go into the Airflow image, so pip inside a build
trusts what the host trusts and reaches the same index.

Building takes minutes, so every image carries a label with the hash of its inputs (its
directory, the certificates and pip settings, its parent's hash, for Airflow the runtime
lock it installs under) and is rebuilt only when that hash changes: a second run on the
same engine data directory builds nothing.

    python -m tests.compose.base_images.build   # build them on $DOCKER_HOST's engine
"""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dev import PROJECT_ROOT

HERE = Path(__file__).parent
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
DEBIAN_IMAGE = f"enrichment-compose-base/debian:{SUITE}"
HASH_LABEL = "org.enrichment.compose.inputs"
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
# The runtime lock: Airflow's version and, as constraints, the versions of what the
# stand-in preinstalls (the official image's constraints file plays this part).
RUNTIME_LOCK = PROJECT_ROOT / "requirements.txt"


@dataclass(frozen=True)
class BaseImage:
    name: str
    directory: str
    # Extra files of the build context: file name -> bytes.
    extra_context: Callable[[], dict[str, bytes]] = dict


def _host_ca_certificates() -> dict[str, bytes]:
    return {
        f"ca-certificates/{path.name}": path.read_bytes()
        for path in sorted(HOST_CA_DIR.glob("*.crt"))
    }


def _pip_conf() -> bytes:
    """The host's package index (pip's configuration or environment), for the image's pip.

    Local ``file://`` indexes and wheel folders stay behind: the image cannot see them.
    """
    urls = {"index-url": "", "extra-index-url": ""}
    found = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    for line in found.splitlines():
        key, _, value = line.partition("=")
        name = key.rpartition(".")[2]
        if name in urls and key.split(".")[0] in ("global", "install", ":env:"):
            urls[name] = value.strip("'\"")
    for name in urls:
        urls[name] = os.environ.get(f"PIP_{name.upper().replace('-', '_')}", urls[name])
    config = configparser.ConfigParser()
    config["global"] = {"cert": "/etc/ssl/certs/ca-certificates.crt"}
    for name, value in urls.items():
        kept = [url for url in value.split() if url.startswith(("http://", "https://"))]
        if kept:
            config["global"][name] = " ".join(kept)
    with tempfile.TemporaryFile("w+") as out:
        config.write(out)
        out.seek(0)
        return out.read().encode()


def _airflow_context() -> dict[str, bytes]:
    return {
        **_host_ca_certificates(),
        "pip.conf": _pip_conf(),
        "constraints.txt": RUNTIME_LOCK.read_bytes(),
    }


IMAGES = (
    BaseImage("apache/airflow:3.3.2-python3.11", "airflow", _airflow_context),
    BaseImage("postgres:16", "postgres"),
    BaseImage("redis:7.2-bookworm", "redis"),
)


class Docker:
    """The docker CLI on one engine (``DOCKER_HOST``)."""

    def __init__(self, host: str):
        self.env = {**os.environ, "DOCKER_HOST": host}
        self.cli = shutil.which("docker")
        if self.cli is None:
            raise RuntimeError("no docker CLI on PATH: install Debian's docker.io")

    def run(self, *args: str, stdin=None) -> str:
        """Its output; a failure raises with the end of it."""
        done = subprocess.run(
            [self.cli, *args], env=self.env, stdin=stdin, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker {args[0]} failed:\n{(done.stdout + done.stderr)[-4000:]}")
        return done.stdout

    def label(self, image: str) -> str | None:
        """The inputs hash ``image`` was built from, or None if it is not here."""
        found = subprocess.run(
            [
                self.cli,
                "image",
                "inspect",
                "--format",
                f'{{{{index .Config.Labels "{HASH_LABEL}"}}}}',
                image,
            ],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return found.stdout.strip() if found.returncode == 0 else None


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _directory_bytes(directory: Path) -> bytes:
    return b"".join(
        str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    )


def build_debian(docker: Docker, log: Callable[[str], None]) -> str:
    """The bookworm root file system as an image; its hash."""
    inputs = _digest(SUITE.encode(), MIRROR.encode(), b"minbase")
    if docker.label(DEBIAN_IMAGE) == inputs:
        log(f"{DEBIAN_IMAGE}: up to date")
        return inputs
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is missing: apt-get install debootstrap (as root)")
    log(f"{DEBIAN_IMAGE}: debootstrap {SUITE} from {MIRROR}")
    with tempfile.TemporaryDirectory(prefix="debootstrap-") as root:
        subprocess.run(
            ["debootstrap", "--variant=minbase", SUITE, root, MIRROR],
            check=True,
            capture_output=True,
        )
        # The packages debootstrap downloaded are not part of the system.
        for package in Path(root, "var/cache/apt/archives").glob("*.deb"):
            package.unlink()
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        docker.run(
            "import",
            "--change",
            f"LABEL {HASH_LABEL}={inputs}",
            "--change",
            'CMD ["bash"]',
            "-",
            DEBIAN_IMAGE,
            stdin=tar.stdout,
        )
        if tar.wait() != 0:
            raise RuntimeError(f"tar of the {SUITE} root file system failed")
    return inputs


def build_image(docker: Docker, image: BaseImage, parent: str, log: Callable[[str], None]) -> None:
    extra = image.extra_context()
    inputs = _digest(
        parent.encode(),
        _directory_bytes(HERE / image.directory),
        *(name.encode() + b"\0" + data for name, data in sorted(extra.items())),
    )
    if docker.label(image.name) == inputs:
        log(f"{image.name}: up to date")
        return
    log(f"{image.name}: building")
    with tempfile.TemporaryDirectory(prefix="base-image-") as context:
        shutil.copytree(HERE / image.directory, context, dirs_exist_ok=True)
        for name, data in extra.items():
            Path(context, name).parent.mkdir(parents=True, exist_ok=True)
            Path(context, name).write_bytes(data)
        docker.run(
            "build",
            "--build-arg",
            f"DEBIAN={DEBIAN_IMAGE}",
            "--label",
            f"{HASH_LABEL}={inputs}",
            "--tag",
            image.name,
            context,
        )


def build_all(docker_host: str, log: Callable[[str], None] = print) -> None:
    """Every stand-in base image on the engine at ``docker_host``, building only what
    changed."""
    docker = Docker(docker_host)
    parent = build_debian(docker, log)
    for image in IMAGES:
        build_image(docker, image, parent, log)


if __name__ == "__main__":
    build_all(os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
