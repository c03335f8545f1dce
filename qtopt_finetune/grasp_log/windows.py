"""Windows of consecutive steps, so that a transition's next observation, decoded once, is also the next
transition's observation. Uniform random transitions decode ~1.9 images per transition (8-step episodes);
windows of 4 decode ~1.2 (benchmarks/grasp_log.py).

Every transition is equally likely. Conceptually each episode of L steps is preceded by `window - 1` empty
slots, and a window is `window` consecutive slots from a uniformly random start among all the slots of the
log; its empty slots (and anything past its episode's end) are dropped. A transition at any position is
then covered by exactly `window` starts.

`WindowStreams` (what `MixedSampler(window=...)` uses) walks the windows across batches: a batch of B
transitions takes one step from each of B open windows, the next batch the following step of each, and a
finished window is replaced by a fresh one. Each batch holds B transitions of B independent windows, as
uniform sampling would; what changes is that consecutive batches hold neighbouring steps. (Putting a
window's steps into one batch instead made the batches themselves correlated: pretraining from the base
log with it reached 0.425 of the base task at 4k steps against 0.545-0.555 with independent transitions.)
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
    """Windows over episodes whose first rows are `starts[:-1]` (`starts[-1]` = rows)."""

    def __init__(self, starts: np.ndarray, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if starts.ndim != 1 or starts.size < 2 or np.any(np.diff(starts) < 1):
            raise ValueError("EpisodeWindows needs at least one episode, each of at least one step")
        self.window = window
        self.starts = starts  # int64 (E + 1,); with slot_start, 16 bytes an episode
        # slot k of episode e (k in [0, length + window - 1)) is global slot slot_start[e] + k
        self.slot_start = starts + np.arange(starts.size, dtype=np.int64) * (window - 1)

    @property
    def slots(self) -> int:
        return int(self.slot_start[-1])

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """`n` windows as (first row, end row exclusive); each holds at least one transition."""
        start = rng.integers(0, self.slots, size=n)
        episode = np.searchsorted(self.slot_start, start, side="right") - 1
        pos = start - self.slot_start[episode] - (self.window - 1)  # first position; < 0 in the padding
        first, length = self.starts[episode], self.starts[episode + 1] - self.starts[episode]
        return first + np.maximum(pos, 0), first + np.minimum(pos + self.window, length)


class WindowStreams:
    """`streams` windows walked in step: each `rows` call gives the next row of every open window (row k of
    the result from stream k) and replaces the windows it finishes with freshly drawn ones."""

    def __init__(self, windows: EpisodeWindows, streams: int) -> None:
        if streams < 1:
            raise ValueError(f"streams must be >= 1, got {streams}")
        self.windows = windows
        self.row = np.zeros(streams, np.int64)
        self.end = np.zeros(streams, np.int64)  # row == end: the stream needs a new window

    def rows(self, rng: np.random.Generator) -> np.ndarray:
        fresh = np.flatnonzero(self.row >= self.end)
        if fresh.size:
            self.row[fresh], self.end[fresh] = self.windows.draw(fresh.size, rng)
        out = self.row.copy()
        self.row += 1
        return out
