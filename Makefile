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

# Debian packages the tests read outputs with, independently of our code: qpdf, poppler-utils
# and ghostscript (print PDFs), wamerican and wfrench (moderation's false positives); chromium
# (the widget's tests and benchmark drive it through Playwright: never `playwright install`)
APT_PACKAGES := qpdf poppler-utils ghostscript wamerican wfrench chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: system
system: ## install the Debian packages and the node tools the tests use (once; apt-get, npm ci)
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); }
	@# tools/node: the glTF validator, from the committed lock
	@[ tools/node/node_modules/.package-lock.json -nt tools/node/package-lock.json ] || \
		npm ci --prefix tools/node --no-audit --no-fund --loglevel=error

.PHONY: install
install: uv system widget ## install every package of the workspace from the lock, `system`, `widget`
	@# bytecode compiled once here: each of the many processes `run`, `test` and `bench` start
	@# imports in ~1.5 s instead of ~5 (PYTHONDONTWRITEBYTECODE would have them compile it anew)
	$(UV) sync --locked --all-packages --compile-bytecode

WIDGET_SOURCES := $(shell find widget/src -type f 2>/dev/null) widget/build.mjs widget/package-lock.json

.PHONY: widget
widget: widget/dist/manifest.json ## build the widget (widget/dist) from its committed lock

widget/dist/manifest.json: $(WIDGET_SOURCES)
	@[ widget/node_modules/.package-lock.json -nt widget/package-lock.json ] || \
		npm ci --prefix widget --no-audit --no-fund --loglevel=error
	cd widget && node build.mjs

.PHONY: run
run: install ## run the whole system on this machine (Ctrl-C stops it)
	$(UV) run --locked python -m atelier.devstack run

.PHONY: test
test: install typecheck ## typecheck, then every test (unit, integration, e2e) under coverage
	@# every process the tests start (the e2e tests' services too) writes its own data file;
	@# the exit code is pytest's, else the report's (total under fail_under); a run narrowed by
	@# PYTEST_ARGS reports its coverage but is not held to the threshold
	@rm -rf var/coverage
	@$(UV) run --locked coverage run -m pytest $(PYTEST_ARGS); tests=$$?; \
	$(UV) run --locked coverage combine --quiet; \
	$(UV) run --locked coverage report $(if $(PYTEST_ARGS),--fail-under=0); covered=$$?; \
	exit $$(( tests ? tests : covered ))

.PHONY: typecheck
typecheck: install ## mypy over every package of the workspace (libs, services, e2e)
	$(UV) run --locked mypy

.PHONY: bench
bench: install ## the benchmark (~5 min): open-loop latency, saturation, the floor; var/bench/latest.json
	$(UV) run --locked python -m atelier.e2e.bench

.PHONY: bench-quick
bench-quick: install ## every step of the benchmark with tiny counts (< 1 min; a test runs it too)
	$(UV) run --locked python -m atelier.e2e.bench --quick

.PHONY: schemas
schemas: install ## regenerate proto-schemas/, deploy/nats/ and the widget's character tables
	$(UV) run --locked python -m atelier.devstack.schemas write
	$(UV) run --locked python -m atelier.devstack.nats_config write
	@# the character data the widget's port of the rules reads (the server's Unicode edition)
	$(UV) run --locked python -m atelier.personalization.rules.tables write widget/src/generated

.PHONY: lint
lint: install ## ruff
	$(UV) run --locked ruff check .

.PHONY: migration
migration: install ## new migration: make migration SERVICE=spec MSG="add column"
	$(UV) run --locked python -m atelier.$(SERVICE) revision -m "$(MSG)"
