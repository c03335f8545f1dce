"""Sampling windows of consecutive steps: each draw takes up to `window` consecutive transitions of one
episode, so a transition's next observation is the next transition's observation and is decoded once for
both. Uniform random transitions decode ~1.9 images per transition (8-step episodes); windows of 4 decode
~1.2 (benchmarks/grasp_log.py). The price is correlation inside a batch: a batch of 64 holds ~22
independent windows of 8-step episodes at window 4, not 64 independent transitions.

Every transition is equally likely. Conceptually each episode of L steps is preceded by `window - 1` empty
slots, and a window is `window` consecutive slots from a uniformly random start among all the slots of the
log; its empty slots (and anything past its episode's end) are dropped. A transition at any position is
then covered by exactly `window` starts. Windows are drawn until the batch is full; the last one is cut
to fit.
"""

from __future__ import annotations

import numpy as np

from qtopt_finetune.grasp_log.index_file import IndexFile


def episode_starts(index: IndexFile) -> np.ndarray:
    """int64 (E + 1,): the first row of each episode of the index, and its row count last (episodes are
    contiguous and each ends at done). 8 bytes an episode: ~1 MB for 1M transitions of 8-step episodes."""
    ends = [start + np.flatnonzero(rec["done"]) for start, rec in index.chunks()]
    last = np.concatenate([np.zeros(0, np.int64), *ends]).astype(np.int64)
    if len(index) and (last.size == 0 or last[-1] != len(index) - 1):
        raise ValueError(f"index: the last of its {len(index)} rows does not end an episode")
    return np.concatenate([[0], last + 1]).astype(np.int64)


class EpisodeWindows:
    """Rows for batches of windows over episodes whose first rows are `starts[:-1]` (`starts[-1]` = rows)."""

    def __init__(self, starts: np.ndarray, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if starts.ndim != 1 or starts.size < 2 or np.any(np.diff(starts) < 1):
            raise ValueError("EpisodeWindows needs at least one episode, each of at least one step")
        self.window = window
        self.first = starts[:-1]
        self.length = np.diff(starts)
        # slot k of episode e (k in [0, length + window - 1)) is global slot slot_start[e] + k
        self.slot_start = np.concatenate([[0], np.cumsum(self.length + window - 1)]).astype(np.int64)

    @property
    def slots(self) -> int:
        return int(self.slot_start[-1])

    def rows(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """int64 (batch_size,): rows of consecutive windows. Draws exactly `batch_size` starts from `rng`
        (every window holds at least one transition, so that many always fill the batch)."""
        start = rng.integers(0, self.slots, size=batch_size)
        episode = np.searchsorted(self.slot_start, start, side="right") - 1
        pos = start - self.slot_start[episode] - (self.window - 1)  # first position; < 0 in the padding
        lo = np.maximum(pos, 0)
        hi = np.minimum(pos + self.window, self.length[episode])  # exclusive; always > lo
        counts = hi - lo
        ends = np.cumsum(counts)
        used = int(np.searchsorted(ends, batch_size)) + 1  # windows needed to reach batch_size
        counts = counts[:used].copy()
        counts[-1] -= int(ends[used - 1]) - batch_size  # cut the last window to fit
        offsets = np.arange(batch_size) - np.repeat(np.cumsum(counts) - counts, counts)
        return (np.repeat(self.first[episode[:used]] + lo[:used], counts) + offsets).astype(np.int64)
