# Two commands for a newcomer: `make run` starts the service, `make test` runs
# the tests. Both create the virtual environment (.venv) on first use.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-embedded test-virtuoso lint bench-smoke

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

# The whole suite on the embedded store and, side by side with it, the API
# suite on Virtuoso (a server named by CTRLGRAPH_TEST_VIRTUOSO_ENV, or one
# started for the run when virtuoso-t is installed; skipped otherwise, except
# in CI). Each keeps about one core busy (the Virtuoso suite mostly waits on
# Virtuoso), so on two cores together they take about as long as the longer
# one. Each suite's output is printed whole when it ends; each has its own
# temporary folder. `make test-embedded` or `make test-virtuoso` runs one.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-embedded test-virtuoso

TEST_TMP ?= $(or $(TMPDIR),/tmp)/ctrlgraph-tests

test-embedded: $(BIN)/.installed
	$(BIN)/pytest --durations=15 --basetemp=$(TEST_TMP)-embedded

test-virtuoso: $(BIN)/.installed
	$(BIN)/pytest --backend virtuoso --durations=15 --basetemp=$(TEST_TMP)-virtuoso

bench-smoke: $(BIN)/.installed
	$(BIN)/python bench/run.py --scale 0.005 --repeat 3 --output bench/out/smoke.md
	if command -v virtuoso-t >/dev/null; then $(BIN)/python bench/virtuoso.py --scale 0.005 --repeat 3 --embedded --strict --output bench/out/virtuoso-smoke.md; else echo "virtuoso-t not installed: Virtuoso benchmark skipped"; fi
