"""The object catalogue: pybullet_data's 1,000 procedural objects (`random_urdfs/000` ... `999`).

The split is fixed and is the one PyBullet's own KukaDiverseObjectEnv uses, so results compare with the
field: **test** objects are those whose index ends in 0 (000, 010, ..., 990: 100 objects); **train**
objects are all the others. The two sets are disjoint by construction. Object 168 is left out of both: its
mesh in pybullet_data has only NaN vertices (it falls through the floor), so there are 899 train objects.
"""

from __future__ import annotations

import functools
import os
from typing import Literal

import numpy as np
import pybullet_data

ObjectSplit = Literal["train", "test", "all"]
NUM_OBJECTS = 1000
BROKEN_OBJECTS = frozenset({168})  # meshes without a single finite vertex


def object_indices(split: ObjectSplit) -> list[int]:
    if split == "train":
        return [i for i in range(NUM_OBJECTS) if i % 10 != 0 and i not in BROKEN_OBJECTS]
    if split == "test":
        return [i for i in range(NUM_OBJECTS) if i % 10 == 0 and i not in BROKEN_OBJECTS]
    if split == "all":
        return [i for i in range(NUM_OBJECTS) if i not in BROKEN_OBJECTS]
    raise ValueError(f"objects: unknown split {split!r}; expected 'train', 'test' or 'all'")


def object_urdf(index: int) -> str:
    if not 0 <= index < NUM_OBJECTS:
        raise ValueError(f"object index {index} out of range 0..{NUM_OBJECTS - 1}")
    return os.path.join(pybullet_data.getDataPath(), "random_urdfs", f"{index:03d}", f"{index:03d}.urdf")


URDF_MESH_SCALE = 0.015  # every random_urdfs object scales its mesh by this


def object_mesh(index: int) -> str:
    return object_urdf(index).replace(".urdf", ".obj")


@functools.lru_cache(maxsize=1024)
def object_vertices(index: int) -> np.ndarray:
    """The object's mesh vertices in its own frame (metres, before the world's object_scale)."""
    with open(object_mesh(index), encoding="utf-8") as f:
        rows = [line.split()[1:4] for line in f if line.startswith("v ")]
    vertices = np.asarray(rows, dtype=np.float64) * URDF_MESH_SCALE
    vertices.setflags(write=False)
    return vertices


def _sphere_directions(count: int) -> np.ndarray:
    """Near-uniform unit vectors (a Fibonacci sphere)."""
    k = np.arange(count) + 0.5
    polar = np.arccos(1 - 2 * k / count)
    azimuth = np.pi * (1 + 5**0.5) * k
    return np.stack([np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)], axis=1)


HULL_DIRECTIONS = 96


@functools.lru_cache(maxsize=1024)
def collision_hull(index: int) -> np.ndarray:
    """At most HULL_DIRECTIONS vertices of the object's convex hull: the extreme vertex in each of a set of
    near-uniform directions. Bullet builds its hull from these, which keeps the shape (every extreme is
    kept) but makes contacts several times cheaper than the full mesh's hull (measured: 0.16 -> 0.08 ms per
    physics step with five objects in the bin)."""
    vertices = object_vertices(index)
    extreme = np.unique(np.argmax(vertices @ _sphere_directions(HULL_DIRECTIONS).T, axis=0))
    hull = vertices[extreme]
    hull.setflags(write=False)
    return hull


@functools.lru_cache(maxsize=1024)
def object_color(index: int) -> tuple[float, float, float, float]:
    """The object's colour as its URDF gives it."""
    with open(object_urdf(index), encoding="utf-8") as f:
        text = f.read()
    start = text.index('rgba="') + len('rgba="')
    r, g, b, a = (float(v) for v in text[start : text.index('"', start)].split())
    return (r, g, b, a)
