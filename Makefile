# The two commands a new user needs:
#   make demo   build the virtualenv, start the local stand-ins and run the pipelines end to end
#   make test   lint and run the whole test suite (what CI runs)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint lock bench stack-up stack-down clean

demo: $(VENV)/.installed
	$(BIN)/python -m enrichment.local.demo

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed
	$(BIN)/python bench/parse_time.py
	$(BIN)/python bench/crawl_rate.py

# Recompile the lock after editing requirements.in (needs uv on PATH).
lock:
	uv pip compile requirements.in -o requirements.txt --python-version 3.11

stack-up: $(VENV)/.installed
	$(BIN)/python -m enrichment.local.stack up

stack-down: $(VENV)/.installed
	$(BIN)/python -m enrichment.local.stack down

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

clean:
	-$(BIN)/python -m enrichment.local.stack down
	rm -rf $(VENV) .local
