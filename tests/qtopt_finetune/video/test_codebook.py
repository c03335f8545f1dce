"""Hidden units: each assignment variant gives the expected units on a small, known set of embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from qtopt_finetune.video.codebook import UnitCodebook, kmeans, transform

# Three well separated points in 2-D; a "clip" visits them in some order, moved by an offset (the scene).
A, B, C = np.array([0.0, 0.0]), np.array([10.0, 0.0]), np.array([0.0, 10.0])


def _clip(points: list[np.ndarray], offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    return np.stack(points) + np.asarray(offset)


def test_kmeans_finds_separated_clusters() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([p + rng.normal(0, 0.1, (20, 2)) for p in (A, B, C)])
    centers = kmeans(x, 3, seed=1)
    found = sorted(map(tuple, np.round(centers).astype(int).tolist()))
    assert found == [(0, 0), (0, 10), (10, 0)]


def test_plain_assignment_is_the_nearest_centre() -> None:
    book = UnitCodebook(np.stack([A, B, C]).astype(np.float32), "plain")
    assert book.assign(_clip([A, B, C, B, A]) + 0.3).tolist() == [0, 1, 2, 1, 0]


def test_clip_mean_removes_the_scene_and_keeps_the_motion() -> None:
    # the same motion (A, then B) in two scenes far apart: plain units differ, clip_mean units are equal
    near, far = _clip([A, B]), _clip([A, B], offset=(100.0, -50.0))
    book = UnitCodebook.fit([near, far], k=2, assignment="clip_mean", seed=0)
    assert book.assign(near).tolist() == book.assign(far).tolist()
    assert len(set(book.assign(near).tolist())) == 2
    plain = UnitCodebook.fit([near, far], k=2, assignment="plain", seed=0)
    assert set(plain.assign(near).tolist()).isdisjoint(plain.assign(far).tolist())


def test_delta_units_follow_the_change_between_frames() -> None:
    right, up = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    steady = _clip([A, A + right, A + 2 * right, A + 3 * right], offset=(40.0, 40.0))  # constant +x motion
    turn = _clip([A, A + up, A + 2 * up])  # constant +y motion
    np.testing.assert_array_equal(transform(steady, "delta")[0], [0.0, 0.0])  # the first frame's delta
    book = UnitCodebook.fit([steady, turn], k=3, assignment="delta", seed=0)
    s, t = book.assign(steady).tolist(), book.assign(turn).tolist()
    assert s[0] == t[0]  # both start with the zero delta
    assert len(set(s[1:])) == 1 and len(set(t[1:])) == 1 and s[1] != t[1]


def test_stochastic_assignment_draws_among_near_centres() -> None:
    book = UnitCodebook(np.stack([A, B, C]).astype(np.float32), "stochastic", scale=25.0, nearest=2)
    halfway = np.tile((A + B) / 2, (4000, 1))  # equidistant from A and B, far from C
    units = book.assign(halfway, np.random.default_rng(0))
    assert set(units.tolist()) == {0, 1}
    assert 0.45 < float(np.mean(units == 0)) < 0.55
    assert book.assign(_clip([A, B, C]), np.random.default_rng(0)).tolist() == [0, 1, 2]  # exact hits
    again = book.assign(halfway, np.random.default_rng(0))
    np.testing.assert_array_equal(units, again)  # deterministic under a seed
    cold = UnitCodebook(book.centers, "stochastic", scale=25.0, temperature=1e-6, nearest=3)
    assert cold.assign(_clip([A, B]) + 0.5, np.random.default_rng(1)).tolist() == [0, 1]
    with pytest.raises(ValueError, match="rng"):
        book.assign(halfway)
