"""A synthetic grasping task for tests and benchmarks: success iff dx points towards a bright blob.

Each image is dark noise with one bright square in its left or right half. A transition succeeds
(reward 1) iff its action's dx has the blob's sign (left: dx < 0, right: dx > 0). Episodes are one
step long unless `terminal_fraction` < 1, in which case the other transitions are mid-episode steps
with reward 0 whose next observation shows the same blob.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.spaces import ACTION_DIM, CONTINUOUS_DIM


def blob_images(sides: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """uint8 (B, size, size, 3): noise <= 40, one bright square in the left (side 0) or right (1) half."""
    b = sides.shape[0]
    images = rng.integers(0, 40, (b, size, size, 3), dtype=np.uint8)
    blob = max(2, size // 8)
    half = size // 2
    for i, side in enumerate(sides):
        y = int(rng.integers(0, size - blob))
        x = int(rng.integers(0, half - blob)) + (half if side else 0)
        images[i, y : y + blob, x : x + blob] = 230
    return images


def blob_batch(
    batch_size: int, size: int, rng: np.random.Generator, terminal_fraction: float = 1.0
) -> TransitionBatch:
    sides = rng.integers(0, 2, batch_size)
    images = blob_images(sides, size, rng)
    action = np.concatenate(
        [
            rng.uniform(-1, 1, (batch_size, CONTINUOUS_DIM)),
            rng.integers(0, 2, (batch_size, ACTION_DIM - CONTINUOUS_DIM)),
        ],
        axis=1,
    ).astype(np.float32)
    done = (rng.random(batch_size) < terminal_fraction).astype(np.float32)
    success = (action[:, 0] > 0) == (sides == 1)
    state = np.stack([rng.integers(0, 2, batch_size), rng.uniform(0.0, 0.3, batch_size)], axis=1)
    return TransitionBatch(
        image=images,
        state=state.astype(np.float32),
        action=action,
        reward=(success & (done > 0)).astype(np.float32),
        next_image=images.copy(),
        next_state=state.astype(np.float32),
        done=done,
    )


def blob_batches(
    batch_size: int = 32, size: int = 64, seed: int = 0, terminal_fraction: float = 1.0
) -> Iterator[TransitionBatch]:
    """An endless, seeded stream of `blob_batch`es."""
    rng = np.random.default_rng(seed)
    while True:
        yield blob_batch(batch_size, size, rng, terminal_fraction)
