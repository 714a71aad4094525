"""One real Airflow for the end-to-end tests: PostgreSQL, LocalExecutor, the API server.

It is started exactly as ``make airflow`` starts it (same runner, same init steps), on
the session's stand-ins, a free port and a PostgreSQL database of its own that is
dropped afterwards. A module that needs another shape of it (the CeleryExecutor, two
triggerers, companies on workers) overrides ``airflow_options`` and ``airflow_settings``
(environment for the components only; the recovery settings are never lowered).
Modules that ask for the same shape share one Airflow, started by the first of them
(a start costs a minute or more of both cores); a module that asks for another shape
stops it first, so two never run at once, and the last module of an xdist group stops it
when it ends. The modules that must run one after the other
on one Airflow are one xdist group, in a fixed order (``ONE_AIRFLOW`` in
``tests/conftest.py``), so one test stream runs them together. Each module uses tables and
prefixes of its own, so what another left in the shared Airflow does not answer for it. The figures
measured (start-up, run and backfill wall times) are written to
``test-artifacts/e2e-figures.<module>.json``.

``page`` is a Chromium page for the modules that drive the web UI. ``isolated/`` holds
the image_labels tests, which feed the crawler refused addresses:
its ``test_namespace.py`` runs them in a network namespace of their own. The REST
helpers the tests share (unpause, wait for a run, ...) are in ``dev/airflow_runs.py``.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from dev import PROJECT_ROOT
from dev.airflow_api import ApiClient
from dev.airflow_local import LocalAirflow
from dev.metadata_database import MetadataDatabase, throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from tests.conftest import ONE_AIRFLOW, SESSION_DIR, group_of
from tests.support import ARTIFACTS


@pytest.fixture(scope="module")
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, float | str]]:
    measured: dict[str, float | str] = {}
    yield measured
    ARTIFACTS.mkdir(exist_ok=True)
    module = request.module.__name__.rsplit(".", 1)[1]
    (ARTIFACTS / f"e2e-figures.{module}.json").write_text(json.dumps(measured, indent=1) + "\n")


@pytest.fixture(scope="module")
def airflow_options() -> dict[str, Any]:
    """``LocalAirflow`` arguments beyond the stand-ins, state, port and database: task logs
    in CloudWatch, as docker compose ships them, unless a module says otherwise."""
    return {"remote_logs": "cloudwatch"}


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    """Environment the components get on top of the runner's settings."""
    return {}


class RunningAirflow:
    """The one Airflow of the session at a time, and the shape it was started with."""

    def __init__(self) -> None:
        self.shape: tuple | None = None
        self.local: LocalAirflow | None = None
        self.database: MetadataDatabase | None = None
        self._stop = ExitStack()

    def get(self, stack: Stack, options: dict[str, Any], settings: dict[str, str]):
        """The running Airflow if it has this shape, else a new one; and its start-up
        seconds (0 when shared)."""
        shape = (sorted(options.items()), sorted(settings.items()))
        if shape == self.shape and self.local is not None:
            return self.local, 0.0
        self.stop()
        state_dir = SESSION_DIR / f"airflow-e2e-{secrets.token_hex(4)}"
        # A machine without PostgreSQL gets what `make airflow` gives it: SQLite, one task
        # at a time (slower, never "database is locked").
        database = self._stop.enter_context(throwaway_database(state_dir))
        # The settings go to the components only: in this process's environment they
        # would reach the test files that run after it (a DAG parsed for workers).
        local = LocalAirflow(
            stack, state_dir, port=free_port(), database=database, extra_env=settings, **options
        )
        self._stop.callback(local.down)
        self.shape, self.local, self.database = shape, local, database
        try:
            return local, local.up()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.shape, self.local = None, None
        self._stop.close()
        self._stop = ExitStack()


@pytest.fixture(scope="session")
def running_airflow() -> Iterator[RunningAirflow]:
    running = RunningAirflow()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def airflow(
    request: pytest.FixtureRequest,
    stack: Stack,
    running_airflow: RunningAirflow,
    figures: dict[str, float],
    airflow_options: dict[str, Any],
    airflow_settings: dict[str, str],
) -> Iterator[LocalAirflow]:
    local, started = running_airflow.get(stack, airflow_options, airflow_settings)
    figures["metadata_database"] = running_airflow.database.url.split(":", 1)[0]
    if started:
        figures["airflow_start_s"] = round(started, 1)
    yield local
    # The last module of its xdist group stops it: the tests its stream runs next would
    # otherwise share the 2 cores with an idle scheduler, triggerer and API server.
    module = request.path.relative_to(PROJECT_ROOT).as_posix()
    if ONE_AIRFLOW.get(group_of(module), (module,))[-1] == module:
        running_airflow.stop()


@pytest.fixture(scope="module")
def api(airflow: LocalAirflow) -> ApiClient:
    return airflow.api()


@pytest.fixture(scope="module")
def company_names(airflow: LocalAirflow, dynamodb) -> list[str]:
    """The companies of the seeded table, as the scan task will find them."""
    items = dynamodb.Table("fang").scan(
        ProjectionExpression="#n", ExpressionAttributeNames={"#n": "name"}
    )
    return sorted(item["name"] for item in items["Items"])


CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which
# this machine's closed network refuses; nothing here may leave 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page() -> Iterator:
    """A page of Debian's Chromium driven by Playwright (its own browser download does
    not work offline), 1600 x 1000."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} not found: the browser test drives Debian's Chromium "
            "(`apt-get install chromium`; `make test` installs it when run as root)"
        )
    from playwright.sync_api import expect, sync_playwright

    # expect() has its own 5 s default, too short for a UI page loading on a busy machine.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.set_default_timeout(30_000)
        yield context.new_page()
        browser.close()
