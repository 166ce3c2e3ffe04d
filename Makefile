# her2path: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install run test system lint typecheck unit bench golden clean

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-extras --quiet
	@touch $@

install: $(VENV)/.installed

## run: install, then start the web app and API on http://127.0.0.1:8000 (SQLite under var/,
## demo mode, demo patients loaded idempotently)
run: install
	@mkdir -p var
	HER2PATH_DATABASE_URL=sqlite:///$(CURDIR)/var/her2path.db \
		$(VENV)/bin/her2path serve --demo --host 127.0.0.1 --port 8000

## test: install (Python and system packages), then lint, type-check and run every test;
## a throw-away PostgreSQL server on loopback serves the storage tests and is stopped after
test: install system lint typecheck unit

## system: install missing system packages (PostgreSQL, Chromium, fonts, pango, JRE); root
system:
	bash scripts/setup-system.sh

lint: install
	$(VENV)/bin/ruff check her2path tests bench
	$(VENV)/bin/ruff format --check her2path tests bench

typecheck: install
	$(VENV)/bin/mypy

unit: install
	@mkdir -p var test-artifacts
	@bash scripts/postgres.sh start >/dev/null
	@HER2PATH_TEST_PG_URL="$$(cat var/pg/url)" $(VENV)/bin/pytest; rc=$$?; \
		bash scripts/postgres.sh stop; exit $$rc

## bench: measure throughput and write bench/RESULTS.md
bench: install
	$(PY) bench/run.py

## golden: regenerate golden outputs of the examples (review the diff before committing)
golden: install
	$(PY) -m her2path.tools.golden

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
