"""Hindsight shortcuts: from each step, a move over to where the episode closed, labelled with its return."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtopt_finetune.grasp_log import (
    EpisodeMeta,
    GraspLogReader,
    GraspLogWriter,
    MixedSampler,
    ShortcutSpec,
    Step,
)
from qtopt_finetune.grasp_log.shortcuts import shortcut_chunks
from tests.qtopt_finetune.grasp_log.helpers import smooth_image

T = 0.08  # metres per unit of dz
SPEC = ShortcutSpec(gamma=0.9, step_penalty=-0.05, max_translation=T)


def move(dx: float, dy: float, dz: float, rot: float = 0.0) -> list[float]:
    return [dx, dy, dz, rot, 0.0, 0.0]


CLOSE_AND_LIFT = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]


def episode(actions: list[list[float]], heights: list[float], success: bool) -> dict[str, np.ndarray]:
    n = len(actions)
    return {
        "action": np.array(actions, np.float32),
        "state": np.array([[0.0, h] for h in heights], np.float32),
        "reward": np.array([0.0] * (n - 1) + [float(success)], np.float32),
        "done": np.array([False] * (n - 1) + [True]),
    }


def scan(episodes: list[dict[str, np.ndarray]], chunk: int = 1000) -> np.ndarray:
    """The shortcut column of the episodes laid end to end, fed backwards in chunks of `chunk` rows."""
    cols = {k: np.concatenate([e[k] for e in episodes]) for k in ("action", "state", "reward", "done")}
    n = len(cols["reward"])
    starts = list(range(0, n, chunk))[::-1]
    chunks = [
        (
            s,
            cols["action"][s : s + chunk],
            cols["state"][s : s + chunk],
            cols["reward"][s : s + chunk],
            cols["done"][s : s + chunk],
        )
        for s in starts
    ]
    out = np.zeros((n, 6), np.float32)
    for start, values in shortcut_chunks(chunks, SPEC):
        out[start : start + len(values)] = values
    return out


# a grasp: two steps down and across (the first a long way, the second a correction), then close and lift
GRASP = episode(
    [move(0.5, -0.25, -1.0, 0.2), move(0.125, 0.0, -1.0, -0.1), move(0.0, 0.125, -0.5), CLOSE_AND_LIFT],
    heights=[0.20, 0.12, 0.04, 0.0],
    success=True,
)


def test_a_grasp_gives_every_open_step_a_move_over_its_close_and_that_close_s_return() -> None:
    cut = scan([GRASP])
    g_close = 1.0 - 0.05  # the close-and-lift step's return: reward 1 and one penalty
    # step 0: x, y, rotation summed over steps 0..3; z clipped to one action, two more steps down follow
    np.testing.assert_allclose(cut[0, :4], [0.625, -0.125, -1.0, 0.1], atol=1e-6)
    expected0 = -0.05 * (1 + 0.9 + 0.81) + 0.9**3 * g_close
    assert cut[0, 4] == pytest.approx(expected0) and cut[0, 5] == 1.0
    # step 1: 0.12 m above the close, 1.5 actions: one action down, one more step after it
    np.testing.assert_allclose(cut[1, :4], [0.125, 0.125, -1.0, -0.1], atol=1e-6)
    assert cut[1, 4] == pytest.approx(-0.05 * 1.9 + 0.81 * g_close)
    # step 2: within one action of the close: the move straight there, then the close
    np.testing.assert_allclose(cut[2, :4], [0.0, 0.125, -0.5, 0.0], atol=1e-6)
    assert cut[2, 4] == pytest.approx(-0.05 + 0.9 * g_close)
    # the close itself: "do not move, then close" costs one step
    np.testing.assert_allclose(cut[3, :4], 0.0, atol=1e-6)
    assert cut[3, 4] == pytest.approx(-0.05 + 0.9 * g_close)


def test_a_failed_grasp_labels_its_moves_zero_and_episodes_do_not_leak_into_each_other() -> None:
    failed = {**GRASP, "reward": np.zeros(4, np.float32)}
    cut = scan([GRASP, failed, GRASP])
    assert np.all(cut[:, 5] == 1.0)
    np.testing.assert_array_equal(cut[4:8, 4], 0.0)  # clipped at 0: a failure's return is only penalties
    np.testing.assert_array_equal(cut[0:4], cut[8:12])  # the success after a failure is labelled as before
    np.testing.assert_array_equal(cut[0:4, :4], cut[4:8, :4])


def test_the_column_does_not_depend_on_how_the_log_is_chunked() -> None:
    failed = {**GRASP, "reward": np.zeros(4, np.float32)}
    episodes = [GRASP, failed, GRASP, failed, GRASP]
    whole = scan(episodes)
    for chunk in (1, 3, 5, 7):
        np.testing.assert_array_equal(scan(episodes, chunk), whole)


def test_steps_without_a_lasting_close_or_out_of_reach_are_invalid() -> None:
    never_closes = episode([move(0.1, 0, -1), move(0.1, 0, -1)], [0.2, 0.12], success=False)
    reopens = episode(
        [move(0.1, 0, -1), [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1]], [0.2, 0.12, 0.12], success=False
    )
    too_far = episode([move(0.75, 0, -1), move(0.5, 0, -1), CLOSE_AND_LIFT], [0.2, 0.12, 0.04], success=True)
    closed = episode([move(0, 0, 0), CLOSE_AND_LIFT], [0.05, 0.05], success=True)
    closed["state"][:, 0] = 1.0  # the gripper is already closed: no open-gripper move to relabel
    cut = scan([never_closes, reopens, too_far, closed])
    valid = [0, 0, 0, 0, 0, 0, 1, 1, 0, 0]  # never_closes (2 rows), reopens (3), too_far (3), closed (2)
    assert cut[:, 5].tolist() == valid
    np.testing.assert_allclose(cut[6, :4], [0.5, 0.0, -1.0, 0.0], atol=1e-6)  # too_far's step 1 reaches


def test_a_bad_spec_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="gamma"):
        ShortcutSpec(gamma=1.5)
    with pytest.raises(ValueError, match="step_penalty"):
        ShortcutSpec(gamma=0.9, step_penalty=0.1)
    with pytest.raises(ValueError, match="max_translation"):
        ShortcutSpec(gamma=0.9, max_translation=0.0)


def test_sampled_batches_carry_the_shortcuts_of_their_rows(tmp_path: Path) -> None:
    """Through a real log (several shards) and the mixed sampler: each sampled row's shortcut is its own."""
    outcomes = [True, False, True, True, False]
    episodes = []
    for e, success in enumerate(
        outcomes
    ):  # heights differ a little per episode: a row is known by its height
        ep = episode(GRASP["action"].tolist(), [h + 0.001 * e for h in (0.20, 0.12, 0.04, 0.0)], success)
        episodes.append(ep)
    with GraspLogWriter(tmp_path, image_format="png", episodes_per_shard=2) as writer:
        for e, ep in enumerate(episodes):
            steps = [
                Step(
                    smooth_image(100 * e + t),
                    ep["state"][t],
                    ep["action"][t],
                    float(ep["reward"][t]),
                    bool(ep["done"][t]),
                )
                for t in range(4)
            ]
            meta = EpisodeMeta("robot-0", "base", "scripted", "sim", 1.7e9 + e, outcomes[e])
            writer.add_episode(steps, meta)
    expected = scan(episodes)
    heights = np.concatenate([ep["state"][:, 1] for ep in episodes])
    with (
        GraspLogReader(tmp_path) as reader,
        MixedSampler([(reader, 1.0)], 64, seed=1, shortcut=SPEC) as sampler,
    ):
        batch = sampler.sample()
        batch.validate()
        assert batch.shortcut is not None
        for k in range(len(batch)):
            row = int(np.argmin(np.abs(heights - batch.state[k, 1])))
            np.testing.assert_allclose(batch.shortcut[k], expected[row], atol=1e-6)
        assert len({round(float(h), 4) for h in batch.state[:, 1]}) > 10  # many different rows were checked
        with MixedSampler([(reader, 1.0)], 8, seed=1) as plain:
            assert plain.sample().shortcut is None  # only when asked for
