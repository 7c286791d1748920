# Kipinä — the two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS := --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format bench bench-simulation conformance clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip 2>/dev/null
	$(BIN)/pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

## demo: migrate an embedded SQLite database, seed the network, replay LMS traffic, serve.
demo: install
	$(BIN)/python manage.py migrate --no-input
	KIPINA_XAPI_STORE_DEADLINE_SECONDS=5 KIPINA_PROGRESS_SETTLE_SECONDS=6 \
		$(BIN)/python manage.py demo --host $(HOST) --port $(PORT)

## test: the whole suite. DATABASE_URL / REDIS_URL switch to the real services.
## HYPOTHESIS_PROFILE is the xAPI fuzz tests' budget (tests/learning_records/fuzz/conftest.py):
## ci, 60 examples a test, in every run and in CI; `make test HYPOTHESIS_PROFILE=long` hunts.
HYPOTHESIS_PROFILE ?= ci
test: install
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

## bench-simulation: 5,000 simulated learners × 12 weeks through the pipeline on PostgreSQL
## (DATABASE_URL, else the local server; a kipina_sim database is made and dropped).
bench-simulation: install
	$(BIN)/python bench/simulation_bench.py

# PostgreSQL only (DATABASE_URL or --postgres); each rewrites its section of docs/benchmarks.md.
.PHONY: bench-ingest bench-query bench-projection
bench-ingest: install
	$(BIN)/python bench/run_ingest.py
bench-query: install
	$(BIN)/python bench/run_query.py $(BENCH_QUERY_FLAGS)
bench-projection: install
	$(BIN)/python bench/run_projection.py

## bench-notifications: 10,000 e-mails through a Celery worker on Redis to a loopback SendGrid
## (REDIS_URL, else db 0 of the local server; its Celery queue is purged first).
.PHONY: bench-notifications
bench-notifications: install
	$(BIN)/python bench/notifications_throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

## bench-dashboards: the four dashboards rendered for a teacher of a 500-learner cohort
## (simulated progress and rule decisions) on PostgreSQL (DATABASE_URL, else the local server;
## a kipina_bench_dashboards database is made and dropped): p50/p95 server time and queries.
.PHONY: bench-dashboards
bench-dashboards: install
	$(BIN)/python bench/dashboards_render.py

## bench-load: 50 LMS clients posting and querying the LRS for 60 s against gunicorn on
## PostgreSQL (DATABASE_URL, else the local server; a seed of 100,000 statements is kept in
## kipina_bench_load_seed, each run works on a copy that it drops): 0 errors, throughput,
## p50/p95/p99 per request kind.
.PHONY: bench-load
bench-load: install
	$(BIN)/python bench/load_lrs.py $(BENCH_LOAD_FLAGS)
