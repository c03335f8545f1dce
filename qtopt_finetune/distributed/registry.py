"""The `(weights, version)` registry: the only contract between the learner and its workers.

The learner publishes its online network and both lagged target networks with the step they were taken
at (the version). Workers ask for the latest and get weights only when their version differs, so an
unchanged registry costs one small call. After a learner restart the version may go back to the step it
resumed at: the latest publication always wins, and workers follow it.
"""

from __future__ import annotations

import torch

# "model" / "target1" / "target2" -> state dict (CPU tensors)
Weights = dict[str, dict[str, torch.Tensor]]
NO_VERSION = -1


class WeightRegistry:
    def __init__(self) -> None:
        self.version = NO_VERSION
        self.weights: Weights | None = None
        self.publications = 0

    def publish(self, version: int, weights: Weights) -> int:
        missing = {"model", "target1", "target2"} - set(weights)
        if missing:
            raise ValueError(f"registry: weights lack {sorted(missing)}")
        self.version, self.weights = version, weights
        self.publications += 1
        return self.publications

    def latest(self, known_version: int = NO_VERSION) -> tuple[int, Weights | None]:
        """(version, weights), with weights None when the caller already holds this version."""
        if self.weights is None or known_version == self.version:
            return self.version, None
        return self.version, self.weights

    def current_version(self) -> int:
        return self.version

    def ping(self) -> bool:
        return True
