"""Transitions (s, a, r, s', done): s' is the next step's observation, and done marks (and masks) the last."""

from __future__ import annotations

import numpy as np
import pytest

from qtopt_finetune.grasp_log import GraspLogReader, Step
from tests.qtopt_finetune.grasp_log.helpers import write_log


@pytest.fixture(scope="module")
def log(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GraspLogReader, dict[tuple[int, int], Step], dict[int, int]]:
    root = tmp_path_factory.mktemp("transitions")
    written = write_log(root, 9, image_format="png", episodes_per_shard=4)
    steps = {(int(s.state[0]), int(s.state[1])): s for ep in written.values() for s in ep}
    lengths = {int(ep[0].state[0]): len(ep) for ep in written.values()}
    return GraspLogReader(root), steps, lengths


def _check(batch, steps, lengths) -> None:  # type: ignore[no-untyped-def]
    batch.validate()
    for k in range(len(batch)):
        e, t = int(batch.state[k, 0]), int(batch.state[k, 1])
        step = steps[(e, t)]
        last = t == lengths[e] - 1
        np.testing.assert_array_equal(batch.image[k], step.image)
        np.testing.assert_array_equal(batch.action[k], step.action)
        assert batch.reward[k] == np.float32(step.reward)
        assert batch.done[k] == (1.0 if last else 0.0)
        following = step if last else steps[(e, t + 1)]  # the last step repeats its own observation
        np.testing.assert_array_equal(batch.next_image[k], following.image)
        np.testing.assert_array_equal(batch.next_state[k], following.state)


def test_streaming_yields_every_transition_once(log) -> None:  # type: ignore[no-untyped-def]
    reader, steps, lengths = log
    batches = list(reader.iter_transitions(batch_size=5))
    assert all(len(b) == 5 for b in batches[:-1]) and 0 < len(batches[-1]) <= 5
    seen = [(int(e), int(t)) for b in batches for e, t in b.state]
    assert sorted(seen) == sorted(steps) and len(seen) == reader.num_transitions
    for b in batches:
        _check(b, steps, lengths)


def test_random_access_sampling(log) -> None:  # type: ignore[no-untyped-def]
    reader, steps, lengths = log
    rng = np.random.default_rng(0)
    batches = [reader.sample(32, rng) for _ in range(4)]
    for b in batches:
        assert len(b) == 32 and b.source is None
        _check(b, steps, lengths)
    seen = {(int(e), int(t)) for b in batches for e, t in b.state}
    assert seen == set(steps)  # 128 draws reach all 36 transitions of the 3 shards
    assert any(b.done.any() for b in batches)
    again = GraspLogReader(reader.root).sample(32, np.random.default_rng(0))
    np.testing.assert_array_equal(again.state, batches[0].state)


def test_streaming_carries_an_episode_split_across_row_groups() -> None:
    from qtopt_finetune.grasp_log.streaming import Rows, _transitions

    def rows(steps: list[int], done: list[bool]) -> Rows:
        n = len(steps)
        images = np.array(steps, np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
        state = np.array([[s, 0] for s in steps], np.float32)
        return Rows(
            images,
            state,
            np.zeros((n, 6), np.float32),
            np.zeros(n, np.float32),
            np.array(done),
            np.ones(n, bool),
        )

    first, carry = _transitions(rows([1, 2, 3], [False, True, False]))  # step 3 goes on in the next group
    assert first.state[:, 0].tolist() == [1, 2] and first.next_state[:, 0].tolist() == [2, 2]
    assert carry is not None and carry.state[:, 0].tolist() == [3]
    second, carry = _transitions(carry.cat(rows([4, 5], [False, True])))
    assert second.state[:, 0].tolist() == [3, 4, 5] and second.next_state[:, 0].tolist() == [4, 5, 5]
    assert second.next_image[0, 0, 0, 0] == 4 and second.done.tolist() == [0.0, 0.0, 1.0]
    assert carry is None


def test_sampled_transitions_carry_their_discounted_return(log) -> None:  # type: ignore[no-untyped-def]
    reader, steps, lengths = log
    from qtopt_finetune.grasp_log import MixedSampler

    gamma = 0.8
    with MixedSampler([(reader, 1.0)], 32, seed=3, return_gamma=gamma) as sampler:
        batch = sampler.sample()
    assert batch.mc_return is not None
    batch.validate()
    for k in range(len(batch)):
        e, t = int(batch.state[k, 0]), int(batch.state[k, 1])
        expected = sum(gamma ** (j - t) * steps[(e, j)].reward for j in range(t, lengths[e]))
        assert batch.mc_return[k] == pytest.approx(expected, abs=1e-5), (e, t)
    with MixedSampler([(reader, 1.0)], 8, seed=3) as plain:
        assert plain.sample().mc_return is None  # only when asked for
