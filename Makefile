# incident-feed developer commands. Each target creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint types pytest demo bench bench-foundation bench-ops bench-scale bench-tui bench-social clean cassettes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

## run: collect once from the default catalogue, then show the incidents
run: $(STAMP)
	-$(BIN)/incident-feed --config config.toml collect
	$(BIN)/incident-feed --config config.toml

## demo: no network needed; imports the real payloads the repo ships into a throwaway database
demo: $(STAMP)
	$(BIN)/python -m incident_feed.demo

## test: lint, types and the whole test suite
test: lint types pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check incident_feed tests benchmarks
	$(BIN)/ruff format --check incident_feed tests benchmarks

types: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest

## cassettes: rebuild cassettes/ from ../shared/fixtures
cassettes: $(DEV_STAMP)
	$(BIN)/python -m tests.tools.build_cassettes ../shared/fixtures

## bench: run every benchmark, one after the other, and print their figures (docs/benchmarks.md)
bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

## bench-foundation: history_import, feed_ingest, cli_cold
bench-foundation: $(DEV_STAMP)
	$(BIN)/python -m benchmarks foundation

## bench-ops: collect_many, collect_unchanged, export_report, watch_soak (~3 min; BENCH_SOAK_CYCLES=200 for a quick soak)
bench-ops: $(DEV_STAMP)
	$(BIN)/python -m benchmarks ops

## bench-scale: watch_many (5,000 sources), scale_out (1, 2, 4 workers on PostgreSQL) (~6 min)
bench-scale: $(DEV_STAMP)
	$(BIN)/python -m benchmarks scale

## bench-social: classification speed (10,000 posts) and accuracy on real texts
bench-social: $(DEV_STAMP)
	$(BIN)/python -m benchmarks social

## bench-tui: TUI latency at 100,000 incidents (the first run builds the database)
bench-tui: $(DEV_STAMP)
	$(BIN)/python -m benchmarks tui

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
