# liangshan — two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/liangshan.db
PORT ?= 8000
export LIANGSHAN_DATABASE_URL ?= sqlite:///$(abspath $(DB))

.PHONY: run test test-fast setup sysdeps lint typecheck pytest clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.synced: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

setup: $(VENV)/.synced

# System packages the tests need (installed only when missing, and only as root).
sysdeps:
	@bash scripts/sysdeps.sh

# The main job: build the 卢氏县 demo (once), print its assessment, then serve the web app.
run: setup
	@mkdir -p $(dir $(DB))
	$(BIN)/liangshan demo
	$(BIN)/liangshan assess --region 411224
	$(BIN)/liangshan user demo-passwords --demo
	$(BIN)/liangshan serve --host 127.0.0.1 --port $(PORT)

lint: setup
	$(BIN)/ruff check liangshan tests benchmarks
	$(BIN)/ruff format --check liangshan tests benchmarks
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy liangshan

pytest: setup sysdeps
	bash scripts/with-postgres.sh $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

# The edit loop: lint, types and every test not marked slow (no browser, crash or concurrency test), on
# SQLite only (the PostgreSQL variants skip). `make test` runs everything on both databases.
test-fast: lint typecheck
	env -u CI -u LIANGSHAN_TEST_PG_URL $(BIN)/pytest -n 2 -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
