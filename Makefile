# Kantmatch: `make run` starts the service with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check format lint typecheck bench soak fault clean static

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

# The design system (dkfds) and htmx come from the npm registry (package-lock.json); their built
# files are copied into the ignored service/web/static/vendor/ that the pages serve (issue 16).
VENDOR := service/web/static/vendor
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: node_modules/.installed
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/dkfds $(VENDOR)/htmx
	cp -R node_modules/dkfds/dist/css node_modules/dkfds/dist/js node_modules/dkfds/dist/fonts \
		node_modules/dkfds/dist/img $(VENDOR)/dkfds/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	touch $@

static: $(VENDOR)/.installed

run: $(STAMP) static
	$(BIN)/kantmatch init
	$(BIN)/kantmatch demo
	@echo ""
	@echo "Kantmatch kører på http://127.0.0.1:8000  (API-dokumentation: http://127.0.0.1:8000/docs)"
	@echo "Log ind med en af demo-e-mailadresserne ovenfor og adgangskoden kantmatch-demo."
	@echo "Prøv:  curl -H 'Authorization: Bearer km_demo_admin' http://127.0.0.1:8000/api/v1/companies?limit=3"
	$(BIN)/kantmatch serve --host 127.0.0.1 --port 8000

# Two test processes (pytest-xdist), one per core of the project's machine; each starts its own
# PostgreSQL server. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= 2

test: $(DEV_STAMP) static
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy service labour_market tests benchmarks scripts

# Every benchmarks/bench_*.py, each with its baseline in the same run. BENCH_SCALES: shares of
# national volume for bench_national.py (e.g. BENCH_SCALES=0.1,1; the data sets stay in var/).
BENCH_SCALES ?= 0.1
bench: $(DEV_STAMP)
	@set -e; for script in benchmarks/bench_*.py; do \
		echo "== $$script"; \
		KANTMATCH_BENCH_SCALES=$(BENCH_SCALES) nice -n 10 $(BIN)/python -m benchmarks.$$(basename $$script .py); \
	done

# Not part of `make test`: 32 clients x 60 s on SQLite and on PostgreSQL (2 workers), then kill -9
# faults; loopback only, bounded (docs/operations.md has the figures).
soak: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.soak --clients 32 --seconds 60

fault: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.fault

check: lint typecheck test

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var/*.db var/*.db-wal var/*.db-shm .pytest_cache .mypy_cache .ruff_cache
