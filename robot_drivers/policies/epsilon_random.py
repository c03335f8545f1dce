"""Epsilon-random exploration around any policy: QT-Opt's base data came from a scripted policy with
randomisation, so that the log shows what happens for actions the scripted policy would never take.

Each step, with probability `epsilon`, the action is replaced by a uniformly random one (displacement and
rotation uniform in [-1, 1], gripper and terminate coin flips with the RandomPolicy's odds); otherwise the
wrapped policy acts. A scripted log collected this way covers the action space that CEM searches at test
time, instead of only the narrow band the scripted grasper moves in.
"""

from __future__ import annotations

import numpy as np

from qtopt_finetune.spaces import Observation
from robot_drivers.policies.base import Policy
from robot_drivers.policies.random_policy import RandomPolicy


class EpsilonRandomPolicy:
    def __init__(self, policy: Policy, epsilon: float, seed: int | None = None) -> None:
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"exploration epsilon must be a probability in [0, 1], got {epsilon}")
        self.policy = policy
        self.epsilon = epsilon
        self._random = RandomPolicy(seed=None if seed is None else seed + 7919)
        self._rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        self.policy.reset(seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed + 104_729)
            self._random.reset(seed + 7919)

    def act(self, observation: Observation) -> np.ndarray:
        action = self.policy.act(observation)  # always asked, so the wrapped policy's own state moves on
        if self._rng.random() < self.epsilon:
            return self._random.act(observation)
        return action
