"""Tiny grasp logs, a tiny parent checkpoint and a tiny job config for the distributed tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qtopt_finetune.bellman import BellmanConfig
from qtopt_finetune.cem import CEMConfig
from qtopt_finetune.distributed import DistributedJobConfig
from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogWriter, Step
from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from qtopt_finetune.synthetic_batches import blob_batch
from tests.qtopt_finetune.helpers import TINY

FAST_CEM = CEMConfig(iterations=1, samples=16, elites=2)


def write_two_step_log(root: Path, episodes: int, variation: str, seed: int) -> None:
    """Two-step blob episodes: a move (reward 0), then the grasp (reward 1 iff dx points at the blob)."""
    batch = blob_batch(episodes, TINY.image_size, np.random.default_rng(seed), terminal_fraction=1.0)
    with GraspLogWriter(root, image_format="png", episodes_per_shard=16) as writer:
        for i in range(episodes):
            move = Step(batch.image[i], batch.state[i], batch.action[i] * 0.5, 0.0, False)
            grasp = Step(batch.image[i], batch.state[i], batch.action[i], float(batch.reward[i]), True)
            success = bool(batch.reward[i] > 0)
            meta = EpisodeMeta("sim-0", variation, "random", "sim", 1.7e9 + i, success)
            writer.add_episode([move, grasp], meta)


def tiny_setup(root: Path) -> tuple[list[str], str]:
    """A base and a target log (a few dozen episodes each) and a parent checkpoint -> (logs, parent)."""
    write_two_step_log(root / "base", 48, "base", seed=1)
    write_two_step_log(root / "target", 32, "checkerboard", seed=2)
    parent = Learner(TINY, LearnerConfig(progress=False, tensorboard=False)).save_checkpoint(root / "parent")
    return [str(root / "base"), str(root / "target")], str(parent)


def tiny_job(
    root: Path, logs: list[str], parent: str, steps: int, **overrides: object
) -> DistributedJobConfig:
    learner = LearnerConfig(
        lr=1e-3,
        checkpoint_every=10,
        log_every=1,
        tensorboard=False,
        progress=False,
        target_lag_steps=5,
        bellman=BellmanConfig(cem=FAST_CEM),
    )
    settings: dict[str, object] = {
        "logs": logs,
        "steps": steps,
        "out": str(root / "final"),
        "run_dir": str(root / "run"),
        "parent": parent,
        "weights": [0.5, 0.5],
        "updaters": 2,
        "batch_size": 16,
        "queue_size": 4,
        "sync_every": 5,
        "actor_cpus": 0.5,
        "learner": learner,
        **overrides,
    }
    return DistributedJobConfig(**settings)  # type: ignore[arg-type]
