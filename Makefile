# `make demo` and `make test` each set everything up on a clean clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= ../shared/corpus

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

DEMO_MESSAGES = message_schemas/cargo_report/samples/valid $(wildcard $(CORPUS)/wco-dec-dms/declarations) $(wildcard $(CORPUS)/edifact/CUSDEC*.edi) $(wildcard $(CORPUS)/edifact/CUSCAR*.edi) $(wildcard $(CORPUS)/ics1-ens/CC315A-schemaValidSample-v11-2.xml)

demo: setup
	$(BIN)/hub check $(DEMO_MESSAGES)
	@# The embedded hub: submit the samples over its API, print each decision, serve until Ctrl-C.
	$(BIN)/hub demo --workdir var/demo --corpus $(CORPUS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/e2e.py
	$(BIN)/python bench/access.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
