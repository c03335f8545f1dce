"""A `Draw`: sampled transitions whose image bytes are fetched but not decoded yet, and how several draws
become one `TransitionBatch` with a single decode pass and a single copy of each image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtopt_finetune.batch import TransitionBatch


@dataclass
class Draw:
    blobs: list[bytes]  # the distinct images to decode
    inverse: (
        np.ndarray
    )  # (2B,): transition k's image is blobs[inverse[k]], its next image blobs[inverse[B + k]]
    state: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_state: np.ndarray
    done: np.ndarray  # bool
    mc_return: np.ndarray | None = None  # float32: discounted return to the episode's end (when asked for)

    def __len__(self) -> int:
        return int(self.reward.shape[0])


def assemble(draws: list[Draw], images: np.ndarray, source: np.ndarray | None = None) -> TransitionBatch:
    """The batch of `draws` in order; `images` holds every draw's decoded blobs, one draw after the other."""
    starts = np.cumsum([0] + [len(d.blobs) for d in draws])
    image_rows = np.concatenate([s + d.inverse[: len(d)] for s, d in zip(starts, draws, strict=False)])
    next_rows = np.concatenate([s + d.inverse[len(d) :] for s, d in zip(starts, draws, strict=False)])
    cat = lambda name: np.concatenate([getattr(d, name) for d in draws])  # noqa: E731
    with_returns = all(d.mc_return is not None for d in draws)
    return TransitionBatch(
        image=images.take(image_rows, axis=0),
        state=cat("state"),
        action=cat("action"),
        reward=cat("reward"),
        next_image=images.take(next_rows, axis=0),
        next_state=cat("next_state"),
        done=cat("done").astype(np.float32),
        source=source,
        mc_return=cat("mc_return") if with_returns else None,
    )
