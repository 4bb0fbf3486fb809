# The two commands of the README: `make build` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := build

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DBT_PROFILES_DIR ?= $(CURDIR)
export DBT_PROJECT_DIR ?= $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
DBT := $(BIN)/dbt
SAMPLE := data/sample

.PHONY: venv build test lint dbt-test pytest docs sample clean publish bench browser dashboard postgres-server build-postgres java build-spark

# Creates .venv/ and installs the pinned requirements once; reinstalls only when
# requirements.txt or pyproject.toml change.
venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 on PATH; install Python 3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

warehouse:
	@mkdir -p warehouse/tmp

# Builds the warehouse on the embedded DuckDB from the bundled sample export.
build: venv warehouse
	$(BIN)/service-analytics check $(SAMPLE)
	$(DBT) seed --quiet
	$(DBT) run
	$(BIN)/service-analytics publish
	@echo "Warehouse built: $${DBT_DUCKDB_PATH:-warehouse/service_analytics.duckdb} (marts in schema 'marts'); readers: warehouse/published/service_analytics_marts.duckdb"

# Every check: lint, dbt build (models, seeds, data and unit tests), pytest (including
# MetricFlow against the marts and the page in headless Chromium).
test: venv warehouse browser postgres-server java lint dbt-test pytest

# Installs Debian packages $(2) (for $(3)) with apt-get, as root or through sudo, unless
# the shell test $(1) already passes; nothing downloads a browser, server or JRE itself.
define apt_install
	@$(1) || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing Debian's $(2) (for $(3))"; \
		$$SUDO apt-get install -y -q $(2) >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $(2) >/dev/null; }; }
endef

# Debian's chromium and chromedriver for the page test.
browser:
	$(call apt_install,command -v chromium >/dev/null && command -v chromedriver >/dev/null,chromium chromium-driver,the page test)

# Debian's PostgreSQL server binaries (initdb, pg_ctl) for the postgres tests; the tests
# start their own throwaway server from them (never a shared one).
postgres-server:
	$(call apt_install,ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null,postgresql,the postgres tests)

# Java for local Spark (pyspark 3.5 runs on Java 17): Debian's headless JRE when missing.
java:
	$(call apt_install,command -v java >/dev/null,openjdk-17-jre-headless,the spark tests)

# The sample on local Spark (tables and metastore under warehouse/spark).
build-spark: venv java
	DBT_TARGET=spark $(BIN)/service-analytics load --target spark $(SAMPLE)
	DBT_TARGET=spark $(DBT) build --target-path target/spark

# The sample on a PostgreSQL server named by PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE
# (for a throwaway local one: eval "$$(.venv/bin/service-analytics postgres start)").
build-postgres: venv
	$(BIN)/service-analytics load --target postgres $(SAMPLE)
	DBT_TARGET=postgres $(DBT) build --target-path target/postgres

# The seller-centre page on the published marts (run `make build` first): http://localhost:8501
DASHBOARD_PORT ?= 8501
dashboard: venv
	@test -f warehouse/published/service_analytics_marts.duckdb || { echo "make: no published marts yet: run 'make build' first" >&2; exit 1; }
	$(BIN)/streamlit run dashboard/app.py --server.port $(DASHBOARD_PORT)

# Lints against an empty in-memory warehouse, so the result never depends on what a
# local warehouse holds: incremental models render their full-build branch, as in CI.
lint: venv
	DBT_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models analyses tests/marts tests/reference

dbt-test: venv warehouse
	$(DBT) build
	$(BIN)/service-analytics publish

# pytest in PYTEST_WORKERS processes (pytest-xdist), each running one test module at a time,
# so that a module's shared builds are made once; PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 2
pytest: venv
	$(BIN)/python -m pytest -q --durations=15 -n $(PYTEST_WORKERS) --dist loadfile

docs: venv warehouse
	$(DBT) docs generate
	$(DBT) docs serve --no-browser

# Copies the marts to the published file readers use (atomic swap).
publish: venv
	$(BIN)/service-analytics publish

# The benchmark (not part of `make test`): BENCH_MESSAGES, BENCH_SHOPS, BENCH_DAYS set the size,
# BENCH_TARGET the engine. It ends with each target of issue 20, MET or MISSED (docs/performance.md).
BENCH_MESSAGES ?= 1000000
BENCH_SHOPS ?= 100
BENCH_DAYS ?= 30
# duckdb, postgres (a throwaway local server started for the run) or spark (local, Java 17:
# give it a small size, e.g. BENCH_MESSAGES=40000 BENCH_SHOPS=5 BENCH_DAYS=10)
BENCH_TARGET ?= duckdb
bench: venv
	$(BIN)/service-analytics bench --messages $(BENCH_MESSAGES) --shops $(BENCH_SHOPS) --days $(BENCH_DAYS) --target $(BENCH_TARGET)

# Regenerates the bundled sample (committed; `make build` does not need this).
sample: venv
	$(BIN)/service-analytics generate --out $(SAMPLE) --seed 42 --shops 5 --days 35 --messages 40000

clean:
	rm -rf target logs warehouse
