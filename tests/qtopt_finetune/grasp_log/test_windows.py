"""Windowed sampling: consecutive steps of one episode, every transition equally likely, fewer decodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, MixedSampler
from qtopt_finetune.grasp_log.windows import EpisodeWindows
from qtopt_finetune.learner_config import LearnerConfig
from tests.qtopt_finetune.grasp_log.helpers import write_log


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("windows")
    write_log(root, 60, image_format="jpeg", episodes_per_shard=16, length_of=lambda e: 1 + e % 6)
    return root


def test_rows_are_consecutive_steps_of_one_episode_and_fill_the_batch() -> None:
    starts = np.array([0, 3, 4, 9, 16])  # episodes of 3, 1, 5 and 7 steps
    windows = EpisodeWindows(starts, 4)
    episode_of = np.searchsorted(starts, np.arange(16), side="right") - 1
    rng = np.random.default_rng(0)
    for batch in (1, 5, 64):
        rows = windows.rows(batch, rng)
        assert rows.shape == (batch,) and rows.min() >= 0 and rows.max() < 16
        # a new window starts wherever the next row is not the following step of the same episode
        breaks = np.flatnonzero((np.diff(rows) != 1) | (np.diff(episode_of[rows]) != 0)) + 1
        runs = np.split(rows, breaks)
        assert all(len(run) <= 4 for run in runs)


@pytest.mark.parametrize("window", [1, 3, 8])
def test_every_transition_is_equally_likely(window: int) -> None:
    starts = np.array([0, 1, 3, 8, 16, 17, 29])  # lengths 1, 2, 5, 8, 1, 12: edges and middles
    windows = EpisodeWindows(starts, window)
    rng = np.random.default_rng(1)
    counts = np.bincount(np.concatenate([windows.rows(256, rng) for _ in range(800)]), minlength=29)
    expected = 256 * 800 / 29
    # ~7,000 draws per row: binomial noise is ~1.2%; a position bias of edges would be tens of percent
    assert np.all(np.abs(counts / expected - 1) < 0.05), counts


def test_windows_draw_a_fixed_number_of_values_from_the_generator() -> None:
    windows = EpisodeWindows(np.array([0, 4, 9]), 4)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    windows.rows(10, a)
    b.integers(0, windows.slots, size=10)
    assert a.integers(1 << 30) == b.integers(1 << 30)


@pytest.mark.parametrize(
    ("starts", "window", "match"),
    [(np.array([0, 3]), 0, "window"), (np.array([0]), 2, "episode"), (np.array([0, 3, 3]), 2, "episode")],
)
def test_bad_windows(starts: np.ndarray, window: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        EpisodeWindows(starts, window)


def test_window_batches_are_valid_transitions_sharing_decoded_images(log: Path) -> None:
    reader = GraspLogReader(log)
    with MixedSampler([(reader, 1.0)], batch_size=48, seed=3, window=4) as sampler:
        for _ in range(5):
            batch = sampler.sample()
            batch.validate()
            episode, step = batch.state[:, 0], batch.state[:, 1]
            length = 1 + episode % 6
            # s' is the next step of the same episode, or s itself at its last step
            last = step == length - 1
            assert np.array_equal(batch.done.astype(bool), last)
            assert np.array_equal(batch.next_state[:, 0], episode)
            assert np.array_equal(batch.next_state[:, 1], np.where(last, step, step + 1))
            # inside a window, transition k's next image is transition k + 1's image, decoded once
            follows = (episode[1:] == episode[:-1]) & (step[1:] == step[:-1] + 1)
            assert follows.sum() > 10
            assert np.array_equal(batch.next_image[:-1][follows], batch.image[1:][follows])
    reader.close()


def test_windows_decode_fewer_images_and_repeat_under_a_seed(log: Path) -> None:
    reader = GraspLogReader(log)
    rng1, rng4 = np.random.default_rng(0), np.random.default_rng(0)
    single = sum(len(reader.draw(64, rng1).blobs) for _ in range(20))
    windowed = sum(len(reader.draw(64, rng4, window=4).blobs) for _ in range(20))
    assert windowed < 0.8 * single, (windowed, single)
    a = reader.draw(64, np.random.default_rng(9), window=4)
    b = reader.draw(64, np.random.default_rng(9), window=4)
    assert np.array_equal(a.state, b.state) and a.blobs == b.blobs
    reader.close()


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
