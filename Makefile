# her2path: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install run test lint typecheck unit bench golden clean

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-extras --quiet
	@touch $@

install: $(VENV)/.installed

## run: install, then run the main job on embedded defaults with demo data
run: install
	$(VENV)/bin/her2path demo

## test: install, then lint, type-check and run every test
test: install lint typecheck unit

lint: install
	$(VENV)/bin/ruff check her2path tests bench
	$(VENV)/bin/ruff format --check her2path tests bench

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest

## bench: measure throughput and write bench/RESULTS.md
bench: install
	$(PY) bench/run.py

## golden: regenerate golden outputs of the examples (review the diff before committing)
golden: install
	$(PY) -m her2path.tools.golden

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
