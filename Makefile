# Kantmatch: `make run` starts the service with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test check format lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/kantmatch init
	$(BIN)/kantmatch demo
	@echo ""
	@echo "Kantmatch kører på http://127.0.0.1:8000  (API-dokumentation: http://127.0.0.1:8000/docs)"
	@echo "Prøv:  curl -H 'Authorization: Bearer km_demo_admin' http://127.0.0.1:8000/api/v1/companies?limit=3"
	$(BIN)/kantmatch serve --host 127.0.0.1 --port 8000

test: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy service labour_market tests benchmarks

# Every benchmarks/bench_*.py, each with its baseline in the same run. BENCH_SCALES: shares of
# national volume for bench_national.py (e.g. BENCH_SCALES=0.1,1; the data sets stay in var/).
BENCH_SCALES ?= 0.1
bench: $(DEV_STAMP)
	@set -e; for script in benchmarks/bench_*.py; do \
		echo "== $$script"; \
		KANTMATCH_BENCH_SCALES=$(BENCH_SCALES) nice -n 10 $(BIN)/python -m benchmarks.$$(basename $$script .py); \
	done

check: lint typecheck test

clean:
	rm -rf $(VENV) var/*.db var/*.db-wal var/*.db-shm .pytest_cache .mypy_cache .ruff_cache
