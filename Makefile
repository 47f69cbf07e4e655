# `make run` serves the bundled articles; `make test` runs the whole suite.
# Both set up the virtual environment first; that step is skipped when the
# environment is already up to date with pyproject.toml and constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lock golden bench bytecode system clean

# Debian tools the suite drives, as command:package: wrk and nginx for the
# benchmark's smoke run, chromium for the browser test. Installed when missing.
SYSTEM_TOOLS := wrk:wrk nginx:nginx-light chromium:chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Links in the served feeds point at this server, so a local reader can follow them.
run: bytecode
	FEEDSVC_BASE_URL=$${FEEDSVC_BASE_URL:-http://127.0.0.1:8000/} $(BIN)/feedsvc serve

test: bytecode system
	$(BIN)/ruff check feedsvc tests bench
	$(BIN)/ruff format --check feedsvc tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

check: bytecode
	$(BIN)/feedsvc check

# The benchmark (minutes at 100,000 articles); prints a table.
bench: bytecode system
	$(BIN)/python bench/run.py $(ARGS)

system:
	@missing=$$(for pair in $(SYSTEM_TOOLS); do \
	  PATH="$$PATH:/usr/sbin" command -v $${pair%%:*} >/dev/null || echo $${pair#*:}; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

# Regenerate the golden feed files after an intended change in output.
golden: $(STAMP)
	FEEDSVC_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

# feedsvc's own modules compiled, as an installer compiles a package: an editable
# install has no bytecode, and where PYTHONDONTWRITEBYTECODE is set every process
# would compile them again (0.1 s of each start). Only changed modules are compiled.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q feedsvc

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Re-resolve the newest versions pyproject.toml allows and lock them.
lock:
	rm -rf $(VENV).lock && $(PYTHON) -m venv $(VENV).lock
	$(VENV).lock/bin/python -m pip install -q --disable-pip-version-check '.[dev]'
	$(VENV).lock/bin/python -m pip freeze --exclude-editable | grep -v '^feedsvc' > constraints.txt
	rm -rf $(VENV).lock

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
