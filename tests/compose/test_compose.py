"""docker-compose.yaml, read: valid against the Compose specification, in the official
file's CeleryExecutor shape, and in step with the path the other tests run (``make
airflow``): same components and commands, same init steps, same connections (as Compose
itself interpolates them), same stand-ins, same Airflow version as the lock. The
Dockerfile's ``airflow`` stage, which the Airflow services run, ships no development
tooling. ``test_compose_up.py`` runs the file.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
from importlib import resources
from importlib.metadata import version
from importlib.util import find_spec

import jsonschema
import pytest
import yaml

from dev import PROJECT_ROOT
from dev.airflow_local import COMPONENTS, INIT_STEPS, LocalAirflow, read_env_file
from dev.metadata_database import MetadataDatabase
from dev.stack import SERVICES, Stack
from tests.compose.engine import compose_binary

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yaml").read_text())
SERVICES_BY_NAME = COMPOSE["services"]
# The official compose file's service name for each Airflow component.
AIRFLOW_SERVICES = {
    "api-server": "airflow-apiserver",
    "scheduler": "airflow-scheduler",
    "dag-processor": "airflow-dag-processor",
    "triggerer": "airflow-triggerer",
    "celery worker": "airflow-worker",
}
# What the local runner always starts; its Celery worker comes with its Celery option.
CORE_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (comments and blank lines left out), from its FROM on."""
    stages: dict[str, list[str]] = {}
    for line in DOCKERFILE.splitlines():
        if line.startswith("FROM "):
            stages[line.split(" AS ")[1]] = []
        if line and not line.startswith("#") and stages:
            stages[list(stages)[-1]].append(line)
    return stages


