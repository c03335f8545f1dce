"""Uniform random actions: displacement and rotation in [-1, 1], gripper and terminate as coin flips."""

from __future__ import annotations

import numpy as np

from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM, Observation


class RandomPolicy:
    def __init__(self, p_close: float = 0.5, p_terminate: float = 0.1, seed: int | None = None) -> None:
        for name, value in (("p_close", p_close), ("p_terminate", p_terminate)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"RandomPolicy.{name} must be a probability in [0, 1], got {value}")
        self.p_close = p_close
        self.p_terminate = p_terminate
        self._rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self._rng = np.random.default_rng(seed)

    def act(self, observation: Observation) -> np.ndarray:
        a = np.empty(ACTION_DIM, dtype=np.float32)
        a[:CONTINUOUS_DIM] = self._rng.uniform(-1.0, 1.0, size=CONTINUOUS_DIM)
        a[CONTINUOUS_DIM] = float(self._rng.random() < self.p_close)
        a[CONTINUOUS_DIM + 1] = float(self._rng.random() < self.p_terminate)
        return a
