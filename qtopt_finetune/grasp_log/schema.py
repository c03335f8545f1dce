"""Column names, Arrow schemas and paths of a grasp log (LeRobotDataset v3 layout, images embedded).

```
<root>/meta/info.json                                 written once by the first commit, never changed
<root>/meta/tasks.parquet                             one task: "grasp" (task_index 0)
<root>/meta/episodes/chunk-CCC/file-FFF.parquet       episode table of shard N (C = N // 1000, F = N % 1000)
<root>/data/chunk-CCC/file-FFF.parquet                one row per step of the episodes of shard N
<root>/.grasp_log/claims/NNNNNNNNN                    empty file: shard number N is owned by one writer
<root>/.grasp_log/tmp/...                             a writer's files in progress (never read)
```
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from qtopt_finetune.spaces import ACTION_DIM, ACTION_NAMES, STATE_DIM, STATE_NAMES

CODEBASE_VERSION = "v3.0"  # LeRobotDataset format version the layout follows
SCHEMA_VERSION = 1  # version of our own additions (episode metadata, image offsets); bump on change
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})
CHUNKS_SIZE = 1000  # files per chunk folder, as in LeRobot
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
TASK = "grasp"
IMAGE_FORMATS = ("jpeg", "png")
SOURCES = ("sim", "real")

# Indices unique in the log without any shared counter (not contiguous; `export_lerobot` renumbers):
# episode_index = shard * EPISODES_PER_SHARD_MAX + k, index = shard * ROWS_PER_SHARD_MAX + row.
EPISODES_PER_SHARD_MAX = 100_000
ROWS_PER_SHARD_MAX = 100_000_000

IMAGE = "observation.image"
STATE = "observation.state"
ACTION = "action"
REWARD = "next.reward"
DONE = "next.done"
EPISODE_INDEX = "episode_index"
FRAME_INDEX = "frame_index"
INDEX = "index"
TIMESTAMP = "timestamp"
TASK_INDEX = "task_index"
EPISODE_ID = "episode_id"

IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])  # HF `Image` feature storage

DATA_SCHEMA = pa.schema(
    [
        (IMAGE, IMAGE_TYPE),
        (STATE, pa.list_(pa.float32(), STATE_DIM)),
        (ACTION, pa.list_(pa.float32(), ACTION_DIM)),
        (REWARD, pa.float32()),
        (DONE, pa.bool_()),
        (TIMESTAMP, pa.float32()),
        (FRAME_INDEX, pa.int64()),
        (EPISODE_INDEX, pa.int64()),
        (INDEX, pa.int64()),
        (TASK_INDEX, pa.int64()),
        (EPISODE_ID, pa.string()),
    ]
)

# Episode-table columns that only help reading (hidden by `GraspLogReader.episodes()`).
INTERNAL_COLUMNS = (
    "image_offsets",
    "image_lengths",
    "data_file_bytes",
    "data_file_crc32",
    "shard_row_offset",
)
EPISODES_SCHEMA = pa.schema(
    [
        ("episode_index", pa.int64()),
        ("episode_id", pa.string()),
        ("tasks", pa.list_(pa.string())),
        ("length", pa.int64()),
        ("data/chunk_index", pa.int64()),
        ("data/file_index", pa.int64()),
        ("dataset_from_index", pa.int64()),
        ("dataset_to_index", pa.int64()),
        ("meta/episodes/chunk_index", pa.int64()),
        ("meta/episodes/file_index", pa.int64()),
        ("robot", pa.string()),
        ("variation", pa.string()),
        ("policy_id", pa.string()),
        ("source", pa.string()),
        ("start_time", pa.float64()),
        ("success", pa.bool_()),
        ("writer_id", pa.string()),
        ("shard", pa.int64()),
        ("shard_row_offset", pa.int64()),  # row of the episode's first step in its data file
        ("image_offsets", pa.list_(pa.int64())),  # byte offset of each step's image bytes in the data file
        ("image_lengths", pa.list_(pa.int32())),
        ("data_file_bytes", pa.int64()),  # size of the data file: a shorter file is truncated
        ("data_file_crc32", pa.int64()),
    ]
)


def _hf_value(dtype: str) -> dict[str, Any]:
    return {"dtype": dtype, "_type": "Value"}


def hf_features_metadata() -> bytes:
    """The `huggingface` schema metadata that makes HF `datasets` read images as `Image` features."""
    seq = lambda n: {"feature": _hf_value("float32"), "length": n, "_type": "Sequence"}  # noqa: E731
    features = {
        IMAGE: {"_type": "Image"},
        STATE: seq(STATE_DIM),
        ACTION: seq(ACTION_DIM),
        REWARD: _hf_value("float32"),
        DONE: _hf_value("bool"),
        TIMESTAMP: _hf_value("float32"),
        FRAME_INDEX: _hf_value("int64"),
        EPISODE_INDEX: _hf_value("int64"),
        INDEX: _hf_value("int64"),
        TASK_INDEX: _hf_value("int64"),
        EPISODE_ID: _hf_value("string"),
    }
    return json.dumps({"info": {"features": features}}).encode()


def data_schema_with_metadata() -> pa.Schema:
    return DATA_SCHEMA.with_metadata({b"huggingface": hf_features_metadata()})


def lerobot_features(image_shape: tuple[int, int], with_episode_id: bool = True) -> dict[str, Any]:
    """The `features` entry of `meta/info.json`, LeRobot style (dtype, shape, names)."""
    scalar = lambda dtype: {"dtype": dtype, "shape": [1], "names": None}  # noqa: E731
    feats: dict[str, Any] = {
        IMAGE: {"dtype": "image", "shape": [*image_shape, 3], "names": ["height", "width", "channels"]},
        STATE: {"dtype": "float32", "shape": [STATE_DIM], "names": list(STATE_NAMES)},
        ACTION: {"dtype": "float32", "shape": [ACTION_DIM], "names": list(ACTION_NAMES)},
        REWARD: scalar("float32"),
        DONE: scalar("bool"),
        TIMESTAMP: scalar("float32"),
        FRAME_INDEX: scalar("int64"),
        EPISODE_INDEX: scalar("int64"),
        INDEX: scalar("int64"),
        TASK_INDEX: scalar("int64"),
    }
    if with_episode_id:
        feats[EPISODE_ID] = scalar("string")
    return feats


def shard_location(shard: int) -> tuple[int, int]:
    """(chunk_index, file_index) of shard number `shard`."""
    return shard // CHUNKS_SIZE, shard % CHUNKS_SIZE


def data_path(root: Path, shard: int) -> Path:
    chunk, file = shard_location(shard)
    return root / DATA_PATH.format(chunk_index=chunk, file_index=file)


def episodes_path(root: Path, shard: int) -> Path:
    chunk, file = shard_location(shard)
    return root / EPISODES_PATH.format(chunk_index=chunk, file_index=file)


def shard_of_path(path: Path) -> int | None:
    """Shard number of a `chunk-CCC/file-FFF.parquet` path, or None for any other name."""
    try:
        chunk = int(path.parent.name.removeprefix("chunk-"))
        file = int(path.name.removeprefix("file-").removesuffix(".parquet"))
    except ValueError:
        return None
    ok = path.parent.name.startswith("chunk-") and path.name.startswith("file-") and path.suffix == ".parquet"
    return chunk * CHUNKS_SIZE + file if ok and 0 <= file < CHUNKS_SIZE else None


def info_path(root: Path) -> Path:
    return root / "meta" / "info.json"


def private_dir(root: Path) -> Path:
    return root / ".grasp_log"
