"""Export (part of) a grasp log as a plain LeRobotDataset v3 folder: contiguous `episode_index` and `index`,
`data/chunk-000/file-000.parquet` files, one episode table, `tasks.parquet`, `info.json` with totals and a
`stats.json` of the numeric features (image statistics are not computed). Images are copied as they are
(no re-encoding). Streams one shard at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qtopt_finetune.grasp_log import schema
from qtopt_finetune.grasp_log.reader import GraspLogReader

_META = ("episode_id", "robot", "variation", "policy_id", "source", "start_time", "success")


class _Stats:
    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, table: pa.Table) -> None:
        for name in (schema.STATE, schema.ACTION):
            width = table.schema.field(name).type.list_size
            values = pc.list_flatten(table[name]).to_numpy().reshape(-1, width)
            self.parts.setdefault(name, []).append(values.astype(np.float64))
        for name in (schema.REWARD, schema.DONE):
            self.parts.setdefault(name, []).append(table[name].to_numpy().astype(np.float64).reshape(-1, 1))

    def to_json(self) -> dict[str, Any]:
        out = {}
        for name, parts in self.parts.items():
            v = np.concatenate(parts)
            out[name] = {
                "min": v.min(0).tolist(),
                "max": v.max(0).tolist(),
                "mean": v.mean(0).tolist(),
                "std": v.std(0).tolist(),
                "count": [int(v.shape[0])],
            }
        return out


def _data_schema() -> pa.Schema:
    fields = [f for f in schema.DATA_SCHEMA if f.name != schema.EPISODE_ID]
    meta = json.loads(schema.hf_features_metadata())
    del meta["info"]["features"][schema.EPISODE_ID]
    return pa.schema(fields).with_metadata({b"huggingface": json.dumps(meta).encode()})


def export_lerobot(
    reader: GraspLogReader, out_dir: str | Path, *, episodes_per_file: int = 1000, **filters: Any
) -> Path:
    """Write the episodes of `reader` matching `filters` to the new folder `out_dir`; returns it."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} exists and is not empty")
    sub = reader.select(**filters) if filters else reader
    episode_rows: list[dict[str, Any]] = []
    stats, data_schema = _Stats(), _data_schema()
    writer: pq.ParquetWriter | None = None
    file_index, in_file, frames = -1, 0, 0
    for shard, selected in sub.selected_shards():
        if selected.num_rows == 0:
            continue
        data = pq.read_table(shard.data_path)
        for ep in selected.to_pylist():
            if writer is None or in_file >= episodes_per_file:
                if writer is not None:
                    writer.close()
                file_index, in_file = file_index + 1, 0
                path = out / schema.DATA_PATH.format(chunk_index=0, file_index=file_index)
                path.parent.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(path, data_schema, compression="snappy")
            n, ep_index = int(ep["length"]), len(episode_rows)
            rows = data.slice(int(ep["shard_row_offset"]), n).drop_columns([schema.EPISODE_ID])
            rows = rows.set_column(
                rows.schema.get_field_index(schema.EPISODE_INDEX),
                schema.EPISODE_INDEX,
                pa.array(np.full(n, ep_index, dtype=np.int64)),
            )
            rows = rows.set_column(
                rows.schema.get_field_index(schema.INDEX),
                schema.INDEX,
                pa.array(np.arange(frames, frames + n, dtype=np.int64)),
            )
            writer.write_table(rows.cast(data_schema))
            stats.add(rows)
            episode_rows.append(
                {
                    "episode_index": ep_index,
                    "tasks": [schema.TASK],
                    "length": n,
                    "data/chunk_index": 0,
                    "data/file_index": file_index,
                    "dataset_from_index": frames,
                    "dataset_to_index": frames + n,
                    "meta/episodes/chunk_index": 0,
                    "meta/episodes/file_index": 0,
                    **{k: ep[k] for k in _META},
                }
            )
            frames, in_file = frames + n, in_file + 1
    if writer is not None:
        writer.close()
    _write_meta(out, sub, episode_rows, frames, stats)
    return out


def _write_meta(
    out: Path, reader: GraspLogReader, episode_rows: list[dict[str, Any]], frames: int, stats: _Stats
) -> None:
    meta = out / "meta"
    (meta / "episodes" / "chunk-000").mkdir(parents=True, exist_ok=True)
    ep_schema = pa.schema(
        [
            schema.EPISODES_SCHEMA.field(n)
            for n in [
                "episode_index",
                "tasks",
                "length",
                "data/chunk_index",
                "data/file_index",
                "dataset_from_index",
                "dataset_to_index",
                "meta/episodes/chunk_index",
                "meta/episodes/file_index",
                *_META,
            ]
        ]
    )
    pq.write_table(
        pa.Table.from_pylist(episode_rows, schema=ep_schema), meta / "episodes/chunk-000/file-000.parquet"
    )
    pq.write_table(pa.table({"task_index": [0], "task": [schema.TASK]}), meta / "tasks.parquet")
    info = {
        "codebase_version": schema.CODEBASE_VERSION,
        "robot_type": None,
        "total_episodes": len(episode_rows),
        "total_frames": frames,
        "total_tasks": 1,
        "chunks_size": schema.CHUNKS_SIZE,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 500,
        "fps": reader.info.fps,
        "splits": {"train": f"0:{len(episode_rows)}"},
        "data_path": schema.DATA_PATH,
        "video_path": None,
        "features": schema.lerobot_features(reader.image_shape, with_episode_id=False),
    }
    (meta / "info.json").write_text(json.dumps(info, indent=2))
    (meta / "stats.json").write_text(json.dumps(stats.to_json(), indent=2))
