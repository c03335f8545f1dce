"""Episodes come back as written; the files follow the LeRobot v3 layout; shards appear only on commit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from qtopt_finetune.grasp_log import EpisodeMeta, GraspLogFormatError, GraspLogReader, GraspLogWriter
from tests.qtopt_finetune.grasp_log.helpers import SHAPE, make_meta, make_steps, write_log


def _assert_numbers_exact(got, want) -> None:  # type: ignore[no-untyped-def]
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a.state, np.asarray(b.state, np.float32))
        np.testing.assert_array_equal(a.action, np.asarray(b.action, np.float32))
        assert a.reward == np.float32(b.reward)
        assert a.done == b.done


def test_png_round_trip_is_exact(tmp_path: Path) -> None:
    written = write_log(tmp_path, 7, image_format="png")
    reader = GraspLogReader(tmp_path)
    for episode_id, steps in written.items():
        got = reader.read_episode(episode_id)
        _assert_numbers_exact(got, steps)
        for a, b in zip(got, steps, strict=True):
            np.testing.assert_array_equal(a.image, b.image)


def test_jpeg_round_trip_is_close(tmp_path: Path) -> None:
    written = write_log(tmp_path, 4, image_format="jpeg")
    reader = GraspLogReader(tmp_path)
    for episode_id, steps in written.items():
        got = reader.read_episode(episode_id)
        _assert_numbers_exact(got, steps)
        for a, b in zip(got, steps, strict=True):
            assert a.image.shape == b.image.shape and a.image.dtype == np.uint8
            assert np.abs(a.image.astype(int) - b.image.astype(int)).mean() < 3.0


def test_episode_table_holds_the_metadata(tmp_path: Path) -> None:
    written = write_log(tmp_path, 5)
    table = GraspLogReader(tmp_path).episodes()
    assert sorted(table["episode_id"].to_pylist()) == sorted(written)
    for row in table.to_pylist():
        e = int(written[row["episode_id"]][0].state[0])
        want = make_meta(e)
        assert (row["robot"], row["variation"], row["policy_id"], row["source"]) == (
            want.robot,
            want.variation,
            want.policy_id,
            want.source,
        )
        assert row["start_time"] == want.start_time and row["success"] == want.success
        assert row["length"] == len(written[row["episode_id"]])
        assert row["tasks"] == ["grasp"]
        assert "image_offsets" not in row  # read accelerators stay internal


def test_layout_follows_lerobot_v3(tmp_path: Path) -> None:
    write_log(tmp_path, 7, episodes_per_shard=3)  # 3 shards: 3 + 3 + 1 episodes
    info = json.loads((tmp_path / "meta" / "info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["grasp_log_schema_version"] == 1 and info["fps"] == 10
    assert info["image_format"] == "png" and info["video_path"] is None
    assert info["features"]["observation.image"]["shape"] == [*SHAPE, 3]
    assert info["features"]["observation.image"]["dtype"] == "image"
    assert info["features"]["action"]["shape"] == [6] and info["features"]["observation.state"]["shape"] == [
        2
    ]
    data = sorted((tmp_path / "data").rglob("*.parquet"))
    eps = sorted((tmp_path / "meta" / "episodes").rglob("*.parquet"))
    assert [p.relative_to(tmp_path).as_posix() for p in data] == [
        f"data/chunk-000/file-00{i}.parquet" for i in range(3)
    ]
    assert [p.relative_to(tmp_path / "meta").as_posix() for p in eps] == [
        f"episodes/chunk-000/file-00{i}.parquet" for i in range(3)
    ]
    assert (tmp_path / "meta" / "tasks.parquet").exists()
    table = pq.read_table(data[0])
    assert table.column_names[:5] == [
        "observation.image",
        "observation.state",
        "action",
        "next.reward",
        "next.done",
    ]
    assert {"episode_index", "frame_index", "index", "timestamp", "task_index"} <= set(table.column_names)
    assert str(table.schema.field("observation.image").type) == "struct<bytes: binary, path: string>"
    assert pq.ParquetFile(data[0]).metadata.num_row_groups >= 1
    frames = table["frame_index"].to_numpy()
    np.testing.assert_allclose(table["timestamp"].to_numpy(), frames / 10.0, rtol=1e-6)
    everything = [pq.read_table(p, columns=["episode_index", "index"]) for p in data]
    index = np.concatenate([t["index"].to_numpy() for t in everything])
    assert len(set(index.tolist())) == len(index)  # unique in the log, even with many writers


def test_a_shard_is_visible_only_once_committed(tmp_path: Path) -> None:
    with GraspLogWriter(tmp_path, image_format="png", episodes_per_shard=2) as w:
        w.add_episode(make_steps(0), make_meta(0))
        with pytest.raises(GraspLogFormatError, match=r"no meta/info\.json"):
            GraspLogReader(tmp_path)
        assert not list(tmp_path.rglob("*.parquet"))
        w.add_episode(make_steps(1), make_meta(1))  # the second episode fills the shard: committed
        assert GraspLogReader(tmp_path).num_episodes == 2
        w.add_episode(make_steps(2), make_meta(2))
        assert GraspLogReader(tmp_path).num_episodes == 2  # buffered, not visible
        w.flush()
        assert GraspLogReader(tmp_path).num_episodes == 3
    assert not list((tmp_path / ".grasp_log" / "tmp").iterdir())  # no temp files left behind


def test_episode_ids(tmp_path: Path) -> None:
    with GraspLogWriter(tmp_path, image_format="png") as w:
        given = w.add_episode(make_steps(0), make_meta(0, episode_id="grasp-42"))
        fresh = w.add_episode(make_steps(1), make_meta(1))
        with pytest.raises(ValueError, match="already added"):
            w.add_episode(make_steps(2), make_meta(2, episode_id="grasp-42"))
    assert given == "grasp-42" and re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert set(GraspLogReader(tmp_path).episodes()["episode_id"].to_pylist()) == {given, fresh}


def test_a_log_keeps_one_image_format_and_size(tmp_path: Path) -> None:
    write_log(tmp_path, 1, image_format="png")
    with pytest.raises(ValueError, match="image_format"):
        GraspLogWriter(tmp_path, image_format="jpeg")
    with GraspLogWriter(tmp_path, image_format="png") as w, pytest.raises(ValueError, match="image shape"):
        w.add_episode(make_steps(5, shape=(8, 8)), make_meta(5))


def test_appending_to_an_existing_log(tmp_path: Path) -> None:
    first = write_log(tmp_path, 3)
    second = write_log(tmp_path, 2, first=3)
    meta = EpisodeMeta("r", "v", "p", "real", 0.0, True)
    assert meta.episode_id is None
    assert set(GraspLogReader(tmp_path).episodes()["episode_id"].to_pylist()) == set(first) | set(second)
