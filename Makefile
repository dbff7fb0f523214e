# minutes: every command sets up what it needs first (a local .venv), so each works on
# a fresh machine with nothing but Python 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject (CPU build on local disk); everything else from PyPI.
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Generate a short trilingual meeting and transcribe it (or: make demo MEETING=file.m4a)
demo: setup
	$(VENV)/bin/minutes demo $(MEETING)

## Lint, type-check and run the whole test suite
test: setup lint
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

## Accuracy, speed and memory on ../shared/data; writes bench/results/*.json and .md
bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
