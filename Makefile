# Dvika Care — every command a developer or CI needs. `make help` lists them.
#   make run    set up everything, start the servers and all services, print the URLs
#   make test   set up everything, then lint and run every test

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
TOOLS := $(ROOT)/.tools
UV_VERSION := 0.13.8
UV := $(TOOLS)/uv-venv/bin/uv
PY := $(ROOT)/.venv/bin/python
# The machine's Python 3.11; uv must not try to download another.
export UV_PYTHON := $(shell command -v python3.11 || command -v python3)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
INFRA := $(ROOT)/deploy/local/infra.sh
PYTEST_ARGS ?=

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

# --- set-up -----------------------------------------------------------------------------

$(UV):
	@$(UV_PYTHON) -m venv $(TOOLS)/uv-venv
	@$(TOOLS)/uv-venv/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

.venv/.synced: $(UV) uv.lock pyproject.toml contracts/pyproject.toml kit/pyproject.toml $(wildcard services/*/pyproject.toml)
	@$(UV) sync --locked --all-packages --quiet
	@touch $@

.PHONY: deps
deps: .venv/.synced ## install uv (from PyPI) and every Python dependency from uv.lock

.PHONY: tools
tools: ## fetch and build Kafka, FerretDB and PostgreSQL (cached per user); Debian's chromium
	@$(INFRA) install
	@command -v /usr/bin/chromium >/dev/null || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get install -y --no-install-recommends chromium \
		|| { $$sudo apt-get update -qq && $$sudo apt-get install -y --no-install-recommends chromium; }; }

.PHONY: setup
setup: deps tools prometheus-tools ## everything `run` and `test` need

include deploy/make/ops.mk

# The web UI (web/dist), rebuilt only when its sources, lock file or configs are newer than the stamp.
UI_CONFIG := $(addprefix web/,package.json index.html vite.config.ts vite.widget.config.ts public/widget-demo.html tailwind.config.ts postcss.config.js eslint.config.js .prettierrc.json) $(wildcard web/tsconfig*.json)
UI_SOURCES := $(shell find web/src -type f 2>/dev/null)

web/node_modules/.installed: web/package-lock.json web/package.json
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/.built: web/node_modules/.installed $(UI_SOURCES) $(UI_CONFIG)
	@cd web && npm run --silent lint && npm run --silent build
	@touch $@

# MailDev (npm) catches the mail of `make run`; the tests use their own SMTP server.
deploy/local/maildev/node_modules/.installed: deploy/local/maildev/package-lock.json
	@cd deploy/local/maildev && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: maildev
maildev: deploy/local/maildev/node_modules/.installed ## install MailDev for `make run`
	@:

.PHONY: ui
ui: web/dist/.built ## build the web UI into web/dist (npm ci, eslint, tsc, vite) when it is stale
	@:

# --- servers ------------------------------------------------------------------------------

.PHONY: infra-up infra-down infra-status
infra-up: ## start Kafka, PostgreSQL and FerretDB for `make run` (idempotent)
	@$(INFRA) up
infra-down: ## stop them
	@$(INFRA) down
infra-status: ## one line per server
	@$(INFRA) status

# --- run ---------------------------------------------------------------------------------

.PHONY: run start stop
# SCALE=3: three instances of each service that scales by partitions (deploy/local/services.sh).
SCALE ?= 1
run: setup infra-up ui maildev ## start servers and every service, print the URLs; Ctrl-C stops them all (SCALE=3: three of each)
	@DVIKA_SCALE=$(SCALE) $(ROOT)/deploy/local/services.sh run
start: setup infra-up ui maildev ## like run, but detached; `make stop` ends it (SCALE=3 too)
	@DVIKA_SCALE=$(SCALE) $(ROOT)/deploy/local/services.sh start
stop: ## stop a detached run: its services, then the servers
	@$(ROOT)/deploy/local/services.sh stop

.PHONY: rebuild-projections
rebuild-projections: deps ## replay the ticket log into fresh read models and switch over
	@set -a; eval "$$($(INFRA) env)"; set +a; $(ROOT)/.venv/bin/dvika-rebuild-projections

.PHONY: contracts
contracts: deps ## export JSON Schemas and the AsyncAPI document to contracts/schemas/
	@$(PY) -m contracts.export

# --- checks ------------------------------------------------------------------------------

.PHONY: lint
lint: deps ## ruff, mypy and import-linter
	@$(ROOT)/.venv/bin/ruff check .
	@$(ROOT)/.venv/bin/ruff format --check .
	@$(ROOT)/.venv/bin/mypy contracts/src kit/src services/*/src tests bench
	@$(ROOT)/.venv/bin/lint-imports

.PHONY: test test-unit test-integration test-e2e
test: setup lint ui ops-check k8s-check ## lint, check the ops files and manifests, then every test
	@DVIKA_NO_SKIPS=1 $(PY) -m pytest tests $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory bench QUICK=1 BENCH_OUT=$(ROOT)/.state/bench-quick
test-unit: deps ## the pure, fast tests
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)
test-integration: setup ## tests against real Kafka and FerretDB
	@$(PY) -m pytest tests/integration $(PYTEST_ARGS)
test-e2e: setup ## the whole stack over HTTP and WebSocket
	@$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

# --- performance ---------------------------------------------------------------------------

BENCH_OUT ?= $(ROOT)/bench/results
.PHONY: bench
bench: setup ## benchmarks on fresh servers of their own; QUICK=1 for a few seconds each, ONLY=submit,live for some
	@$(PY) -m bench.run $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY)) --out $(BENCH_OUT)

.PHONY: format
format: deps ## apply ruff's fixes and formatting
	@$(ROOT)/.venv/bin/ruff check --fix .
	@$(ROOT)/.venv/bin/ruff format .

.PHONY: clean
clean: ## stop everything and remove the local state (not the caches)
	-@$(ROOT)/deploy/local/services.sh stop
	-@$(INFRA) down
	-@DVIKA_PROFILE=test $(INFRA) down
	@rm -rf .state
