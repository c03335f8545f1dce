"""What a robot hands the grasp log: one `Step` per action taken, and one `EpisodeMeta` per episode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np


@dataclass
class Step:
    """One action taken. The step's next observation is the next step's; the last step has done=True."""

    image: np.ndarray  # uint8 (H, W, 3), RGB, seen before acting
    state: np.ndarray  # (STATE_DIM,): gripper_closed, gripper_height
    action: np.ndarray  # (ACTION_DIM,)
    reward: float
    done: bool


@dataclass
class EpisodeMeta:
    """One grasp attempt's outcome and provenance."""

    robot: str
    variation: str
    policy_id: str
    source: str  # "sim" | "real"
    start_time: float  # unix seconds
    success: bool
    episode_id: str | None = None  # None -> a new uuid4 hex


def new_episode_id() -> str:
    return uuid.uuid4().hex
