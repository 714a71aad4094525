"""docker-compose.yaml, run: ``docker compose up --build -d`` on a Docker engine started
here, every health check green, both DAGs run to success through the published REST API
with their outputs in the AWS stand-in, no import errors, the Celery workers scaled to two,
Flower's profile showing both, then everything torn down (``down --volumes``, the engine
stopped, the host's iptables rules put back), also on failure.

No registry is reachable, so the public images the files name are local stand-ins built
first under the same names (``tests/compose/base_images/``); the compose file and the
Dockerfile run unchanged. Images stay in the engine's data directory between runs, so only
the first run builds them. Needs root, Debian's ``docker.io`` and ``debootstrap`` (``make
test`` installs them); without them the test fails and says so. Leave it out with
``-m "not compose"``. Timings go to ``test-artifacts/compose-figures.json``.

The sample site hands the crawler addresses it must refuse (10.0.0.1, 169.254.169.254).
Inside Docker such a request would leave the machine, so once ``compose build`` has built
the images (it needs PyPI), and before any container starts, the engine drops everything
forwarded from a Docker bridge to anything else (``DockerEngine.block_egress``). The drop
rules' packet counter is the canary: it must be 0 once every service is up, rise when a
container curls 10.0.0.1 on purpose (and the curl must fail), and, zeroed after that,
still be 0 at the end, after the DAGs ran.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
import requests

from dev import PROJECT_ROOT
from dev.airflow_api import PASSWORD, USERNAME, ApiClient
from dev.airflow_runs import run_seconds, unpause
from dev.ports import free_port
from tests.compose.base_images.build import build_all
from tests.compose.engine import DockerEngine, EngineUnavailable, compose_binary
from tests.support import ARTIFACTS

PROJECT = "enrichment-compose-test"
BUCKET = "fangsentiment"
COMPANIES_TABLE = "fang"
LABELS_TABLE = "image_labels"
# From `up` returning: Airflow's components start slowly on two busy shared cores.
HEALTHY_TIMEOUT = 900.0
# For a DAG to be parsed, or a worker to show in Flower.
APPEAR_TIMEOUT = 180.0
# The compose file's own variables: the test's values, never the caller's (nor what other
# tests of the session put in the environment, such as their AIRFLOW_CONN_*).
OWN_VARIABLES = ("AIRFLOW", "ENRICHMENT", "AWS_STANDIN_PORT", "FLOWER_PORT")
CELERY_APP = "airflow.providers.celery.executors.celery_executor.app"
# Off the Docker networks: the canary's deliberate probe, from a service that has curl.
EGRESS_PROBE = ("aws", "http://10.0.0.1/")


class Compose:
    """``docker compose`` on the checkout's docker-compose.yaml, as project ``PROJECT``."""

    def __init__(self, engine: DockerEngine, ports: dict[str, int]):
        self.binary = str(compose_binary())
        self.env = {
            name: value
            for name, value in engine.env().items()
            if not name.startswith(OWN_VARIABLES)
        } | {name: str(port) for name, port in ports.items()}
        # When `up` was started (time.monotonic()), for the time to a first green run.
        self.started: float | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            # No .env: a developer's settings (real AWS, say) must not reach the test.
            [self.binary, "--env-file", "/dev/null", "-p", PROJECT, *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )

    def __call__(self, *args: str) -> str:
        """Compose's output; a failure fails the test with the end of it."""
        done = self.run(*args)
        if done.returncode != 0:
            pytest.fail(f"docker compose {' '.join(args)}:\n{(done.stdout + done.stderr)[-4000:]}")
        return done.stdout

    def containers(self) -> list[dict]:
        """Every container of the project, running or not (``ps --format json``)."""
        out = self("ps", "--all", "--format", "json")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_healthy(self, timeout: float = HEALTHY_TIMEOUT) -> Counter[str]:
        """Waits until the init service has exited 0 and every other container is healthy;
        returns how many containers each service has."""
        deadline = time.monotonic() + timeout
        while True:
            containers = self.containers()
            waiting = []
            for c in containers:
                if c["Service"] == "airflow-init":
                    if c["State"] == "exited" and c["ExitCode"] != 0:
                        pytest.fail(f"airflow-init failed:\n{self('logs', 'airflow-init')[-4000:]}")
                    if c["State"] != "exited":
                        waiting.append(c["Name"])
                elif c["Health"] != "healthy":
                    waiting.append(f"{c['Name']} ({c['State']}, {c['Health'] or 'no check'})")
            if containers and not waiting:
                return Counter(c["Service"] for c in containers)
            if time.monotonic() > deadline:
                logs = self("logs", "--tail", "30")[-6000:]
                pytest.fail(f"not healthy after {timeout:.0f} s: {waiting}\n{logs}")
            time.sleep(5)


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, float]]:
    measured: dict[str, float] = {}
    yield measured
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "compose-figures.json").write_text(json.dumps(measured, indent=1) + "\n")


