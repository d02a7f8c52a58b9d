# The Makefile is the interface: the README and CI call these targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-spark dev docs lint lint-fix format bench bench-generate bench-extract bench-nightly bench-signals bench-transform bench-reports bench-dead-source clean

# Create .venv and install on first use; reinstall when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(VENV)/bin/perfchain prepare
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/perfchain demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder -q --durations=15

# The dbt project built by Apache Spark (local session, 2 cores) on the demo's raw data, and
# every published mart compared with DuckDB's build, table by table (docs/scale-out.md).
# Needs Java 17; installs the `spark` extra on first use. `make test` stays the fast path.
SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

test-spark: $(SPARK_STAMP)
	nice -n 10 $(PY) -m perfchain.spark

# The Dagster UI on 127.0.0.1:3000 with the same instance `perfchain run` records into.
# Set the PERFCHAIN_<SOURCE>_<KEY> secrets first (see .env.example).
dev: $(STAMP)
	$(PY) -m orchestration.storage var/dagster
	$(VENV)/bin/perfchain prepare
	DAGSTER_HOME=$(CURDIR)/var/dagster $(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

# The dbt docs site, the data dictionary of the published contract, as one file that opens
# offline: dbt_project/target/docs/static_index.html (docs/contract.md).
docs: $(STAMP)
	$(PY) -m perfchain.docs

# The dbt SQL SQLFluff checks (dbt_project/.sqlfluff; generic tests and macros render no
# SQL of their own: see dbt_project/.sqlfluffignore).
SQL_PATHS := dbt_project/models dbt_project/tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint $(SQL_PATHS) --processes 0 --disable-progress-bar
	$(PY) -m perfchain.spark.macro_lint

# SQLFluff's mechanical fixes to the dbt SQL, nothing else (ruff's are `make format`).
lint-fix: $(STAMP)
	$(VENV)/bin/sqlfluff fix $(SQL_PATHS) --processes 0 --disable-progress-bar

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-generate bench-extract bench-nightly bench-signals bench-reports bench-dead-source bench-dashboard

bench-generate: $(STAMP)
	$(PY) benchmarks/bench_generate.py

bench-extract: $(STAMP)
	$(PY) -m benchmarks.bench_extract --scale m

# The nightly run at scale m: full rebuild, then a one-day increment, phase by phase
# (extract, dbt build, quality gate, publish), against the transform floor.
bench-nightly: $(STAMP)
	$(PY) -m benchmarks.bench_nightly --scale m

bench-transform: bench-nightly

# Signals micro-batches at scale m on the last day of the factory: phases, wall (bar: 60 s)
# and how long after a signal appears its alert reaches the robot.
bench-signals: $(STAMP)
	$(PY) -m benchmarks.bench_signals --scale m

# All report drops for one day from the scale-m published file bench-nightly leaves.
bench-reports: $(STAMP)
	$(PY) benchmarks/bench_reports.py --published var/bench/home-m/published/perfchain.duckdb

# `perfchain run` with each source in turn refusing connections, after a good night: the
# whole command's time to give up (bar: 30 s with the default settings).
bench-dead-source: $(STAMP)
	$(PY) -m benchmarks.bench_dead_source

# Every dashboard page and drill-down in Debian's headless chromium over the demo's published
# file (built by `perfchain demo` when missing): seconds until each page's data is rendered,
# median and max of 5 rounds, against the 2 s bar, with the load average (docs/dashboard.md).
.PHONY: bench-dashboard
bench-dashboard: $(STAMP)
	$(PY) -m benchmarks.bench_dashboard

clean:
	rm -rf var .pytest_cache .ruff_cache dbt_project/target
