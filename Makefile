# Two commands for a newcomer: `make run` starts the service, `make test` runs
# the tests. Both create the virtual environment (.venv) on first use.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench-smoke

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/ctrlgraph serve

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite on the embedded store, then the API suite on Virtuoso (a
# server named by CTRLGRAPH_TEST_VIRTUOSO_ENV, or one started for the run when
# virtuoso-t is installed; skipped otherwise, except in CI).
test: lint
	$(BIN)/pytest --durations=15
	$(BIN)/pytest --backend virtuoso --durations=15

bench-smoke: $(BIN)/.installed
	$(BIN)/python bench/run.py --scale 0.005 --repeat 3 --output bench/out/smoke.md
	if command -v virtuoso-t >/dev/null; then $(BIN)/python bench/virtuoso.py --scale 0.005 --repeat 3 --embedded --strict --output bench/out/virtuoso-smoke.md; else echo "virtuoso-t not installed: Virtuoso benchmark skipped"; fi