@pytest.fixture(scope="module")
def engine() -> Iterator[DockerEngine]:
    engine = DockerEngine()
    try:
        engine.start()
    except EngineUnavailable as unavailable:
        pytest.fail(str(unavailable))
    yield engine
    engine.stop()
    assert engine.process.poll() is not None, "dockerd is still running"
    assert engine.host_changes() == [], "the host's network state was not put back"


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("AIRFLOW_API_PORT", "AWS_STANDIN_PORT", "FLOWER_PORT")}


@pytest.fixture(scope="module")
def compose(engine: DockerEngine, ports: dict[str, int], figures) -> Iterator[Compose]:
    """The compose project up and healthy; down, with its volumes, afterwards."""
    started = time.monotonic()
    try:
        build_all(engine.host)
    except RuntimeError as failed:
        pytest.fail(f"building the stand-in base images: {failed}")
    figures["base_images_s"] = round(time.monotonic() - started, 1)
    project = Compose(engine, ports)
    try:
        project.started = time.monotonic()
        project("build")
        figures["compose_build_s"] = round(time.monotonic() - project.started, 1)
        engine.block_egress()
        # Only the build cache now: a build step reaching PyPI would be dropped.
        project("up", "--build", "--detach")
        figures["compose_up_build_s"] = round(time.monotonic() - project.started, 1)
        project.wait_healthy()
        figures["compose_healthy_s"] = round(time.monotonic() - project.started, 1)
        prove_egress_canary(engine, project, figures)
        yield project
    finally:
        project("down", "--volumes", "--remove-orphans")
        engine.unblock_egress()
        left = subprocess.run(
            ["docker", "ps", "--all", "--quiet"], env=engine.env(), capture_output=True, text=True
        ).stdout.split()
        assert left == [], f"containers left after down: {left}"


def prove_egress_canary(engine: DockerEngine, project: Compose, figures) -> None:
    """Nothing left the Docker networks while the services started; a deliberate request
    off them fails and is counted; then the count starts again from 0."""
    figures["egress_packets_at_startup"] = engine.egress_packets()
    assert figures["egress_packets_at_startup"] == 0, "a container sent packets off the networks"
    service, url = EGRESS_PROBE
    probe = project.run("exec", "-T", service, "curl", "--silent", "--max-time", "2", url)
    figures["egress_packets_probe"] = engine.egress_packets()
    assert probe.returncode != 0, f"{url} answered {service}: {probe.stdout[-500:]}"
    assert figures["egress_packets_probe"] > 0, f"{service}'s request to {url} was not counted"
    engine.zero_egress_packets()
    assert engine.egress_packets() == 0


@pytest.fixture(scope="module")
def api(compose: Compose, ports: dict[str, int]) -> ApiClient:
    return ApiClient(f"http://127.0.0.1:{ports['AIRFLOW_API_PORT']}", USERNAME, PASSWORD)


@pytest.fixture(scope="module")
def aws_endpoint(compose: Compose, ports: dict[str, int]) -> str:
    return f"http://127.0.0.1:{ports['AWS_STANDIN_PORT']}"


def parsed(api: ApiClient, dag_id: str) -> None:
    """Waits for the DAG processor to have parsed ``dag_id``."""
    deadline = time.monotonic() + APPEAR_TIMEOUT
    while True:
        try:
            api.get(f"dags/{dag_id}")
            return
        except RuntimeError:
            assert time.monotonic() < deadline, f"{dag_id} not parsed after {APPEAR_TIMEOUT} s"
            time.sleep(2)


def test_every_service_is_up_and_healthy(compose: Compose):
    running = {c["Service"] for c in compose.containers()}
    assert running == set(compose("config", "--services").split())
    # Flower only comes with its profile.
    assert "flower" not in running


def test_company_sentiment_writes_one_row_per_seeded_company(compose, api, aws_endpoint, figures):
    parsed(api, "company_sentiment")

    run = unpause(api, "company_sentiment")

    assert run["state"] == "success", run
    figures["company_sentiment_run_s"] = round(run_seconds(run), 1)
    figures["up_to_green_company_sentiment_s"] = round(time.monotonic() - compose.started, 1)
    dynamodb = boto3.resource("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    seeded = dynamodb.Table(COMPANIES_TABLE).scan()["Items"]
    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name="us-east-1")
    key = f"sentiment/ds={run['logical_date'][:10]}/{COMPANIES_TABLE}_sentiment.csv"
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(row["name"] for row in rows) == sorted(item["name"] for item in seeded)
    assert {row["status"] for row in rows} & {"ok"}, rows


