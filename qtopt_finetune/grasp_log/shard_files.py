"""Build one shard's two files: the data file (a row per step) and its episode table.

The image bytes column is written uncompressed, without dictionary and without statistics, so each image's
bytes lie as-is in the file; after writing, their byte offsets are found and stored in the episode table.
The reader then fetches one image with one `pread` instead of decoding a Parquet row group (about 170 us
for a 16-row group, measured here), which is what makes random-access sampling fast. The files stay plain
Parquet: any reader (Ray Data, HF datasets, LeRobot) ignores the offsets.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import schema
from qtopt_finetune.grasp_log.records import EpisodeMeta

IMAGE_BYTES_COLUMN = f"{schema.IMAGE}.bytes"


@dataclass
class EncodedEpisode:
    """A validated episode with its images already encoded (what a writer buffers)."""

    episode_id: str
    meta: EpisodeMeta
    images: list[bytes]
    state: np.ndarray  # float32 (T, STATE_DIM)
    action: np.ndarray  # float32 (T, ACTION_DIM)
    reward: np.ndarray  # float32 (T,)
    done: np.ndarray  # bool (T,)

    def __len__(self) -> int:
        return len(self.images)


def _leaf_paths(field: pa.Field, prefix: str = "") -> list[str]:
    name = prefix + field.name
    if pa.types.is_struct(field.type):
        return [p for child in field.type for p in _leaf_paths(child, name + ".")]
    if pa.types.is_list(field.type) or pa.types.is_fixed_size_list(field.type):
        return [f"{name}.list.element"]
    return [name]


def _writer_options() -> dict[str, Any]:
    leaves = [p for f in schema.DATA_SCHEMA for p in _leaf_paths(f)]
    others = [p for p in leaves if p != IMAGE_BYTES_COLUMN]
    compression = {p: "snappy" for p in others} | {IMAGE_BYTES_COLUMN: "none"}
    return {"compression": compression, "use_dictionary": others, "write_statistics": others}


def data_table(episodes: list[EncodedEpisode], shard: int, first: int, first_row: int, fps: int) -> pa.Table:
    """Data rows of `episodes`; the first is episode number `first` of the shard, at row `first_row`."""
    lengths = np.array([len(e) for e in episodes], dtype=np.int64)
    n_rows = int(lengths.sum())
    frame = np.concatenate([np.arange(n, dtype=np.int64) for n in lengths])
    ep_index = np.repeat(shard * schema.EPISODES_PER_SHARD_MAX + first + np.arange(len(episodes)), lengths)
    row_index = shard * schema.ROWS_PER_SHARD_MAX + first_row + np.arange(n_rows, dtype=np.int64)
    images = [{"bytes": b, "path": None} for e in episodes for b in e.images]
    state = np.concatenate([e.state for e in episodes])
    action = np.concatenate([e.action for e in episodes])
    columns = {
        schema.IMAGE: pa.array(images, schema.IMAGE_TYPE),
        schema.STATE: pa.FixedSizeListArray.from_arrays(state.ravel(), state.shape[1]),
        schema.ACTION: pa.FixedSizeListArray.from_arrays(action.ravel(), action.shape[1]),
        schema.REWARD: np.concatenate([e.reward for e in episodes]),
        schema.DONE: np.concatenate([e.done for e in episodes]),
        schema.TIMESTAMP: (frame / float(fps)).astype(np.float32),
        schema.FRAME_INDEX: frame,
        schema.EPISODE_INDEX: ep_index,
        schema.INDEX: row_index,
        schema.TASK_INDEX: np.zeros(n_rows, dtype=np.int64),
        schema.EPISODE_ID: np.repeat(np.array([e.episode_id for e in episodes], dtype=object), lengths),
    }
    return pa.table(columns, schema=schema.DATA_SCHEMA)


def write_data_file(
    path: Path, episodes: list[EncodedEpisode], shard: int, fps: int, row_group_rows: int
) -> None:
    """Write the shard's data file; row groups hold whole episodes (about `row_group_rows` rows each)."""
    row, first = 0, 0
    group: list[EncodedEpisode] = []
    with pq.ParquetWriter(path, schema.data_schema_with_metadata(), **_writer_options()) as w:
        for k, ep in enumerate(episodes):
            group.append(ep)
            if sum(len(e) for e in group) >= row_group_rows or k == len(episodes) - 1:
                table = data_table(group, shard, first, row, fps)
                w.write_table(table, row_group_size=table.num_rows)
                row, first, group = row + table.num_rows, k + 1, []


def locate_images(path: Path, episodes: list[EncodedEpisode]) -> tuple[list[list[int]], int, int]:
    """Byte offset of every image in the written file (per episode), the file size and its CRC32."""
    data = path.read_bytes()
    pos = 0
    offsets: list[list[int]] = []
    for ep in episodes:
        ep_offsets = []
        for blob in ep.images:
            prefix = len(blob).to_bytes(4, "little")  # PLAIN BYTE_ARRAY: 4-byte length, then the bytes
            at = data.find(blob, pos)
            while at >= 0 and data[at - 4 : at] != prefix:
                at = data.find(blob, at + 1)
            if at < 0:
                raise RuntimeError(f"{path}: image bytes not found in the written file (writer bug)")
            ep_offsets.append(at)
            pos = at + len(blob)
        offsets.append(ep_offsets)
    return offsets, len(data), zlib.crc32(data)


def episode_table(
    episodes: list[EncodedEpisode],
    shard: int,
    writer_id: str,
    offsets: list[list[int]],
    file_bytes: int,
    crc: int,
) -> pa.Table:
    lengths = [len(e) for e in episodes]
    row_offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
    chunk, file = schema.shard_location(shard)
    n = len(episodes)
    base = shard * schema.ROWS_PER_SHARD_MAX
    columns = {
        "episode_index": [shard * schema.EPISODES_PER_SHARD_MAX + k for k in range(n)],
        "episode_id": [e.episode_id for e in episodes],
        "tasks": [[schema.TASK]] * n,
        "length": lengths,
        "data/chunk_index": [chunk] * n,
        "data/file_index": [file] * n,
        "dataset_from_index": [base + r for r in row_offsets],
        "dataset_to_index": [base + r + m for r, m in zip(row_offsets, lengths, strict=True)],
        "meta/episodes/chunk_index": [chunk] * n,
        "meta/episodes/file_index": [file] * n,
        "robot": [e.meta.robot for e in episodes],
        "variation": [e.meta.variation for e in episodes],
        "policy_id": [e.meta.policy_id for e in episodes],
        "source": [e.meta.source for e in episodes],
        "start_time": [float(e.meta.start_time) for e in episodes],
        "success": [bool(e.meta.success) for e in episodes],
        "writer_id": [writer_id] * n,
        "shard": [shard] * n,
        "shard_row_offset": row_offsets,
        "image_offsets": offsets,
        "image_lengths": [[len(b) for b in e.images] for e in episodes],
        "data_file_bytes": [file_bytes] * n,
        "data_file_crc32": [crc] * n,
    }
    return pa.table(columns, schema=schema.EPISODES_SCHEMA)
