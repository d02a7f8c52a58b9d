# The Makefile is the interface: the README and CI call these targets.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test dev lint format bench bench-generate clean

# Create .venv and install on first use; reinstall when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/perfchain demo

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

dev: $(STAMP)
	$(VENV)/bin/perfchain dev

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-generate

bench-generate: $(STAMP)
	$(PY) benchmarks/bench_generate.py

clean:
	rm -rf var .pytest_cache .ruff_cache dbt_project/target