def test_image_labels_stores_labels_in_dynamodb(api, aws_endpoint, figures):
    parsed(api, "image_labels")

    run = unpause(api, "image_labels")

    assert run["state"] == "success", run
    figures["image_labels_run_s"] = round(run_seconds(run), 1)
    dynamodb = boto3.resource("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    items = dynamodb.Table(LABELS_TABLE).scan()["Items"]
    assert items, "no image was labelled"
    for item in items:
        assert item["labels"], item
        assert item["s3_uri"].startswith(f"s3://{BUCKET}/images/{item['image_id']}."), item


def task_log(api: ApiClient, dag_id: str, run_id: str, ti: dict) -> list[str]:
    path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/1"
    content = api.get(path, map_index=ti["map_index"], full_content=True)["content"]
    return [part["event"] for part in content]


def log_streams(logs, run_prefix: str) -> list[str]:
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName="enrichment-task-logs", logStreamNamePrefix=run_prefix.replace(":", "_")
    )
    return [stream["logStreamName"] for page in pages for stream in page["logStreams"]]


@pytest.mark.parametrize("dag_id", ["company_sentiment", "image_labels"])
def test_task_logs_are_read_from_cloudwatch_by_an_api_server_that_never_had_them(
    compose, api, aws_endpoint, dag_id
):
    """Remote logging is on with no extra step: the API server shows every task's log,
    the triggerer's company logs included, though no volume shares the workers' files
    with it; and the workers kept no copy of what they sent."""
    (run,) = api.get(f"dags/{dag_id}/dagRuns", state="success", run_type="scheduled")["dag_runs"]
    run_id = run["dag_run_id"]
    tis = api.get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100)["task_instances"]
    # A try's log is sent once its task has ended, after the run may have: a moment later.
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    run_prefix = f"dag_id={dag_id}/run_id={run_id}/"
    deadline = time.monotonic() + 60
    while len(streams := log_streams(logs, run_prefix)) < len(tis):
        if time.monotonic() > deadline:
            worker_lines = compose("logs", "airflow-worker", "airflow-triggerer").splitlines()
            said = [line for line in worker_lines if re.search("upload|Task log|remote", line)]
            pytest.fail(f"{len(streams)} streams for {len(tis)} tries: {streams}; {said[-20:]}")
        time.sleep(2)
    firsts = {ti["task_id"]: ti for ti in sorted(tis, key=lambda ti: -ti["map_index"])}
    for ti in firsts.values():
        events = task_log(api, dag_id, run_id, ti)
        sources = events[1 : events.index("::endgroup::")]
        assert sources, ti
        assert all("Reading remote log from CloudWatch" in s for s in sources), (ti, sources)
        assert len(events) > len(sources) + 2, (ti, events)  # lines, not only the header
    for service in ("airflow-apiserver", "airflow-worker", "airflow-triggerer"):
        local = compose("exec", "-T", service, "find", "/opt/airflow/logs", "-name", "attempt=*")
        assert dag_id not in local, (service, local)


def test_no_dag_or_plugin_import_errors(api):
    assert api.get("importErrors")["import_errors"] == []
    assert api.get("plugins/importErrors")["import_errors"] == []


def celery_workers(compose: Compose) -> set[str]:
    """The Celery names of the worker containers: their hostnames, the container ids."""
    return {f"celery@{c['ID']}" for c in compose.containers() if c["Service"] == "airflow-worker"}


def test_workers_scale_to_two_healthy_celery_workers(compose: Compose, figures):
    scaling = time.monotonic()
    compose("up", "--detach", "--scale", "airflow-worker=2")

    assert compose.wait_healthy()["airflow-worker"] == 2
    figures["scale_to_two_workers_s"] = round(time.monotonic() - scaling, 1)
    # Both answer on the broker, each under its own container's hostname:
    # "->  celery@<hostname>: OK" per worker.
    pong = compose("exec", "airflow-worker", "celery", "--app", CELERY_APP, "inspect", "ping")
    answered = set(re.findall(r"^->\s+(celery@\S+): OK$", pong, re.M))
    assert answered == celery_workers(compose), pong
    assert len(answered) == 2


def test_flower_profile_shows_both_workers(compose: Compose, ports: dict[str, int]):
    compose("--profile", "flower", "up", "--detach", "flower")

    assert compose.wait_healthy()["flower"] == 1
    # Flower learns of workers from their heartbeat events: give it a few.
    expected = celery_workers(compose)
    deadline = time.monotonic() + APPEAR_TIMEOUT
    while (shown := flower_workers(ports["FLOWER_PORT"])) != expected:
        assert time.monotonic() < deadline, f"Flower shows {shown}, not {expected}"
        time.sleep(5)


def flower_workers(port: int) -> set[str]:
    """The workers on Flower's dashboard (its JSON form)."""
    page = requests.get(f"http://127.0.0.1:{port}/workers?json=1", timeout=30)
    page.raise_for_status()
    return {worker["hostname"] for worker in page.json()["data"]}


def test_no_container_sent_a_packet_off_the_docker_networks(engine: DockerEngine, compose, figures):
    # Last: after both DAGs (the image_labels crawl hands the crawler 10.0.0.1 and
    # 169.254.169.254), the scaling and Flower.
    figures["egress_packets_at_end"] = engine.egress_packets()

    assert figures["egress_packets_at_end"] == 0, "packets dropped on their way off the machine"
