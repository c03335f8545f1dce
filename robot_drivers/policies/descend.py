"""QT-Opt's scripted exploration policy: no learning and no privileged knowledge, only what a real robot
has. Turn to a random yaw and drift a little, descend to near the bin floor, close, terminate (the lift
follows). Bootstraps a real robot's first grasp log, and drives the ROS path in tests."""

from __future__ import annotations

import numpy as np

from qtopt_finetune.spaces import GraspAction, Observation


class DescendPolicy:
    def __init__(self, close_height: float = 0.03, drift: float = 0.3, seed: int | None = None) -> None:
        if close_height <= 0 or not 0 <= drift <= 1:
            raise ValueError(
                f"DescendPolicy: need close_height > 0 and drift in [0, 1], got {close_height}, {drift}"
            )
        self.close_height, self.drift = close_height, drift
        self._rng = np.random.default_rng(seed)
        self._turned = False

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._turned = False

    def act(self, observation: Observation) -> np.ndarray:
        if observation.gripper_closed:
            return GraspAction((0.0, 0.0, 0.0), 0.0, True, True).to_array()
        if observation.gripper_height <= self.close_height:
            return GraspAction((0.0, 0.0, 0.0), 0.0, True, False).to_array()
        dx, dy = self._rng.uniform(-self.drift, self.drift, 2)
        rotation = 0.0 if self._turned else float(self._rng.uniform(-1, 1))
        self._turned = True
        return GraspAction((float(dx), float(dy), -1.0), rotation, False, False).to_array()
