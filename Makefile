# `make run` serves the bundled articles; `make test` runs the whole suite.
# Both set up the virtual environment first; that step is skipped when the
# environment is already up to date with pyproject.toml and constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint lock golden clean

# Links in the served feeds point at this server, so a local reader can follow them.
run: $(STAMP)
	FEEDSVC_BASE_URL=$${FEEDSVC_BASE_URL:-http://127.0.0.1:8000/} $(BIN)/feedsvc serve

test: $(STAMP)
	$(BIN)/ruff check feedsvc tests
	$(BIN)/ruff format --check feedsvc tests
	$(BIN)/mypy
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/feedsvc check

# Regenerate the golden feed files after an intended change in output.
golden: $(STAMP)
	FEEDSVC_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

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
