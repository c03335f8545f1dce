"""Shared pieces of the ROS tests: a fresh small checkpoint, and waiting for a condition."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from qtopt_finetune.learner import Learner
from qtopt_finetune.learner_config import LearnerConfig
from tests.qtopt_finetune.helpers import TINY


def fresh_checkpoint(path: Path) -> Path:
    """An untrained 64x64 wrist-camera Q-network (the agent's and sim bridge's default camera) saved with
    the learner's own checkpoint code."""
    config = LearnerConfig(checkpoint_every=0, progress=False, tensorboard=False)
    return Learner(replace(TINY, image_size=64, camera="wrist"), config).save_checkpoint(path)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
