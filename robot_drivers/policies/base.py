"""What the episode runner needs of a policy."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from qtopt_finetune.spaces import Observation


class Policy(Protocol):
    def reset(self, seed: int | None = None) -> None:
        """Called at the start of every episode."""

    def act(self, observation: Observation) -> np.ndarray:
        """Return an action of shape (ACTION_DIM,) (see qtopt_finetune.spaces)."""
        ...