def compose_config(env_file: str = "/dev/null") -> dict:
    """The file as Compose v2 itself reads it (``config``; no engine needed), with the
    variables of ``env_file`` and none of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ENRICHMENT"))}
    done = subprocess.run(
        [compose_binary(), "--env-file", env_file, "config", "--format", "json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def interpolated() -> dict:
    return compose_config()


@pytest.fixture(scope="module")
def compose_spec() -> jsonschema.protocols.Validator:
    """The Compose specification's JSON schema, as check-jsonschema ships it."""
    schema_file = resources.files("check_jsonschema.builtin_schemas") / "vendor"
    schema = json.loads((schema_file / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def test_file_follows_the_compose_specification(compose_spec):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in compose_spec.iter_errors(COMPOSE)]
    assert errors == []


@pytest.mark.parametrize(
    ("where", "change"),
    [
        pytest.param("airflow-scheduler", {"comand": "scheduler"}, id="misspelt-key"),
        pytest.param("postgres", {"healthcheck": {"test": 5}}, id="healthcheck-not-a-command"),
        pytest.param(
            "airflow-apiserver",
            {"depends_on": {"postgres": {"condition": "when_ready"}}},
            id="unknown-depends-on-condition",
        ),
    ],
)
def test_the_specification_check_rejects_broken_files(compose_spec, where, change):
    broken = copy.deepcopy(COMPOSE)
    broken["services"][where].update(change)
    assert list(compose_spec.iter_errors(broken))


def test_airflow_components_are_the_services_of_the_official_file():
    assert set(CORE_COMPONENTS) <= set(COMPONENTS) <= set(AIRFLOW_SERVICES)
    for component, service in AIRFLOW_SERVICES.items():
        assert SERVICES_BY_NAME[service]["command"] == component
        depends = SERVICES_BY_NAME[service]["depends_on"]
        assert depends["airflow-init"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["redis"] == {"condition": "service_healthy"}
    # Workers take tasks once the execution API they report to answers.
    worker_depends = SERVICES_BY_NAME["airflow-worker"]["depends_on"]
    assert worker_depends["airflow-apiserver"] == {"condition": "service_healthy"}


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES_BY_NAME.items():
        if name != "airflow-init":
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


def test_celery_executor_on_redis_with_results_in_postgresql():
    environment = SERVICES_BY_NAME["airflow-scheduler"]["environment"]
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert environment["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    # psycopg2 named: a bare db+postgresql:// would load psycopg 3, which is not installed.
    assert environment["AIRFLOW__CELERY__RESULT_BACKEND"] == (
        "db+postgresql+psycopg2://airflow:airflow@postgres/airflow"
    )
    assert SERVICES_BY_NAME["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_workers_scale_and_flower_waits_for_its_profile():
    worker = SERVICES_BY_NAME["airflow-worker"]
    # `--scale airflow-worker=N` needs containers without a fixed name or host port.
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "hostname" not in worker
    assert "celery@$${HOSTNAME}" in worker["healthcheck"]["test"][1]
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0"
    flower = SERVICES_BY_NAME["flower"]
    assert flower["command"] == "celery flower"
    assert flower["profiles"] == ["flower"]
    assert all("profiles" not in s for n, s in SERVICES_BY_NAME.items() if n != "flower")


def test_init_runs_the_local_runners_steps_through_the_same_entry_points():
    init = SERVICES_BY_NAME["airflow-init"]
    assert init["entrypoint"] == "/bin/bash"
    assert init["command"] == ["-c", " && ".join(shlex.join(s) for s in INIT_STEPS.values())]
    assert INIT_STEPS["bootstrap"] == ["python", "-m", "enrichment.bootstrap"]


def test_settings_match_the_local_runner(tmp_path):
    """The settings of the local runner with ``--executor celery`` (its default stays the
    LocalExecutor); the broker is compose's own Redis service."""
    environment = SERVICES_BY_NAME["airflow-scheduler"]["environment"]
    database = MetadataDatabase("postgresql+psycopg2://airflow:airflow@postgres/airflow", 8)
    local = LocalAirflow(Stack(tmp_path), tmp_path, port=8080, database=database).env()
    celery = LocalAirflow(
        Stack(tmp_path), tmp_path, port=8080, database=database, executor="celery"
    ).env()
    assert local["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert environment["AIRFLOW__CORE__EXECUTOR"] == celery["AIRFLOW__CORE__EXECUTOR"]
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert environment["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    for name in (
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
        "AIRFLOW__CORE__LOAD_EXAMPLES",
    ):
        assert environment[name] == celery[name], name
    assert environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        "http://airflow-apiserver:8080/execution/"
    )
    assert SERVICES_BY_NAME["airflow-apiserver"]["ports"] == ["${AIRFLOW_API_PORT:-8080}:8080"]


DEPLOY_ENV_FILES = ["deploy/recovery.env", "deploy/task-logs.env"]


@pytest.mark.parametrize("env_file", DEPLOY_ENV_FILES)
def test_deploy_settings_are_the_local_runners(interpolated, tmp_path, env_file):
    """Every Airflow service reads the deploy/ env files as the local runner does, on
    either executor, and nothing in compose sets one of them otherwise: the recovery
    settings always, the task log settings with ENRICHMENT_REMOTE_LOGS=cloudwatch."""
    shipped = read_env_file(PROJECT_ROOT / env_file)
    image = COMPOSE["x-airflow-common"]["image"]
    airflow = sorted(n for n, s in SERVICES_BY_NAME.items() if s.get("image") == image)
    # init, API server, scheduler, DAG processor, triggerer, worker, Flower
    assert len(airflow) == 7
    # `config` leaves out the services of a profile not asked for: Flower's.
    assert set(airflow) - interpolated["services"].keys() == {"flower"}
    for name in airflow:
        assert SERVICES_BY_NAME[name]["env_file"] == DEPLOY_ENV_FILES, name
        assert not shipped.keys() & SERVICES_BY_NAME[name].get("environment", {}).keys(), name
        if name != "flower":
            environment = interpolated["services"][name]["environment"]
            assert {key: environment[key] for key in shipped} == shipped, name
    database = MetadataDatabase("postgresql+psycopg2://airflow:airflow@postgres/airflow", 8)
    for executor in ("local", "celery"):
        env = LocalAirflow(
            Stack(tmp_path),
            tmp_path,
            port=8080,
            database=database,
            executor=executor,
            remote_logs="cloudwatch",
        ).env()
        assert {key: env[key] for key in shipped} == shipped, executor


def test_recovery_settings_are_measured_values():
    shipped = read_env_file()
    assert shipped["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] == "60"
    assert shipped["AIRFLOW__CELERY__TASK_ACKS_LATE"] == "True"


def test_compose_ships_task_logs_to_cloudwatch_and_make_airflow_offers_the_switch(tmp_path):
    shipped = read_env_file(PROJECT_ROOT / "deploy/task-logs.env")
    assert shipped["AIRFLOW__LOGGING__REMOTE_LOGGING"] == "True"
    assert shipped["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"].startswith("cloudwatch://")
    config_class = shipped["AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS"]
    assert config_class == "enrichment.task_logs.LOGGING_CONFIG"
    # No shared log volume: a task's log is read from CloudWatch, as from another host.
    assert not any("/opt/airflow/logs" in v for v in COMPOSE["x-airflow-common"]["volumes"])
    assert "airflow-logs" not in COMPOSE["volumes"]

    def env(remote_logs: str | None) -> dict[str, str]:
        database = MetadataDatabase("sqlite:///unused.db", 1)
        local = LocalAirflow(Stack(tmp_path), tmp_path, database=database, remote_logs=remote_logs)
        return local.settings()

    # Off unless asked for: a first `make airflow` needs nothing new.
    assert not {key for key in env(None) if key.startswith("AIRFLOW__LOGGING__")}
    s3 = env("s3")
    assert s3["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] == "s3://fangsentiment/logs"
    assert {k: v for k, v in s3.items() if k in shipped and "FOLDER" not in k} == {
        k: v for k, v in shipped.items() if "FOLDER" not in k
    }
    with pytest.raises(ValueError, match="ENRICHMENT_REMOTE_LOGS"):
        env("elasticsearch")


def test_stand_ins_are_the_stacks_services():
    for service in SERVICES:
        compose = SERVICES_BY_NAME[service.name]
        port = str(service.default_port)
        assert compose["entrypoint"] == ["python", "-m"], service.name
        assert compose["command"] == [service.module, "--host", "0.0.0.0", "--port", port]
        assert service.module.startswith("dev.standins."), service.module
        # The dev image: the one with moto and dev/, never the Airflow services' image.
        assert compose["image"] == SERVICES_BY_NAME["aws"]["image"], service.name
        assert compose["image"] != SERVICES_BY_NAME["airflow-scheduler"]["image"]
        assert compose["healthcheck"]["test"] == [
            "CMD",
            "curl",
            "--fail",
            f"http://localhost:{port}{service.health_path}",
        ]
    stand_ins = {n for n, s in SERVICES_BY_NAME.items() if s.get("entrypoint") == ["python", "-m"]}
    for name in stand_ins:
        assert find_spec(SERVICES_BY_NAME[name]["command"][0]) is not None, name
        depends = SERVICES_BY_NAME["airflow-scheduler"]["depends_on"]
        assert depends[name] == {"condition": "service_healthy"}, name


def test_connections_are_the_stacks_with_service_names_for_hosts(interpolated):
    """The same variables as ``Stack.connection_env()``: only hosts (the services' names)
    and the checkout's path (the image's /opt/airflow) differ. Each is a default the
    caller's variable of the same name replaces (real AWS), so they are read as Compose
    interpolates them with none set."""
    stack = Stack(PROJECT_ROOT / ".unused", ports={s.name: s.default_port for s in SERVICES})
    replacements = {str(PROJECT_ROOT): "/opt/airflow"} | {
        stack.url(s.name): f"http://{s.name}:{s.default_port}" for s in SERVICES
    }
    expected = stack.connection_env()
    for local, in_compose in replacements.items():
        expected = {name: value.replace(local, in_compose) for name, value in expected.items()}
    environment = interpolated["services"]["airflow-scheduler"]["environment"]
    in_compose = {name: value for name, value in environment.items() if name in expected}
    assert in_compose.keys() == expected.keys()
    for name, value in expected.items():
        if name.startswith("AIRFLOW_CONN_"):
            assert json.loads(in_compose[name]) == json.loads(value), name
        else:
            assert in_compose[name] == value, name


def test_real_aws_is_one_env_file_away(tmp_path):
    """The .env for real AWS and Wikipedia that docs/compose.md shows replaces the
    stand-ins' connections and the development sites file in every Airflow service."""
    page = (PROJECT_ROOT / "docs" / "compose.md").read_text()
    env_file = re.search(
        r"^(AIRFLOW_CONN_AWS_DEFAULT=.*?^ENRICHMENT_SITES_FILE=\n)", page, re.M | re.S
    )
    assert env_file
    (tmp_path / ".env").write_text(env_file[1])
    services = compose_config(str(tmp_path / ".env"))["services"]
    for name in (*AIRFLOW_SERVICES.values(), "airflow-init"):
        environment = services[name]["environment"]
        aws = json.loads(environment["AIRFLOW_CONN_AWS_DEFAULT"])
        assert "endpoint_url" not in aws["extra"], name
        assert "login" not in aws, name
        wikipedia = json.loads(environment["AIRFLOW_CONN_WIKIPEDIA_DEFAULT"])
        assert wikipedia["host"] == "https://en.wikipedia.org", name
        assert environment["ENRICHMENT_SITES_FILE"] == "", name


def test_image_is_the_locked_airflow_built_from_the_lock():
    base = re.search(r"^FROM apache/airflow:(\S+)-python(\S+) AS runtime$", DOCKERFILE, re.M)
    locked = re.search(
        r"^apache-airflow==(\S+)$", (PROJECT_ROOT / "requirements.txt").read_text(), re.M
    )
    assert base
    assert locked
    assert base[1] == locked[1] == version("apache-airflow")
    # The lock is compiled for one Python version; the image must run that one.
    assert f"--python-version {base[2]}" in (PROJECT_ROOT / "Makefile").read_text()
    assert "pip install --no-cache-dir -r /opt/airflow/requirements.txt" in DOCKERFILE
    assert SERVICES_BY_NAME["airflow-init"]["build"] == {"context": ".", "target": "airflow"}
    assert SERVICES_BY_NAME["aws"]["build"] == {"context": ".", "target": "dev"}
    for service in (*AIRFLOW_SERVICES.values(), "airflow-init", "flower"):
        assert SERVICES_BY_NAME[service]["image"] == SERVICES_BY_NAME["airflow-init"]["image"]
        assert SERVICES_BY_NAME[service]["image"].endswith(f":{locked[1]}"), service
        assert set(SERVICES_BY_NAME[service]["volumes"]) == {
            "./dags:/opt/airflow/dags",
            "./plugins:/opt/airflow/plugins",
            "./include:/opt/airflow/include",
            "./dev/sites.local.yaml:/opt/airflow/dev/sites.local.yaml",
        }
        # The mounted include/ shadows the package installed in the image.
        assert SERVICES_BY_NAME[service]["environment"]["PYTHONPATH"] == "/opt/airflow/include"


def test_each_image_is_built_by_one_service_and_never_pulled():
    """Services building one image would each make a copy of it, and the next ``up`` (a
    ``--scale``) would recreate the containers of all but the last: the AWS stand-in's
    among them, which keeps its data in memory."""
    builders: dict[str, list[str]] = {}
    for name, service in SERVICES_BY_NAME.items():
        if "build" in service:
            builders.setdefault(service["image"], []).append(name)
    assert builders == {
        SERVICES_BY_NAME["airflow-init"]["image"]: ["airflow-init"],
        SERVICES_BY_NAME["aws"]["image"]: ["aws"],
    }
    for name, service in SERVICES_BY_NAME.items():
        if service.get("image") in builders and "build" not in service:
            # Not pulled from a registry that cannot have it; the builder makes it first.
            assert service["pull_policy"] == "never", name


def test_the_airflow_image_ships_the_runtime_lock_and_the_package_only():
    airflow = "\n".join(dockerfile_stages()["airflow"])
    assert "requirements-dev" not in airflow
    assert not re.search(r"^COPY .*\bdev\b", airflow, re.M)
    assert not re.search(r"^COPY .*\b(tests|bench)\b", airflow, re.M)
    # A normal install, as from the wheel, on top of the lock; never editable.
    assert "pip install --no-cache-dir --no-deps /tmp/project" in airflow
    assert not re.search(r"pip install .*(-e|--editable)\b", airflow)


def test_the_dev_image_is_the_runtime_lock_plus_the_dev_lock_and_dev():
    dev = dockerfile_stages()["dev"]
    assert dev[0] == "FROM runtime AS dev"
    assert "COPY --chown=airflow:0 dev /opt/airflow/dev" in dev
    install = next(line for line in dev if "requirements-dev.txt" in line and "pip" in line)
    # Under the runtime lock's constraint, so the stand-ins' image has production's pins.
    assert "-c /opt/airflow/requirements.txt" in install
    # The stand-ins import nothing of the package: a code change leaves this image alone.
    assert not [line for line in dev if "include" in line]


def test_a_code_or_docs_change_reinstalls_no_lock():
    """Each stage copies the project's code only after its locks are installed, and the
    docs are not in the build context: an edit of include/, dev/, README or docs/
    rebuilds seconds of layers, never the minutes of pip that install a lock."""
    stages = dockerfile_stages()
    assert stages["runtime"][0].startswith("FROM apache/airflow:")
    for name, lines in stages.items():
        copies = [i for i, line in enumerate(lines) if line.startswith("COPY ")]
        locks = [i for i, line in enumerate(lines) if re.search(r"pip install .*-r ", line)]
        code = [i for i in copies if {"include", "dev", "pyproject.toml"} & set(lines[i].split())]
        assert all(lock < min(code, default=len(lines)) for lock in locks), name
    ignored = (PROJECT_ROOT / ".dockerignore").read_text()
    assert "!README.md" not in ignored
    assert "!docs" not in ignored


def test_the_build_context_has_what_the_dockerfile_copies():
    """.dockerignore lets in only what is named; every COPY source must be among it."""
    allowed = {
        line[1:]
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        source
        for line in DOCKERFILE.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
        if not source.startswith("--")
    }
    assert copied
    assert copied <= allowed
