# The README's two commands: `make demo` and `make test`. Each creates .venv when it is missing.
# `make bench` prints the engine's figures; `make schemas` rewrites docs/schemas/ from the format tables; `make test-long` runs the property tests ten times longer and the 100,000-case soak.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-long bench schemas clean prerequisites

# durable-rules is built from source (no wheel for current Pythons): it needs a C compiler and the
# Python headers. Say so in one line before pip fails deep in its output.
prerequisites:
	@command -v $${CC:-cc} >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || { \
	  echo "mmn-ddx needs a C compiler to build durable-rules: Debian/Ubuntu 'sudo apt-get install build-essential python3-dev'; Fedora 'sudo dnf install gcc python3-devel'; macOS 'xcode-select --install'." >&2; exit 1; }
	@$(PYTHON) -c "import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)" || { \
	  echo "mmn-ddx needs the Python headers (Python.h) to build durable-rules: Debian/Ubuntu 'sudo apt-get install python3-dev'; Fedora 'sudo dnf install python3-devel'; macOS: they come with python.org or Homebrew Python." >&2; exit 1; }

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory prerequisites
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Bytecode written up front: a shell with PYTHONDONTWRITEBYTECODE set would otherwise compile every
# module from source in every process (about 40 ms of each command's start-up). Stale files are
# recompiled, current ones left alone.
BYTECODE = $(BIN)/python -m compileall -q mmn_ddx

demo: $(STAMP)
	@$(BYTECODE)
	$(BIN)/mmn-ddx walk electrician-finger-drop --no-input

# -n auto: one pytest worker per core (pytest-xdist); the suite is over a minute on one core
test: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python -m pytest -n auto

test-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest tests/test_engine_properties.py tests/test_engine_limits.py
	$(BIN)/python benchmarks/soak.py

# docs/schemas/ is written from the format tables (mmn_ddx/formats.py), never by hand; a test checks it is current.
schemas: $(STAMP)
	for name in $$($(BIN)/python -c "from mmn_ddx.schemas import SCHEMAS; print(*SCHEMAS)"); do \
	  $(BIN)/mmn-ddx schema $$name > docs/schemas/$$name.schema.json.tmp && mv docs/schemas/$$name.schema.json.tmp docs/schemas/$$name.schema.json || exit 1; \
	done

bench: $(STAMP)
	@$(BYTECODE)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
