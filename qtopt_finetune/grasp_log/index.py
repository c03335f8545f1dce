"""The transition index of some episodes: per step, where its image bytes are and its small numbers (state,
action, reward, done). No images: about 53 bytes per transition. Built per shard; sampling keeps it on disk
(`index_file.py`), reading one episode keeps it in memory.

Steps of an episode are contiguous and in order, so transition i's next observation is row i + 1, or row i
itself where done (the batch contract repeats the last observation there).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import schema
from qtopt_finetune.grasp_log.catalog import Shard, skip
from qtopt_finetune.spaces import ACTION_DIM, STATE_DIM


@dataclass
class TransitionIndex:
    shard: np.ndarray  # int32 (N,): shard number
    offset: np.ndarray  # int64 (N,): byte offset of the image in the shard's data file
    length: np.ndarray  # int32 (N,)
    state: np.ndarray  # float32 (N, STATE_DIM)
    action: np.ndarray  # float32 (N, ACTION_DIM)
    reward: np.ndarray  # float32 (N,)
    done: np.ndarray  # bool (N,)

    def __len__(self) -> int:
        return int(self.done.shape[0])

    def next_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.where(self.done[rows], rows, rows + 1)


def _fixed(column: pa.ChunkedArray, width: int) -> np.ndarray:
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(flat, dtype=np.float32).reshape(-1, width)


def _shard_part(shard: Shard, selected: pa.Table) -> dict[str, np.ndarray] | None:
    cols = [schema.STATE, schema.ACTION, schema.REWARD, schema.DONE]
    try:
        data = pq.read_table(shard.data_path, columns=cols)
    except (OSError, pa.ArrowException) as exc:
        skip(shard.data_path, f"unreadable data ({exc})")
        return None
    starts = selected["shard_row_offset"].to_numpy()
    lengths = selected["length"].to_numpy()
    rows = np.concatenate([np.arange(a, a + n) for a, n in zip(starts, lengths, strict=True)])
    data = data.take(pa.array(rows))
    offsets = pc.list_flatten(selected["image_offsets"]).to_numpy()
    return {
        "shard": np.full(rows.shape[0], shard.number, dtype=np.int32),
        "offset": offsets.astype(np.int64),
        "length": pc.list_flatten(selected["image_lengths"]).to_numpy().astype(np.int32),
        "state": _fixed(data[schema.STATE], STATE_DIM),
        "action": _fixed(data[schema.ACTION], ACTION_DIM),
        "reward": data[schema.REWARD].to_numpy().astype(np.float32),
        "done": data[schema.DONE].to_numpy(zero_copy_only=False).astype(bool),
    }


def shard_indexes(shards: Iterable[tuple[Shard, pa.Table]]) -> Iterator[TransitionIndex]:
    """The index of each readable shard's selected episodes, one shard at a time (unreadable ones skipped)."""
    for shard, sel in shards:
        if sel.num_rows and (part := _shard_part(shard, sel)) is not None:
            yield TransitionIndex(**part)


def build_index(shards: list[tuple[Shard, pa.Table]]) -> TransitionIndex:
    """Index the steps of the selected episodes (`(shard, its selected episode rows)` pairs) in memory."""
    parts = list(shard_indexes(shards))
    empty: dict[str, np.ndarray] = {
        "shard": np.zeros(0, np.int32),
        "offset": np.zeros(0, np.int64),
        "length": np.zeros(0, np.int32),
        "state": np.zeros((0, STATE_DIM), np.float32),
        "action": np.zeros((0, ACTION_DIM), np.float32),
        "reward": np.zeros(0, np.float32),
        "done": np.zeros(0, bool),
    }
    if not parts:
        return TransitionIndex(**empty)
    return TransitionIndex(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in empty})
