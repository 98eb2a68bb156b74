# Golden Thread: `make run` to try it, `make test` to check it. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint format bench assets clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/goldenthread demo-data --if-empty
	$(BIN)/goldenthread serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint
	$(if $(wildcard .venv-cin/bin/python),GOLDENTHREAD_CIN_VALIDATOR="$${GOLDENTHREAD_CIN_VALIDATOR:-$(CURDIR)/.venv-cin/bin/python}" )$(BIN)/pytest

bench: install
	$(BIN)/python -m bench

# Re-vendor the front-end assets from npm (pinned by package-lock.json); the copies are committed.
assets: install
	npm ci --ignore-scripts
	$(BIN)/python tools/vendor_assets.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
