# Run `make` (or `make help`) to list the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_VERSION := 26.3
SETUPTOOLS_VERSION := 84.2.1
STAMP := $(VENV)/.installed
# Wheels that ship the golden tests' published data sets: downloaded, never installed (tests/golden/wheels.txt).
GOLDEN_WHEELS := $(VENV)/golden-wheels

.PHONY: help setup browser reports lint format test test-fast lab bench bench-extract bench-kernels stress strip clean

help: ## List the targets with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml tests/golden/wheels.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION) setuptools==$(SETUPTOOLS_VERSION)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name antt --display-name "antt (project)" >/dev/null
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
	  -r tests/golden/wheels.txt -d $(GOLDEN_WHEELS)
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned dependencies and the project installed (editable)

browser: ## Install Debian's chromium for the browser tests (needs root and apt-get; skipped otherwise)
	@if command -v chromium >/dev/null; then echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium not installed and cannot install it here: browser tests will skip"; fi

reports: $(STAMP) ## Run the pipeline: raw data -> processed data -> executed notebooks and HTML reports
	$(VENV)/bin/antt run

lint: $(STAMP) ## Ruff: lint and format check of src/, tests/, benchmarks/ and notebooks/ (settings in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Ruff: fix what can be fixed and format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# pytest-xdist: one test process per core (at most 4); --dist loadfile keeps each test file, and each notebook's
# cells under nbval, in one process. TEST_WORKERS=0 runs everything in this process (for pdb).
TEST_WORKERS ?= auto
test: $(STAMP) lint ## Ruff, then the whole test suite on every core (unit, property, notebook and report tests; one build)
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

test-fast: $(STAMP) ## Run the tests that do not execute notebooks (nor long simulations, nor the browser)
	$(PY) -m pytest -m "not slow and not browser"

lab: $(STAMP) ## Start JupyterLab at notebooks/ with the "antt (project)" kernel (LAB_ARGS=... adds options)
	@test -f $(VENV)/share/jupyter/kernels/antt/kernel.json || $(PY) -m ipykernel install --sys-prefix --name antt --display-name "antt (project)" >/dev/null
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: $(STAMP) ## Benchmarks: pipeline timings, marginal cost per report of a 100-commune sweep (local, dask cluster), antt clean on 1M rows, extractor scores
	$(PY) benchmarks/bench_pipeline.py; status=$$?; \
	$(PY) benchmarks/bench_sweep.py --cluster || status=1; \
	$(PY) benchmarks/bench_clean.py || status=1; \
	$(PY) benchmarks/bench_extract.py || status=1; exit $$status

bench-kernels: $(STAMP) ## 200 kernel starts, 8 at a time, with every core busy: how many fail (must be 0)
	$(PY) benchmarks/kernel_starts.py

stress: $(STAMP) ## Fresh clone, every core busy: kernel starts, then `make test` 3 times; prints how many passed
	$(PY) benchmarks/kernel_starts.py; status=$$?; $(PY) benchmarks/stress.py --runs 3 || status=1; exit $$status

bench-extract: $(STAMP) ## Score `antt extract` on the first article against the hand-checked figures
	$(PY) benchmarks/bench_extract.py

strip: $(STAMP) ## Strip outputs and execution counts from notebooks/ (keeps kernelspec and tags)
	$(VENV)/bin/antt strip-notebooks

clean: ## Remove .venv and caches (never data/raw, data/processed or committed reports)
	rm -rf $(VENV) .pytest_cache .hypothesis reports/build reports/failed reports/.cache reports/.staging src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
