"""Other tools read the log as is: Ray Data and HF `datasets` read the data shards; LeRobot v3 export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from qtopt_finetune.grasp_log import GraspLogReader, export_lerobot
from tests.qtopt_finetune.grasp_log.helpers import write_log


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[int, int], np.ndarray]]:
    root = tmp_path_factory.mktemp("interop")
    written = write_log(root, 7, image_format="png", episodes_per_shard=3)
    images = {(int(s.state[0]), int(s.state[1])): s.image for ep in written.values() for s in ep}
    return root, images


@pytest.mark.usefixtures("ray_local")
def test_ray_data_reads_the_data_shards(log) -> None:  # type: ignore[no-untyped-def]
    import ray

    root, images = log
    ds = ray.data.read_parquet(str(root / "data"))
    assert ds.count() == len(images)
    assert {
        "observation.image",
        "observation.state",
        "action",
        "next.reward",
        "next.done",
        "episode_index",
        "frame_index",
        "index",
        "timestamp",
        "task_index",
    } <= set(ds.schema().names)
    for row in ds.take(5):
        key = (int(row["observation.state"][0]), int(row["observation.state"][1]))
        decoded = np.asarray(Image.open(io.BytesIO(row["observation.image"]["bytes"])).convert("RGB"))
        np.testing.assert_array_equal(decoded, images[key])


def test_hf_datasets_reads_the_data_shards(log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    datasets = pytest.importorskip("datasets")
    root, images = log
    files = sorted(str(p) for p in (root / "data").rglob("*.parquet"))
    ds = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "hf"))
    assert len(ds) == len(images)
    assert isinstance(ds.features["observation.image"], datasets.Image)  # from the schema's metadata
    for i in (0, len(ds) - 1):
        row = ds[i]
        key = (int(row["observation.state"][0]), int(row["observation.state"][1]))
        np.testing.assert_array_equal(np.asarray(row["observation.image"].convert("RGB")), images[key])
        assert len(row["action"]) == 6 and isinstance(row["next.done"], bool)


def test_export_to_plain_lerobot_v3(log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, images = log
    reader = GraspLogReader(root)
    out = export_lerobot(reader, tmp_path / "export", episodes_per_file=2, variation=["base", "checkerboard"])
    wanted = reader.episodes(variation=["base", "checkerboard"])
    info = json.loads((out / "meta" / "info.json").read_text())
    n_frames = sum(wanted["length"].to_pylist())
    assert info["codebase_version"] == "v3.0" and info["total_episodes"] == wanted.num_rows
    assert info["total_frames"] == n_frames and info["splits"] == {"train": f"0:{wanted.num_rows}"}
    assert "episode_id" not in info["features"]
    files = sorted((out / "data" / "chunk-000").glob("file-*.parquet"))
    assert len(files) == (wanted.num_rows + 1) // 2
    data = [pq.read_table(f) for f in files]
    index = np.concatenate([t["index"].to_numpy() for t in data])
    np.testing.assert_array_equal(index, np.arange(n_frames))  # contiguous, as LeRobot expects
    episodes = pq.read_table(out / "meta" / "episodes" / "chunk-000" / "file-000.parquet")
    assert episodes["episode_index"].to_pylist() == list(range(wanted.num_rows))
    assert set(episodes["episode_id"].to_pylist()) == set(wanted["episode_id"].to_pylist())
    for ep in episodes.to_pylist():
        rows = data[ep["data/file_index"]]
        sel = rows.filter(
            np.isin(rows["index"].to_numpy(), np.arange(ep["dataset_from_index"], ep["dataset_to_index"]))
        )
        assert set(sel["episode_index"].to_pylist()) == {ep["episode_index"]} and sel.num_rows == ep["length"]
        first = sel.slice(0, 1).to_pylist()[0]
        key = (int(first["observation.state"][0]), 0)
        decoded = np.asarray(Image.open(io.BytesIO(first["observation.image"]["bytes"])).convert("RGB"))
        np.testing.assert_array_equal(decoded, images[key])
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert stats["action"]["count"] == [n_frames] and len(stats["observation.state"]["mean"]) == 2
    assert (out / "meta" / "tasks.parquet").exists()
    with pytest.raises(ValueError, match="not empty"):
        export_lerobot(reader, out)
