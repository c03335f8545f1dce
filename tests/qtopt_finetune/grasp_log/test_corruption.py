"""A truncated or corrupt shard is skipped with a warning naming it; the rest of the log stays readable."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogFormatError, GraspLogReader, GraspLogWarning
from qtopt_finetune.grasp_log.catalog import ShardChangedError
from tests.qtopt_finetune.grasp_log.helpers import write_log

SHARD_1 = Path("data/chunk-000/file-001.parquet")


def _log(tmp_path: Path) -> dict[str, int]:
    written = write_log(tmp_path, 9, episodes_per_shard=3)  # shards 0, 1, 2
    return {eid: len(steps) for eid, steps in written.items()}


def _assert_rest_readable(reader: GraspLogReader, lengths: dict[str, int], lost: int) -> None:
    ids = reader.episodes()["episode_id"].to_pylist()
    assert len(ids) == len(lengths) - lost and set(ids) < set(lengths)
    assert reader.num_transitions == sum(lengths[i] for i in ids)
    reader.sample(16, np.random.default_rng(0)).validate()
    assert sum(len(b) for b in reader.iter_transitions(batch_size=8)) == reader.num_transitions


def test_truncated_shard_is_skipped_with_a_warning(tmp_path: Path) -> None:
    lengths = _log(tmp_path)
    path = tmp_path / SHARD_1
    os.truncate(path, path.stat().st_size // 2)
    with pytest.warns(GraspLogWarning, match=r"file-001\.parquet: truncated"):
        reader = GraspLogReader(tmp_path)
    _assert_rest_readable(reader, lengths, lost=3)


def test_garbage_footer_is_skipped_with_a_warning(tmp_path: Path) -> None:
    lengths = _log(tmp_path)
    path = tmp_path / SHARD_1
    data = bytearray(path.read_bytes())
    data[-64:] = b"\x00" * 64  # same size, footer destroyed
    path.write_bytes(bytes(data))
    with pytest.warns(GraspLogWarning, match=r"file-001\.parquet: unreadable Parquet"):
        reader = GraspLogReader(tmp_path)
    _assert_rest_readable(reader, lengths, lost=3)


def test_corrupt_episode_table_is_skipped_with_a_warning(tmp_path: Path) -> None:
    lengths = _log(tmp_path)
    (tmp_path / "meta/episodes/chunk-000/file-002.parquet").write_bytes(b"not parquet")
    with pytest.warns(GraspLogWarning, match=r"file-002\.parquet: unreadable episode table"):
        reader = GraspLogReader(tmp_path)
    _assert_rest_readable(reader, lengths, lost=3)


def test_flipped_bytes_are_caught_by_checksums(tmp_path: Path) -> None:
    lengths = _log(tmp_path)
    path = tmp_path / SHARD_1
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.warns(GraspLogWarning, match=r"file-001\.parquet: CRC32 mismatch"):
        reader = GraspLogReader(tmp_path, verify_checksums=True)
    _assert_rest_readable(reader, lengths, lost=3)


def test_uncommitted_shard_is_ignored_silently(tmp_path: Path) -> None:
    lengths = _log(tmp_path)
    (tmp_path / SHARD_1).unlink()  # as if the writer died between its episode table and its data file
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = GraspLogReader(tmp_path)
    _assert_rest_readable(reader, lengths, lost=3)


def test_unknown_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    _log(tmp_path)
    info_path = tmp_path / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    info["grasp_log_schema_version"] = 99
    info_path.write_text(json.dumps(info))
    with pytest.raises(GraspLogFormatError, match=r"grasp_log_schema_version 99 is not one this code reads"):
        GraspLogReader(tmp_path)
    info_path.write_text("{broken")
    with pytest.raises(GraspLogFormatError, match="unreadable"):
        GraspLogReader(tmp_path)


def test_an_episode_table_removed_after_opening_gives_an_error_naming_it(tmp_path: Path) -> None:
    """Readers keep few episode tables in memory and read the rest again; a table that vanished since the
    log was opened is a clear error, not a silently shorter log."""
    _log(tmp_path)
    reader = GraspLogReader(tmp_path)
    assert reader.num_episodes == 9
    episodes = tmp_path / "meta/episodes/chunk-000/file-001.parquet"
    episodes.unlink()
    with pytest.raises(ShardChangedError, match=r"file-001\.parquet: unreadable since the log was opened"):
        reader.episodes()
    assert GraspLogReader(tmp_path).num_episodes == 6  # opened again: that shard is gone, the rest readable
