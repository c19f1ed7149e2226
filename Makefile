# Atelier — `make help` lists the targets.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: uv
uv: ## install uv (from PyPI) when it is missing
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv

.PHONY: install
install: uv ## install every package of the workspace from the lock
	@# bytecode compiled once here: each of the many processes `run`, `test` and `bench` start
	@# imports in ~1.5 s instead of ~5 (PYTHONDONTWRITEBYTECODE would have them compile it anew)
	$(UV) sync --locked --all-packages --compile-bytecode

.PHONY: run
run: install ## run the whole system on this machine (Ctrl-C stops it)
	$(UV) run --locked python -m atelier.devstack run

.PHONY: test
test: install ## run every test (unit, integration on real Postgres + NATS, e2e)
	$(UV) run --locked pytest $(PYTEST_ARGS)

.PHONY: bench
bench: install ## the benchmark (~5 min): open-loop latency, saturation, the floor; var/bench/latest.json
	$(UV) run --locked python -m atelier.e2e.bench

.PHONY: bench-quick
bench-quick: install ## every step of the benchmark with tiny counts (< 1 min; a test runs it too)
	$(UV) run --locked python -m atelier.e2e.bench --quick

.PHONY: schemas
schemas: install ## regenerate proto-schemas/ (bus JSON Schemas, AsyncAPI, OpenAPI)
	$(UV) run --locked python -m atelier.devstack.schemas write

.PHONY: lint
lint: install ## ruff
	$(UV) run --locked ruff check .

.PHONY: migration
migration: install ## new migration: make migration SERVICE=spec MSG="add column"
	$(UV) run --locked python -m atelier.$(SERVICE) revision -m "$(MSG)"
