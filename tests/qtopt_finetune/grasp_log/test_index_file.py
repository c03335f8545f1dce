"""The on-disk sampling index: records match the in-memory index, returns cross chunk boundaries."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

from qtopt_finetune.grasp_log import index_file
from qtopt_finetune.grasp_log.index import TransitionIndex
from qtopt_finetune.grasp_log.index_file import IndexFile


def part(lengths: list[int], shard: int, seed: int) -> TransitionIndex:
    """Episodes of the given lengths, rewards random, done at each episode's last step."""
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    done = np.zeros(n, bool)
    done[np.cumsum(lengths) - 1] = True
    return TransitionIndex(
        shard=np.full(n, shard, np.int32),
        offset=np.arange(n, dtype=np.int64) * 1000 + 7,
        length=rng.integers(100, 900, n).astype(np.int32),
        state=rng.random((n, 2), dtype=np.float32),
        action=rng.random((n, 6), dtype=np.float32),
        reward=rng.random(n, dtype=np.float32),
        done=done,
    )


def expected_returns(parts: list[TransitionIndex], gamma: float) -> np.ndarray:
    reward = np.concatenate([p.reward for p in parts])
    done = np.concatenate([p.done for p in parts])
    out, running = np.empty(len(reward)), 0.0
    for i in range(len(reward) - 1, -1, -1):
        running = reward[i] + (0.0 if done[i] else gamma * running)
        out[i] = running
    return out


def test_records_hold_each_transition_and_its_next_step(tmp_path) -> None:  # type: ignore[no-untyped-def]
    parts = [part([3, 1, 4], shard=0, seed=0), part([2, 5], shard=3, seed=1)]
    index = IndexFile(parts, directory=str(tmp_path))
    try:
        assert len(index) == 15
        rec = index.read(np.array([0, 2, 3, 8, 14, 0]))
        a, b = parts
        assert rec["shard"].tolist() == [0, 0, 0, 3, 3, 0]
        assert rec["offset"].tolist() == [a.offset[0], a.offset[2], a.offset[3], b.offset[0], b.offset[6], 7]
        # row 0's next step is row 1; row 2 ends its episode, so its next observation is itself
        assert rec["next_offset"].tolist()[:3] == [a.offset[1], a.offset[2], a.offset[3]]
        np.testing.assert_array_equal(rec["next_state"][0], a.state[1])
        np.testing.assert_array_equal(rec["next_state"][1], a.state[2])
        np.testing.assert_array_equal(rec["action"][3], b.action[0])
        assert rec["done"].tolist() == [False, True, True, False, True, False]
        with pytest.raises(ValueError, match="beyond its 15 rows"):
            index.read(np.array([15]))
        assert list(tmp_path.iterdir()) == []  # anonymous: nothing to clean up if the process dies
    finally:
        index.close()


@pytest.mark.parametrize("gamma", [0.0, 0.9, 1.0])
def test_returns_run_to_each_episode_end_across_chunks(gamma: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_file, "_CHUNK_ROWS", 4)  # episodes straddle the sequential chunks
    parts = [part([3, 6, 1, 7], shard=0, seed=2), part([5, 2], shard=1, seed=3)]
    index = IndexFile(parts)
    try:
        rows = np.arange(len(index))[::-1]
        got = index.discounted_returns(gamma, rows)
        np.testing.assert_allclose(got, expected_returns(parts, gamma)[rows], rtol=1e-5)
        with pytest.raises(ValueError, match="gamma must be in"):
            index.discounted_returns(1.5, rows)
    finally:
        index.close()


def test_an_index_dropped_without_close_closes_its_file_and_a_closed_one_refuses_reads() -> None:
    index = IndexFile([part([2, 2], shard=0, seed=4)])
    fd = index._fd
    os.fstat(fd)  # open
    del index
    gc.collect()
    with pytest.raises(OSError):
        os.fstat(fd)
    closed = IndexFile([part([3], shard=0, seed=5)])
    closed.close()
    with pytest.raises(OSError):
        closed.read(np.array([0]))
