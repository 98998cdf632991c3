# `make demo` and `make test` each set everything up on a clean clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= ../shared/corpus

.PHONY: setup system-packages demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages some tests drive as programs, and a file each one installs: when any
# file is missing, every package is installed (as root, or through sudo).
SYSTEM_PACKAGES := xmlsec1 chromium chromium-driver
SYSTEM_FILES    := /usr/bin/xmlsec1 /usr/bin/chromium /usr/bin/chromedriver

system-packages:
	@missing=""; for f in $(SYSTEM_FILES); do test -e "$$f" || missing="$$missing $$f"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then as=""; \
	elif command -v sudo >/dev/null 2>&1; then as="sudo"; \
	else echo "make: missing$$missing; install the Debian packages $(SYSTEM_PACKAGES) as root (no sudo here), then run make again" >&2; exit 1; fi; \
	echo "installing Debian packages $(SYSTEM_PACKAGES) (missing:$$missing)"; \
	{ $$as env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$as env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); } \
	|| { echo "make: could not install $(SYSTEM_PACKAGES) with apt-get$${as:+ through sudo}; install them by hand, then run make again" >&2; exit 1; }

setup: system-packages $(STAMP)

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
	$(BIN)/python bench/exchange.py
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
