# Two entry points for a fresh machine (Python 3.11+, Java 17 for the HermiT reasoner):
#   make run   - install npkg, build the release, answer a first question on the embedded store
#   make test  - install npkg with its test tools, build the release, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip

install: $(BIN)/activate
	$(BIN)/pip install -q -e .

install-test: $(BIN)/activate
	$(BIN)/pip install -q -e '.[test]'

run: install
	$(BIN)/npkg build
	$(BIN)/npkg query efficacy-by-condition --param condition=MONDO:0041052 --param measure=NNT --format table

test: install-test
	$(BIN)/npkg build
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

.PHONY: install install-test run test lint
