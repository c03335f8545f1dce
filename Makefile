# Two commands for a newcomer: `make run` and `make test`. Both install into .venv when needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# torch is installed first and pinned: its CPU wheel is on disk; a looser pin pulls a CUDA build.
TORCH := torch==2.13.0

.PHONY: install run test lint typecheck check bench-deps base-policy clean

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

# The recipe of the shipped base policy (checkpoints/base/README.md has its figures): 10,000 scripted grasps
# seen from the wrist camera, whose noise varies per episode (clean grasps, near and far misses), 12,000
# offline steps from scratch with QT-Opt's step penalty and a network that closes in place, then four
# on-policy rounds (2,000 grasps with the current policy at 20% random actions, 3,000 steps on 50/50 scripted /
# on-policy). 18,000 grasps and 24,000 steps in all (0.825 on unseen objects); 43 min on 2 cores (2026-12-06, randomized looks).
# Writes under runs/base-policy/ and never touches checkpoints/base.
# `make base-policy RECIPE=runs/dr APPEARANCE=randomized`: the same recipe on randomized looks.
RECIPE ?= runs/base-policy
APPEARANCE ?= fixed
base-policy: install
	$(BIN)/qtopt collect --out $(RECIPE)/logs/base --episodes 10000 --workers 2 --noise 0 --noise-max 2.5 \
		--exploration 0.1 --seed 0 --camera wrist --appearance $(APPEARANCE) --json
	$(BIN)/qtopt pretrain --log $(RECIPE)/logs/base --steps 12000 --lr 3e-4 --seed 0 --step-penalty -0.05 \
		--close-in-place --out $(RECIPE)/round0 --run-dir $(RECIPE)/run-round0 --eval-every 2000 --eval-episodes 200
	cur=$(RECIPE)/round0; for r in 1 2 3 4; do \
		$(BIN)/qtopt collect --policy $$cur --out $(RECIPE)/logs/online --episodes 2000 --workers 2 --exploration 0.2 \
			--appearance $(APPEARANCE) --seed $$((300000 + r * 10000)) --json && \
		$(BIN)/qtopt pretrain --init $$cur --log $(RECIPE)/logs/base --log $(RECIPE)/logs/online --weight 0.5 --weight 0.5 \
			--step-penalty -0.05 --steps 3000 --lr 3e-4 --seed $$r --checkpoint-every 0 --out $(RECIPE)/round$$r \
			--run-dir $(RECIPE)/run-round$$r && \
		$(BIN)/qtopt eval --checkpoint $(RECIPE)/round$$r --variation base --objects test --episodes 200 --seed 1000000 --json \
			|| exit 1; cur=$(RECIPE)/round$$r; done

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
