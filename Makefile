# The README's first two commands: `make demo` and `make test`. Both work on a fresh machine with only
# python3 (>= 3.11) and make: they create .venv and install what they need into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench run clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("briefbot needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TESTSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/briefbot demo

test: $(TESTSTAMP)
	$(BIN)/python -m pytest

lint: $(TESTSTAMP)
	$(BIN)/ruff check bot storage prompts tests bench

bench: $(TESTSTAMP)
	$(BIN)/python bench/run_all.py

run: $(STAMP)
	$(BIN)/briefbot run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
