"""Small helpers on `TransitionBatch`: concatenate, slice, build from per-row arrays."""

from __future__ import annotations

import numpy as np

from qtopt_finetune.batch import TransitionBatch

_ARRAYS = ("image", "state", "action", "reward", "next_image", "next_state", "done")


def concat(batches: list[TransitionBatch]) -> TransitionBatch:
    parts = {name: np.concatenate([getattr(b, name) for b in batches]) for name in _ARRAYS}
    sources = [b.source for b in batches]
    source = (
        np.concatenate([s for s in sources if s is not None]) if all(s is not None for s in sources) else None
    )
    returns = [b.mc_return for b in batches]
    have_returns = all(r is not None for r in returns)
    mc = np.concatenate([r for r in returns if r is not None]) if have_returns else None
    cuts = [b.shortcut for b in batches]
    shortcut = (
        np.concatenate([c for c in cuts if c is not None]) if all(c is not None for c in cuts) else None
    )
    return TransitionBatch(**parts, source=source, mc_return=mc, shortcut=shortcut)


def take(batch: TransitionBatch, start: int, stop: int) -> TransitionBatch:
    parts = {name: getattr(batch, name)[start:stop] for name in _ARRAYS}
    source = batch.source[start:stop] if batch.source is not None else None
    mc = batch.mc_return[start:stop] if batch.mc_return is not None else None
    shortcut = batch.shortcut[start:stop] if batch.shortcut is not None else None
    return TransitionBatch(**parts, source=source, mc_return=mc, shortcut=shortcut)


def from_rows(
    images: np.ndarray,
    state: np.ndarray,
    action: np.ndarray,
    reward: np.ndarray,
    done: np.ndarray,
    rows: np.ndarray,
    next_rows: np.ndarray,
) -> TransitionBatch:
    """Transitions at `rows` whose next observations are at `next_rows` (all arrays indexed by row)."""
    return TransitionBatch(
        image=images[rows],
        state=state[rows].astype(np.float32, copy=False),
        action=action[rows].astype(np.float32, copy=False),
        reward=reward[rows].astype(np.float32, copy=False),
        next_image=images[next_rows],
        next_state=state[next_rows].astype(np.float32, copy=False),
        done=done[rows].astype(np.float32),
    )
