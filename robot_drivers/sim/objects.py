"""The object catalogue: pybullet_data's 1,000 procedural objects (`random_urdfs/000` ... `999`).

The split is fixed and is the one PyBullet's own KukaDiverseObjectEnv uses, so results compare with the
field: **test** objects are those whose index ends in 0 (000, 010, ..., 990: 100 objects); **train**
objects are all the others (900 objects). The two sets are disjoint by construction.
"""

from __future__ import annotations

import functools
import os
from typing import Literal

import numpy as np
import pybullet_data

ObjectSplit = Literal["train", "test", "all"]
NUM_OBJECTS = 1000


def object_indices(split: ObjectSplit) -> list[int]:
    if split == "train":
        return [i for i in range(NUM_OBJECTS) if i % 10 != 0]
    if split == "test":
        return [i for i in range(NUM_OBJECTS) if i % 10 == 0]
    if split == "all":
        return list(range(NUM_OBJECTS))
    raise ValueError(f"objects: unknown split {split!r}; expected 'train', 'test' or 'all'")


def object_urdf(index: int) -> str:
    if not 0 <= index < NUM_OBJECTS:
        raise ValueError(f"object index {index} out of range 0..{NUM_OBJECTS - 1}")
    return os.path.join(pybullet_data.getDataPath(), "random_urdfs", f"{index:03d}", f"{index:03d}.urdf")


URDF_MESH_SCALE = 0.015  # every random_urdfs object scales its mesh by this


@functools.lru_cache(maxsize=1024)
def object_vertices(index: int) -> np.ndarray:
    """The object's mesh vertices in its own frame (metres, before the world's object_scale)."""
    path = object_urdf(index).replace(".urdf", ".obj")
    with open(path, encoding="utf-8") as f:
        rows = [line.split()[1:4] for line in f if line.startswith("v ")]
    vertices = np.asarray(rows, dtype=np.float64) * URDF_MESH_SCALE
    vertices.setflags(write=False)
    return vertices
