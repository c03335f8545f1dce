"""Mixed sampling: exact proportions per batch, `source` set, same seed -> identical batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, MixedSampler
from qtopt_finetune.grasp_log.sampler import exact_counts
from tests.qtopt_finetune.grasp_log.helpers import write_log


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraspLogReader, GraspLogReader]:
    base, target = tmp_path_factory.mktemp("base"), tmp_path_factory.mktemp("target")
    write_log(base, 8, image_format="jpeg", first=0)  # episodes 0..7
    write_log(target, 4, image_format="jpeg", first=100, variation="target")  # episodes 100..103
    return GraspLogReader(base), GraspLogReader(target)


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    names = ("image", "state", "action", "reward", "next_image", "next_state", "done", "source")
    return all(np.array_equal(getattr(a, n), getattr(b, n)) for n in names)


@pytest.mark.parametrize(
    ("weights", "batch", "counts"),
    [
        ((0.5, 0.5), 64, [32, 32]),
        ((0.3, 0.7), 10, [3, 7]),
        ((1, 1, 1), 64, [22, 21, 21]),
        ((0.0, 1.0), 5, [0, 5]),
        ((2, 1), 7, [5, 2]),
    ],
)
def test_exact_counts(weights: tuple[float, ...], batch: int, counts: list[int]) -> None:
    assert exact_counts(weights, batch) == counts


@pytest.mark.parametrize("weights", [(), (0.0, 0.0), (-1.0, 2.0), (float("nan"), 1.0)])
def test_bad_weights(weights: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="weights"):
        exact_counts(weights, 8)


def test_every_batch_has_exact_proportions_and_sources(logs) -> None:  # type: ignore[no-untyped-def]
    base, target = logs
    with MixedSampler([(base, 0.5), (target, 0.5)], batch_size=64, seed=0) as sampler:
        for _ in range(3):
            batch = sampler.sample()
            batch.validate()
            assert len(batch) == 64 and batch.source is not None
            assert np.bincount(batch.source, minlength=2).tolist() == [32, 32]
            episodes = batch.state[:, 0]
            assert np.all(episodes[batch.source == 0] < 100) and np.all(episodes[batch.source == 1] >= 100)
    with MixedSampler([(base, 0.25), (target, 0.75)], batch_size=10, seed=0) as sampler:
        assert np.bincount(sampler.sample().source, minlength=2).tolist() == [3, 7]


def test_same_seed_same_batches_with_or_without_prefetch(logs) -> None:  # type: ignore[no-untyped-def]
    base, target = logs
    sources = [(base, 0.5), (target, 0.5)]
    with MixedSampler(sources, batch_size=16, seed=7) as a, MixedSampler(sources, batch_size=16, seed=7) as b:
        first, second = [a.sample() for _ in range(3)], [b.sample() for _ in range(3)]
    assert all(_same(x, y) for x, y in zip(first, second, strict=True))
    with MixedSampler(sources, batch_size=16, seed=7, prefetch=2, decode_threads=2) as c:
        iterator = iter(c)
        prefetched = [next(iterator) for _ in range(3)]
    assert all(_same(x, y) for x, y in zip(first, prefetched, strict=True))
    with MixedSampler(sources, batch_size=16, seed=8) as d:
        assert not _same(first[0], d.sample())


def test_logs_must_share_the_image_size(logs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qtopt_finetune.grasp_log import GraspLogWriter
    from tests.qtopt_finetune.grasp_log.helpers import make_meta, make_steps

    with GraspLogWriter(tmp_path, image_format="jpeg") as w:
        w.add_episode(make_steps(0, shape=(8, 8)), make_meta(0))
    with pytest.raises(ValueError, match="same image shape"):
        MixedSampler([(logs[0], 0.5), (GraspLogReader(tmp_path), 0.5)], batch_size=4)


def test_variation_logs_mark_their_rows_and_only_theirs(logs) -> None:  # type: ignore[no-untyped-def]
    base, target = logs
    with MixedSampler([(base, 0.5), (target, 0.5)], batch_size=16, seed=0, variation_logs=(1,)) as sampler:
        batch = sampler.sample()
    assert batch.variation is not None and batch.source is not None
    np.testing.assert_array_equal(batch.variation, (batch.source == 1).astype(np.float32))
    batch.validate()
    with MixedSampler([(base, 0.5), (target, 0.5)], batch_size=16, seed=0) as sampler:
        assert sampler.sample().variation is None  # no variation logs, no input
    with pytest.raises(ValueError, match="variation_logs"):
        MixedSampler([(base, 0.5), (target, 0.5)], batch_size=16, variation_logs=(2,))
