# likeledger task runner. `make help` lists the targets; `make demo` and `make test`
# work from a fresh clone: they create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install system-deps demo stories test lint typecheck pytest fmt bench bench-http clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install likeledger with its dev tools

system-deps: ## PostgreSQL 15 binaries and headless Chromium for the tests (apt, if missing)
	./scripts/system-deps.sh

demo: $(STAMP) ## simulate a month of a mid-size platform into demo.db; stories + HTML report
	$(PY) -m likeledger.demo

stories: $(STAMP) ## the small hand-written example stories (examples/), one per cause
	$(PY) -m likeledger.stories

lint: $(STAMP) ## ruff format check and ruff lint
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench

typecheck: $(STAMP) ## mypy --strict on src/
	$(VENV)/bin/mypy

pytest: $(STAMP) system-deps ## the test suite (starts its own PostgreSQL and Chromium)
	$(PY) -m pytest -q

test: lint typecheck pytest ## everything CI runs: lint, types, tests

fmt: $(STAMP) ## format and autofix
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: $(STAMP) ## ingest benchmark (1M events; takes minutes)
	$(PY) bench/ingest.py

bench-http: $(STAMP) ## HTTP count reads with 1/4/16 clients and POST /v1/events throughput
	$(PY) bench/http.py

clean: ## remove the venv and generated files
	rm -rf $(VENV) demo.db* stories.db* demo-report.html .pytest_cache .mypy_cache .ruff_cache
