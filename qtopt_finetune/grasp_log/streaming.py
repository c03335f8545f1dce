"""Stream every transition of the selected episodes in log order, shard by shard and row group by row group
(bounded memory: one decoded row group, plus the next one being decoded by a background thread)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qtopt_finetune.batch import TransitionBatch
from qtopt_finetune.grasp_log import batching, schema
from qtopt_finetune.grasp_log.catalog import Shard, skip
from qtopt_finetune.grasp_log.decoding import ImageDecoder
from qtopt_finetune.spaces import ACTION_DIM, STATE_DIM


@dataclass
class Rows:
    """Consecutive decoded rows of one data file."""

    images: np.ndarray
    state: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    done: np.ndarray
    keep: np.ndarray  # bool: the row belongs to a selected episode

    def cat(self, other: Rows) -> Rows:
        return Rows(*(np.concatenate([a, b]) for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def tail(self) -> Rows:
        return Rows(*(a[-1:] for a in self.astuple()))

    def astuple(self) -> tuple[np.ndarray, ...]:
        return self.images, self.state, self.action, self.reward, self.done, self.keep


def _read_group(pf: pq.ParquetFile, group: int, keep: np.ndarray, decoder: ImageDecoder) -> Rows:
    cols = [schema.IMAGE, schema.STATE, schema.ACTION, schema.REWARD, schema.DONE]
    t = pf.read_row_group(group, columns=cols)
    blobs = pc.struct_field(t[schema.IMAGE], "bytes").to_pylist()
    flat = lambda name, w: pc.list_flatten(t[name]).to_numpy().astype(np.float32).reshape(-1, w)  # noqa: E731
    return Rows(
        decoder.decode(blobs),
        flat(schema.STATE, STATE_DIM),
        flat(schema.ACTION, ACTION_DIM),
        t[schema.REWARD].to_numpy().astype(np.float32),
        t[schema.DONE].to_numpy().astype(bool),
        keep,
    )


def _shard_rows(
    shard: Shard, selected: pa.Table, decoder: ImageDecoder, prefetch: ThreadPoolExecutor
) -> Iterator[Rows]:
    try:
        pf = pq.ParquetFile(shard.data_path)
        keep = np.zeros(pf.metadata.num_rows, dtype=bool)
        for start, n in zip(
            selected["shard_row_offset"].to_pylist(), selected["length"].to_pylist(), strict=True
        ):
            keep[start : start + n] = True
        bounds = np.cumsum([0] + [pf.metadata.row_group(g).num_rows for g in range(pf.num_row_groups)])
        groups = [g for g in range(pf.num_row_groups) if keep[bounds[g] : bounds[g + 1]].any()]
        pending: Future[Rows] | None = None
        for k, g in enumerate(groups):
            current = (
                pending.result() if pending else _read_group(pf, g, keep[bounds[g] : bounds[g + 1]], decoder)
            )
            if k + 1 < len(groups):
                h = groups[k + 1]
                pending = prefetch.submit(_read_group, pf, h, keep[bounds[h] : bounds[h + 1]], decoder)
            yield current
    except (OSError, pa.ArrowException, ValueError) as exc:
        skip(shard.data_path, f"unreadable while streaming ({exc}); the rest of this shard is skipped")


def _transitions(rows: Rows) -> tuple[TransitionBatch, Rows | None]:
    """Transitions of all rows whose next row is known; the last row is carried over if not done."""
    n = rows.done.shape[0]
    m = n if rows.done[-1] else n - 1
    idx = np.arange(m)
    idx = idx[rows.keep[:m]]
    nxt = np.where(rows.done[idx], idx, idx + 1)
    batch = batching.from_rows(rows.images, rows.state, rows.action, rows.reward, rows.done, idx, nxt)
    return batch, (None if rows.done[-1] else rows.tail())


def iter_transitions(
    shards: Iterable[tuple[Shard, pa.Table]], decoder: ImageDecoder, batch_size: int
) -> Iterator[TransitionBatch]:
    pieces: list[TransitionBatch] = []
    have = 0
    with ThreadPoolExecutor(1, thread_name_prefix="grasp-log-prefetch") as prefetch:
        for shard, selected in shards:
            carry: Rows | None = None
            for rows in _shard_rows(shard, selected, decoder, prefetch):
                batch, carry = _transitions(carry.cat(rows) if carry is not None else rows)
                if len(batch):
                    pieces.append(batch)
                    have += len(batch)
                while have >= batch_size:
                    merged = batching.concat(pieces)
                    yield batching.take(merged, 0, batch_size)
                    rest = batching.take(merged, batch_size, have)
                    pieces, have = ([rest] if len(rest) else []), have - batch_size
    if have:
        yield batching.concat(pieces)
