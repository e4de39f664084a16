# Two entry points: `make run` (first run, embedded SQLite, demo district) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
ifndef PYTHON
PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
endif
HOST ?= 127.0.0.1:8000

.PHONY: run test setup lint format messages bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev]"
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py runserver $(HOST)

test: setup
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: setup
	scripts/messages.sh

# make bench BENCH_ARGS="--reuse --requests 200"; see bench/registry.py --help
bench: setup
	$(BIN)/python bench/registry.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
