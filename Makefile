# The README's first two commands: `make demo` and `make test`. Both work on a fresh machine with only
# python3 (>= 3.11) and make: they create .venv and install into it exactly what the lock files pin (with
# their hashes), then briefbot itself without dependencies. `make demo` then `make test` installs only the
# test extras the second time: each lock has its own stamp, and the test lock is a superset of the runtime one.
# The Python of the Dockerfile's base image (python:3.11-slim): CI runs the suite on exactly it (.ci/run), and
# make prefers it when it is installed; any python3 >= 3.11 works otherwise.
PY_VERSION := $(shell sed -n 's/^ARG PYTHON_IMAGE=python:\([0-9.]*\)-slim.*/\1/p' Dockerfile)
PYTHON ?= $(shell command -v python$(PY_VERSION) 2>/dev/null || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test
PIP    := $(BIN)/python -m pip --disable-pip-version-check
LOCKS  := requirements.lock requirements-test.lock

.PHONY: demo test lint bench run lock clean python-version

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("briefbot needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock
	@# PYTHONWARNINGS: setuptools' generic banner about editable installs says nothing actionable here
	PYTHONWARNINGS=ignore $(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(TESTSTAMP): requirements-test.lock $(STAMP)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements-test.lock
	touch $@

demo: $(STAMP)
	$(BIN)/briefbot demo --keep briefbot-demo.db

test: $(TESTSTAMP)
	$(BIN)/python -m pytest

lint: $(TESTSTAMP)
	$(BIN)/ruff check bot storage prompts tests bench

bench: $(TESTSTAMP)
	$(BIN)/python bench/run_all.py

run: $(STAMP)
	$(BIN)/briefbot run

# Re-pin every dependency (and its hashes) after a change to pyproject.toml; needs the network.
lock: | $(BIN)/python
	$(PIP) install --quiet pip-tools
	for extras in "" "--extra test --extra bench"; do \
	  out=$$( [ -z "$$extras" ] && echo requirements.lock || echo requirements-test.lock ); \
	  CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	    --build-deps-for editable --strip-extras --no-emit-index-url --no-emit-find-links \
	    $$extras -o $$out pyproject.toml; \
	done

python-version:
	@echo $(PY_VERSION)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
