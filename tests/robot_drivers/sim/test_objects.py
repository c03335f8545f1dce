import os

import numpy as np
import pytest

from robot_drivers.sim.objects import (
    BROKEN_OBJECTS,
    NUM_OBJECTS,
    collision_hull,
    object_indices,
    object_urdf,
    object_vertices,
)


def test_split_is_fixed_disjoint_and_complete() -> None:
    train, test = set(object_indices("train")), set(object_indices("test"))
    assert len(train) == 899 and len(test) == 100
    assert not train & test
    assert train | test | BROKEN_OBJECTS == set(range(NUM_OBJECTS))
    assert train | test == set(object_indices("all"))
    assert all(i % 10 == 0 for i in test)  # the split of PyBullet's KukaDiverseObjectEnv


def test_every_object_file_exists() -> None:
    assert all(os.path.exists(object_urdf(i)) for i in range(NUM_OBJECTS))


def test_bad_object_requests() -> None:
    with pytest.raises(ValueError, match="out of range"):
        object_urdf(1000)
    with pytest.raises(ValueError, match="split"):
        object_indices("holdout")  # type: ignore[arg-type]


def test_vertices_are_metres_and_readonly() -> None:
    v = object_vertices(5)
    extent = v.max(axis=0) - v.min(axis=0)
    assert v.shape[1] == 3 and 0.02 < extent.max() < 0.3
    with pytest.raises(ValueError):
        v[0, 0] = 1.0


def test_every_object_in_a_split_has_a_sound_mesh() -> None:
    for index in object_indices("all"):
        hull = collision_hull(index)
        assert np.isfinite(object_vertices(index)).all(), index
        extent = np.sort(np.ptp(hull, axis=0))
        assert len(hull) >= 8 and extent[1] > 0.005, index  # a few objects are thin plates, none a line
    assert all(not np.isfinite(object_vertices(i)).all() for i in BROKEN_OBJECTS)
