"""Shared helpers for the learning-core tests: a tiny network config and small synthetic batches."""

from __future__ import annotations

import numpy as np

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.networks import QNetworkConfig
from qtopt_finetune.synthetic_batches import blob_batch

TINY = QNetworkConfig(
    image_size=32,
    tower_channels=(8, 8),
    merge_size=4,
    head_channels=(8, 8),
    dense_widths=(16,),
    norm_groups=2,
)


def tiny_batch(seed: int = 0, batch_size: int = 8, terminal_fraction: float = 0.5) -> TransitionBatch:
    return blob_batch(batch_size, TINY.image_size, np.random.default_rng(seed), terminal_fraction)


def tiny_batches(seed: int = 0, batch_size: int = 8) -> list[TransitionBatch]:
    """A finite, reproducible stream (list) of 16 tiny batches, half terminal."""
    return [tiny_batch(seed * 1000 + i, batch_size) for i in range(16)]
