"""Auto-descend mode: the robot, not the policy, moves the gripper down and closes it when it is low.

Quillen et al.'s PyBullet benchmark and KukaDiverseObjectEnv grasp this way (../shared/REFERENCES.md): the
policy chooses only where to go in the plane and how to turn the gripper (dx, dy, drotation); every step the
gripper descends by `step` metres, and the step that brings it to `close_height` above the bin floor closes
the fingers and ends the episode (the lift and the grasp check follow). A Q-network trained for this mode
ignores the other entries (QNetworkConfig.ignored_actions = AUTO_DESCEND_ACTIONS), so CEM searches only the
three that matter, and the policy reaches the grasp height in a fixed number of steps instead of having to
learn when to stop descending.

The wrapper writes the full six-entry action the robot receives, so a grasp log records what was done.
"""

from __future__ import annotations

import math

import numpy as np

from qtopt_finetune.spaces import Observation
from robot_drivers.policies.base import Policy

DESCEND_STEP = 0.04  # metres per action: 5-7 actions from the start height (0.22-0.28 m) down to the grasp
CLOSE_HEIGHT = 0.015  # metres above the bin floor of the nominal tool point at which the fingers close


class AutoDescend:
    def __init__(
        self,
        policy: Policy,
        max_translation: float,
        step: float = DESCEND_STEP,
        close_height: float = CLOSE_HEIGHT,
    ) -> None:
        values = {"max_translation": max_translation, "step": step, "close_height": close_height}
        bad = [f"{k}={v!r}" for k, v in values.items() if not (math.isfinite(v) and v > 0)]
        if bad or step > max_translation:
            raise ValueError(
                "AutoDescend: need positive max_translation, step and close_height with step <= "
                f"max_translation, got {', '.join(bad) or values}"
            )
        self.policy = policy
        self.max_translation, self.step, self.close_height = max_translation, step, close_height

    def reset(self, seed: int | None = None) -> None:
        self.policy.reset(seed)

    def act(self, observation: Observation) -> np.ndarray:
        action = np.array(self.policy.act(observation), dtype=np.float32, copy=True)
        height = observation.gripper_height
        goal = max(height - self.step, self.close_height)
        action[2] = np.clip((goal - height) / self.max_translation, -1.0, 1.0)
        close = goal <= self.close_height
        action[4] = action[5] = float(close)
        return action
