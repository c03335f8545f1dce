"""A Bellman updater actor: labels replay batches with QT-Opt's clipped double-Q CEM targets.

It holds the two lagged target networks at a known version, refreshed from the registry before each batch
when the learner has published newer ones, and passes on a `LabelledBatch` (the batch, its targets, the
version that labelled it). Targets are computed at the stored (not augmented) next image: the learner
augments the image it trains on, as QT-Opt's updaters labelled stored transitions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.bellman import BellmanConfig, bound_by_returns, compute_bellman_targets
from qtopt_finetune.distributed.registry import NO_VERSION, Weights
from qtopt_finetune.networks import QNetwork, QNetworkConfig
from qtopt_finetune.target_networks import frozen_copy
from qtopt_finetune.torch_batch import TorchTransitionBatch


@dataclass
class LabelledBatch:
    batch: TransitionBatch
    targets: np.ndarray  # float32 (B,)
    version: int  # the learner step of the target networks that computed `targets`


class BellmanTargetLabeller:
    """The Ray-free core: target networks at a version, and `label(batch)`."""

    def __init__(
        self, network: QNetworkConfig, bellman: BellmanConfig, seed: int = 0, device: str = "cpu"
    ) -> None:
        self.device = torch.device(device)
        self.bellman = bellman
        online = QNetwork(network).to(self.device)
        self.target1, self.target2 = frozen_copy(online), frozen_copy(online)
        self.version = NO_VERSION
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(seed)

    def load(self, version: int, weights: Weights) -> None:
        self.target1.load_state_dict(weights["target1"])
        self.target2.load_state_dict(weights["target2"])
        self.version = version

    def label(self, batch: TransitionBatch) -> LabelledBatch:
        if self.version == NO_VERSION:
            raise RuntimeError("updater: no target networks yet (the learner has published nothing)")
        tb = TorchTransitionBatch.from_numpy(batch, self.device)
        targets = compute_bellman_targets(
            self.target1,
            self.target2,
            tb.reward,
            tb.done,
            tb.next_image,
            tb.next_state,
            self.bellman,
            self.generator,
        )
        target = bound_by_returns(targets.target, batch.mc_return, self.bellman)
        return LabelledBatch(batch, target.cpu().numpy().astype(np.float32), self.version)


class BellmanUpdater:
    """The actor: a labeller that pulls `(weights, version)` from the registry before each batch."""

    def __init__(
        self, network: QNetworkConfig, bellman: BellmanConfig, registry: Any, seed: int, threads: int = 1
    ) -> None:
        torch.set_num_threads(threads)
        self.labeller = BellmanTargetLabeller(network, bellman, seed)
        self.registry = registry
        self.labelled = 0

    def refresh(self) -> int:
        import ray

        version, weights = ray.get(self.registry.latest.remote(self.labeller.version))
        if weights is not None:
            self.labeller.load(version, weights)
        return self.labeller.version

    def label(self, batch: TransitionBatch) -> tuple[dict[str, float], LabelledBatch]:
        """-> (small receipt for the driver, the labelled batch for the learner); call with num_returns=2."""
        start = time.perf_counter()
        self.refresh()
        labelled = self.labeller.label(batch)
        self.labelled += len(batch)
        receipt = {
            "version": float(labelled.version),
            "transitions": float(len(batch)),
            "seconds": time.perf_counter() - start,
        }
        return receipt, labelled

    def ping(self) -> bool:
        return True
