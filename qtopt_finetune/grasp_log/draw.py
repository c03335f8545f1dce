"""A `Draw`: sampled transitions whose image bytes are fetched but not decoded yet, and how several draws
become one `TransitionBatch`: each distinct image is decoded once, straight into its first place in the
batch, and copied only where the batch holds it again (a step that is also another transition's next).
Images the caller already holds decoded (`known`: the previous batch's next images, when batches walk
windows of consecutive steps) are copied instead of decoded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qtopt_finetune.batch import TransitionBatch

# decode(blobs, out, rows): blobs[i] into out[rows[i]] (ImageDecoder.decode)
DecodeRows = Callable[[list[bytes], np.ndarray, np.ndarray], object]
# an image of a batch: (which draw of the batch, its key in that draw's log)
ImageKey = tuple[int, int]


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
    shortcut: np.ndarray | None = None  # float32 (B, 6): hindsight shortcuts (when asked for)
    keys: np.ndarray | None = None  # int64, one per blob: the image's identity in its log (shard, offset)

    def __len__(self) -> int:
        return int(self.reward.shape[0])


def _keys(draws: list[Draw]) -> list[ImageKey]:
    """Every blob's key, in the order of the draws' blobs."""
    out: list[ImageKey] = []
    for i, d in enumerate(draws):
        if d.keys is None:
            raise ValueError("draw: images without keys cannot be matched to known ones")
        out.extend((i, int(k)) for k in d.keys.tolist())
    return out


def next_image_keys(draws: list[Draw]) -> list[ImageKey]:
    """The key of each batch row's next image, in batch order (what `known` of the next batch uses)."""
    keys = _keys(draws)
    out: list[ImageKey] = []
    start = 0
    for d in draws:
        out.extend(keys[start + j] for j in d.inverse[len(d) :].tolist())
        start += len(d.blobs)
    return out


def assemble(
    draws: list[Draw],
    decode: DecodeRows,
    shape: tuple[int, int],
    source: np.ndarray | None = None,
    known: dict[ImageKey, np.ndarray] | None = None,
) -> TransitionBatch:
    """The batch of `draws` in order, its images decoded by `decode` into place (copied from `known`, images
    already decoded by key, where it has them)."""
    n = sum(len(d) for d in draws)
    # one buffer: rows [0, n) are the images, [n, 2n) the next images; both halves are contiguous
    both = np.empty((2, n, *shape, 3), dtype=np.uint8)
    flat = both.reshape(2 * n, *shape, 3)
    blob_of = np.empty(2 * n, dtype=np.int64)  # batch row -> index into the concatenated blobs
    start, row0 = 0, 0
    for d in draws:
        k = len(d)
        blob_of[row0 : row0 + k] = start + d.inverse[:k]
        blob_of[n + row0 : n + row0 + k] = start + d.inverse[k:]
        start, row0 = start + len(d.blobs), row0 + k
    blobs = [b for d in draws for b in d.blobs]
    used, first = np.unique(blob_of, return_index=True)  # each blob the batch holds, and its first row
    if known:
        keys = _keys(draws)
        hit = np.array([keys[u] in known for u in used.tolist()], dtype=bool)
        for u, row in zip(used[hit].tolist(), first[hit].tolist(), strict=True):
            flat[row] = known[keys[u]]
        decode([blobs[u] for u in used[~hit]], flat, first[~hit])
    else:
        decode([blobs[u] for u in used], flat, first)
    first_row = np.empty(len(blobs), dtype=np.int64)
    first_row[used] = first
    again = np.flatnonzero(first_row[blob_of] != np.arange(2 * n))
    if again.size:
        flat[again] = flat[first_row[blob_of[again]]]
    cat = lambda name: np.concatenate([getattr(d, name) for d in draws])  # noqa: E731
    with_returns = all(d.mc_return is not None for d in draws)
    with_shortcuts = all(d.shortcut is not None for d in draws)
    return TransitionBatch(
        image=both[0],
        state=cat("state"),
        action=cat("action"),
        reward=cat("reward"),
        next_image=both[1],
        next_state=cat("next_state"),
        done=cat("done").astype(np.float32),
        source=source,
        mc_return=cat("mc_return") if with_returns else None,
        shortcut=cat("shortcut") if with_shortcuts else None,
    )
