# Two commands for a newcomer: `make run` and `make test`. Both install into .venv when needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# torch is installed first and pinned: its CPU wheel is on disk; a looser pin pulls a CUDA build.
TORCH := torch==2.13.0

.PHONY: install run test lint typecheck check bench-deps clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/qtopt run

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The comparison env for benchmarks/sim_throughput.py (PyBullet's KukaDiverseObjectEnv needs gym 0.23.1,
# which builds only with setuptools<81).
bench-deps: install
	$(BIN)/python -m pip install --quiet 'setuptools<81' wheel
	$(BIN)/python -m pip install --quiet --no-build-isolation -e '.[bench]'

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
