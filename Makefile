# The two commands a new user needs:
#   make demo   build the virtualenv, start the local stand-ins and run the pipelines end to end
#   make test   lint, build the docs site strictly and run the whole test suite (what CI runs)
# and for contributors, `make test-fast` (lint, DAG integrity and unit tests: under a minute)
# and `make test-integration` (those plus the integration tests on the stand-ins).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
DOCKERD := /usr/sbin/dockerd
DEBOOTSTRAP := /usr/sbin/debootstrap

.PHONY: demo test test-fast test-integration lint lock bench docs screenshots stack-up stack-down airflow airflow-up airflow-down mwaa-package mwaa-local clean

demo: $(VENV)/.installed
	$(BIN)/python -m dev.demo

# Two test streams, each taking one xdist group at a time, whole: a test file, or the files
# that share one running Airflow in a fixed order (tests/conftest.py gives every test its
# group, and puts the long files first). Most of the suite waits on servers, schedulers and
# containers rather than on the CPU. The 25 slowest tests are listed at the end.
PARALLEL := -n 2 --dist loadgroup --no-loadscope-reorder --durations=25

test: $(VENV)/.installed $(CHROMIUM) $(DOCKERD) $(DEBOOTSTRAP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/python -m pytest $(PARALLEL)

# The documentation site (mkdocs.yml, docs/): served on http://127.0.0.1:8000 as you edit.
# --strict in `make test` fails on any warning, a broken link or anchor included.
# NO_MKDOCS_2_WARNING silences Material's end-of-life banner, which is not a warning.
export NO_MKDOCS_2_WARNING := 1

docs: $(VENV)/.installed
	$(BIN)/mkdocs serve

# The markers follow tests/ folders (tests/conftest.py). test-fast: no servers, no
# processes of their own; test-integration adds the stand-ins over real HTTP, still no
# Airflow scheduler, namespace or Docker.
test-fast: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "dags or unit"

test-integration: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PARALLEL) -m "dags or unit or integration"

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The documentation's screenshots taken again from the running UI (dev/screenshots.py): the
# end-to-end tests that take them, then a copy of each over its namesake in docs/screenshots/.
screenshots: $(VENV)/.installed $(CHROMIUM)
	$(BIN)/python -m pytest $(PARALLEL) tests/e2e/isolated/test_namespace.py \
		tests/e2e/test_company_sentiment.py tests/e2e/test_company_review.py
	$(BIN)/python -m dev.screenshots

# Benchmarks run as modules (python -m bench.fanout) from the project root, where dev/ imports.
bench: $(VENV)/.installed
	$(BIN)/python -m bench.parse_time
	$(BIN)/python -m bench.crawl_rate
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.request_slots
	$(BIN)/python -m bench.recovery
	$(BIN)/python -m bench.results_page
	$(BIN)/python -m bench.executors
	$(BIN)/python -m bench.task_logs

# Recompile the locks after editing requirements.in or requirements-dev.in. The dev lock is
# constrained by the runtime one (its first line), so it is compiled second and can never
# move a runtime pin.
lock: $(VENV)/.installed
	$(BIN)/uv pip compile requirements.in -o requirements.txt --python-version 3.11
	$(BIN)/uv pip compile requirements-dev.in -o requirements-dev.txt --python-version 3.11

# The local Airflow (web UI on http://127.0.0.1:8980, admin / admin) with the stand-ins:
# `airflow` stays in the foreground until Ctrl-C; `airflow-up` / `airflow-down` run it in
# the background. `EXECUTOR=celery` runs the CeleryExecutor with `WORKERS` workers;
# `TRIGGERERS` sets the triggerers; the defaults are dev/airflow_local.py's.
# `ENRICHMENT_REMOTE_LOGS=cloudwatch` (or `s3`) ships task logs as docker compose does
# (deploy/task-logs.env; docs/operations.md#task-logs); off by default.
AIRFLOW_OPTIONS = $(if $(EXECUTOR),--executor $(EXECUTOR)) $(if $(WORKERS),--workers $(WORKERS)) \
	$(if $(TRIGGERERS),--triggerers $(TRIGGERERS))

airflow: $(VENV)/.installed
	$(BIN)/python -m dev.airflow_local run $(AIRFLOW_OPTIONS)

airflow-up: $(VENV)/.installed
	$(BIN)/python -m dev.airflow_local up $(AIRFLOW_OPTIONS)

airflow-down: $(VENV)/.installed
	$(BIN)/python -m dev.airflow_local down

# The files an Amazon MWAA environment takes (Airflow 3.3.1 on Python 3.12), in dist/mwaa/:
# dags/, plugins.zip, requirements.txt and the Airflow configuration options; it prints where
# each goes in the environment's S3 bucket (dev/mwaa_package.py, docs/deploy_mwaa.md).
mwaa-package: $(VENV)/.installed
	$(BIN)/python -m dev.mwaa_package

# MWAA's stack on this machine (dev/mwaa_local.py): that package installed as MWAA installs
# it, in a Python 3.12 virtualenv with Airflow 3.3.1, run on the stand-ins until Ctrl-C.
mwaa-local: $(VENV)/.installed
	$(BIN)/python -m dev.mwaa_local run

stack-up: $(VENV)/.installed
	$(BIN)/python -m dev.stack up

stack-down: $(VENV)/.installed
	$(BIN)/python -m dev.stack down

# The browser test drives Debian's Chromium (Playwright's own browser download does not
# work offline). As root with apt, `make test` installs it; otherwise the test fails and
# says how to install it.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "$(CHROMIUM) is missing: the browser test will fail; run 'apt-get install chromium'"; \
	fi

# The compose test (tests/compose/test_compose_up.py) starts its own Docker engine and
# builds stand-ins for the public base images from Debian: Debian's docker.io (dockerd, no
# systemd needed) and debootstrap. As root with apt, `make test` installs them; otherwise
# the compose test fails and says so (leave it out with -m "not compose").
$(DOCKERD) $(DEBOOTSTRAP):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap; \
	else \
		echo "$@ is missing: the compose test will fail; run 'apt-get install docker.io debootstrap' as root"; \
	fi

# The runtime lock and the dev lock (stand-ins, tests, lint, uv), then the project itself;
# dev/ is not installed: it runs from the checkout.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

clean:
	-$(BIN)/python -m dev.airflow_local down
	-$(BIN)/python -m dev.stack down
	rm -rf $(VENV) .local site
