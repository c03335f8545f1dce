"""Windowed sampling: consecutive steps of one episode, every transition equally likely, fewer decodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, MixedSampler
from qtopt_finetune.grasp_log.windows import EpisodeWindows, WindowStreams
from qtopt_finetune.learner_config import LearnerConfig
from tests.qtopt_finetune.grasp_log.helpers import write_log


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("windows")
    write_log(root, 60, image_format="jpeg", episodes_per_shard=16, length_of=lambda e: 1 + e % 6)
    return root


def _walk(starts: np.ndarray, window: int, streams: int, batches: int, seed: int) -> np.ndarray:
    """(batches, streams) rows from WindowStreams."""
    walk = WindowStreams(EpisodeWindows(starts, window), streams)
    rng = np.random.default_rng(seed)
    return np.stack([walk.rows(rng) for _ in range(batches)])


def test_each_stream_walks_windows_of_consecutive_steps_of_one_episode() -> None:
    starts = np.array([0, 3, 4, 9, 16])  # episodes of 3, 1, 5 and 7 steps
    episode_of = np.searchsorted(starts, np.arange(16), side="right") - 1
    walk = WindowStreams(EpisodeWindows(starts, 4), 8)
    rng = np.random.default_rng(0)
    previous = walk.rows(rng)
    walked = 0
    for _ in range(300):
        end_before = walk.end.copy()
        rows = walk.rows(rng)
        # each row lies in its stream's current window: at most 4 steps, inside one episode
        assert np.all(rows < walk.end) and np.all(walk.end - rows <= 4)
        assert np.array_equal(episode_of[rows], episode_of[walk.end - 1])
        # a stream whose window had steps left takes the next one
        going = previous + 1 < end_before
        assert np.array_equal(rows[going], previous[going] + 1)
        walked += int(going.sum())
        previous = rows
    assert walked > 300 * 8 * 0.3  # windows do walk on, not restart every batch


@pytest.mark.parametrize("window", [1, 3, 8])
def test_every_transition_is_equally_likely(window: int) -> None:
    starts = np.array([0, 1, 3, 8, 16, 17, 29])  # lengths 1, 2, 5, 8, 1, 12: edges and middles
    counts = np.bincount(_walk(starts, window, 64, 3200, seed=1).ravel(), minlength=29)
    expected = 64 * 3200 / 29
    # ~7,000 draws per row: binomial noise is ~1.2%; a position bias of edges would be tens of percent
    assert np.all(np.abs(counts / expected - 1) < 0.05), counts


def test_streams_repeat_under_a_seed() -> None:
    starts = np.array([0, 4, 9, 12])
    assert np.array_equal(_walk(starts, 4, 6, 50, seed=5), _walk(starts, 4, 6, 50, seed=5))
    assert not np.array_equal(_walk(starts, 4, 6, 50, seed=5), _walk(starts, 4, 6, 50, seed=6))


@pytest.mark.parametrize(
    ("starts", "window", "match"),
    [(np.array([0, 3]), 0, "window"), (np.array([0]), 2, "episode"), (np.array([0, 3, 3]), 2, "episode")],
)
def test_bad_windows(starts: np.ndarray, window: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        EpisodeWindows(starts, window)
    with pytest.raises(ValueError, match="streams"):
        WindowStreams(EpisodeWindows(np.array([0, 3]), 2), 0)


def _check(batch, episodes_of_length) -> None:  # type: ignore[no-untyped-def]
    """Every transition is a real one: s' is the next step of its episode, or s itself at the last step."""
    batch.validate()
    episode, step = batch.state[:, 0], batch.state[:, 1]
    last = step == episodes_of_length(episode) - 1
    assert np.array_equal(batch.done.astype(bool), last)
    assert np.array_equal(batch.next_state[:, 0], episode)
    assert np.array_equal(batch.next_state[:, 1], np.where(last, step, step + 1))


def test_window_batches_equal_the_images_decoded_afresh(log: Path) -> None:
    """Images carried over from the previous batch are the very pixels a fresh decode gives."""
    reader = GraspLogReader(log)
    with MixedSampler([(reader, 1.0)], batch_size=32, seed=3, window=4) as sampler:
        previous = None
        carried = 0
        for _ in range(12):
            batch = sampler.sample()
            _check(batch, lambda e: 1 + e % 6)
            for k in range(32):
                e, t = batch.state[k].astype(int)
                steps = reader.read_episode(reader.episodes()["episode_id"][int(e)].as_py())
                assert np.array_equal(batch.image[k], steps[t].image)
                nt = min(t + 1, len(steps) - 1)
                assert np.array_equal(batch.next_image[k], steps[nt].image)
            if previous is not None:  # stream k's next transition follows its last one
                same = (batch.state[:, 0] == previous.next_state[:, 0]) & (
                    batch.state[:, 1] == previous.next_state[:, 1]
                )
                carried += int(same.sum())
            previous = batch
        assert carried > 11 * 32 * 0.3, carried
    reader.close()


def test_windows_decode_fewer_images_and_repeat_under_a_seed(log: Path) -> None:
    reader, target = GraspLogReader(log), GraspLogReader(log).select(variation="base")
    decoded: dict[int, int] = {}
    for window in (1, 4):
        with MixedSampler([(reader, 0.5), (target, 0.5)], 64, seed=0, window=window) as sampler:
            calls: list[int] = []
            decode = sampler._decoder.decode

            def counting(blobs, *rest, calls=calls, decode=decode):  # type: ignore[no-untyped-def]
                calls.append(len(blobs))
                return decode(blobs, *rest)

            sampler._decoder.decode = counting  # type: ignore[method-assign]
            for _ in range(20):
                batch = sampler.sample()
                assert np.bincount(batch.source, minlength=2).tolist() == [32, 32]
                _check(batch, lambda e: 1 + e % 6)
            decoded[window] = sum(calls)
    assert decoded[4] < 0.8 * decoded[1], decoded
    sources = [(reader, 0.5), (target, 0.5)]
    with MixedSampler(sources, 16, seed=9, window=4) as a, MixedSampler(sources, 16, seed=9, window=4) as b:
        for _ in range(5):
            x, y = a.sample(), b.sample()
            assert np.array_equal(x.state, y.state) and np.array_equal(x.image, y.image)
    reader.close()
    target.close()


def test_sampler_and_learner_config_refuse_a_bad_window(log: Path) -> None:
    reader = GraspLogReader(log)
    with pytest.raises(ValueError, match="window"):
        MixedSampler([(reader, 1.0)], batch_size=8, window=0)
    with pytest.raises(ValueError, match="sample_window"):
        LearnerConfig(sample_window=0)
    # checkpoints written before the setting existed load as independent sampling
    recorded = LearnerConfig().to_dict()
    del recorded["sample_window"]
    assert LearnerConfig.from_dict(recorded).sample_window == 1
    reader.close()
