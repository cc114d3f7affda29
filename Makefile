# CPO Portal — the two quick-start commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The address e-mails, badge snippets and the QR codes signed into certificates point to:
# SITE_URL as given (command line, environment or .env), else the server's own address
# (with HOST=0.0.0.0, give SITE_URL the address others reach the portal at).
SITE_URL ?= $(or $(shell grep -s '^SITE_URL=' .env | tail -n 1 | cut -d= -f2- | tr -d "\"' "),http://$(HOST):$(PORT))

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# uv goes into the user's environment (~/.local/bin) when it is missing; on distributions
# that mark the system Python as externally managed, uv (a standalone binary) is still safe there.
$(UV):
	$(PYTHON) -m pip install --user --quiet uv 2>/dev/null \
	  || $(PYTHON) -m pip install --user --quiet --break-system-packages uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON)
	@touch $@

venv: $(VENV)/.synced  ## create the virtual environment from uv.lock

messages: venv  ## compile the translation catalogues (.po → .mo)
	@if command -v msgfmt >/dev/null; then DEBUG=true $(MANAGE) compilemessages --ignore=.venv -v0; \
	else echo "msgfmt not found (apt install gettext); using the committed .mo files"; fi

setup: venv messages  ## migrate and load the demo data
	DEBUG=true $(MANAGE) migrate --no-input -v0
	DEBUG=true SITE_URL='$(SITE_URL)' $(MANAGE) seed_demo

# The periodic jobs (expiry, reminders, surveillance, the document sweeper) run beside the
# server in a process of their own (cpo_portal/scheduler.py), stopped when the server stops.
run: setup  ## serve the portal on http://127.0.0.1:8000 (SQLite, in-process tasks and periodic jobs)
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=true SITE_URL='$(SITE_URL)' $(MANAGE) run_periodic_jobs & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT; \
	DEBUG=true SITE_URL='$(SITE_URL)' $(MANAGE) runserver $(HOST):$(PORT)

# One pytest-xdist worker per core, at most six (each takes a broker and a cache database
# of its own on Redis, see tests/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 6 ] && n=6; echo $$n)

# Under CI the slowest tests are listed at the end: the run must stay under 20 minutes.
test: venv messages  ## run the whole test suite
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(if $(CI),--durations=30) $(PYTEST_ARGS)

lint: venv  ## ruff (format check + lint), the layout and import rules, mypy
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -p no:xdist -q tests/test_layout.py
	CPO_TESTING=true $(VENV)/bin/mypy

fmt: venv  ## format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv messages  ## measure the portal under load at realistic scale (README, Benchmarks)
	bash .ci/services.sh install-bench
	bash .ci/services.sh run -- $(PY) -m bench.run $(BENCH_ARGS)

ci:  ## what CI runs: system packages, PostgreSQL and Redis on loopback, the suite with CI=true
	bash .ci/services.sh install
	bash .ci/services.sh run -- $(MAKE) --no-print-directory lint test CI=true

.PHONY: help venv messages setup run test lint fmt ci bench
